"""Choose the agency for a complaint: keyword routes, then region overrides, then the taxonomy.

Complaints about officials' own conduct follow the oversight rule instead (see _oversight).
"""

from __future__ import annotations

from collections.abc import Collection

from routing.directory import NATIONAL, Directory
from routing.model import Agency, Route
from routing.overrides import CategoryRule, Target
from routing.regions import RegionInfo, ancestor, is_region_code

ADMIN = "pengelola_lapor"
# The taxonomy's category for staff conduct ("pungli oleh petugas"): its agency in a region
# (BKPSDM by the taxonomy, or a deployment's inspectorate through a category override) is the
# region's oversight body.
OVERSIGHT_CATEGORY = "kepegawaian"


def _describe(region: RegionInfo) -> str:
    if region.depth == 2 or region.name.startswith(f"{region.kind} "):
        return f"{region.code} {region.name}"
    return f"{region.code} {region.kind} {region.name}"


def _region(directory: Directory, region_code: str | None) -> RegionInfo | None:
    code = (region_code or "").strip()
    if not code:
        return None
    region = directory.regions.get(code) if is_region_code(code) else None
    if region is None:
        raise ValueError(f"unknown region code {code!r} (expected a Kemendagri code "
                         "such as 35.78 or 35.78.05.1001)")
    return region


def _category_rule(directory: Directory, category: str,
                   region: RegionInfo | None) -> CategoryRule | None:
    """Return the override for category at the deepest region containing region, if any."""
    if region is None:
        return None
    best: CategoryRule | None = None
    for rule in directory.overrides.category_rules:
        inside = ancestor(region.code, rule.region.count(".") + 1) == rule.region
        if rule.category == category and inside:
            if best is None or rule.region.count(".") >= best.region.count("."):
                best = rule
    return best


def _resolve(directory: Directory, agency_type: str, region: RegionInfo | None,
             reasons: list[str]) -> Agency | None:
    """Instantiate agency_type for region, following the fallback chain; None: no region."""
    known = directory.agency_types.get(agency_type)
    if known is None:  # a type that exists only in the overrides, e.g. a ministry
        code = directory.extra_agency(agency_type, region.code if region else None)
        if code is None:
            return None
        reasons.append(f"{agency_type} agency nearest to the region: {code}")
        return directory.get_agency(code)
    if region is None:
        return None
    level = known.level
    province = directory.regions.get(ancestor(region.code, 1))
    kabkota = directory.regions.get(ancestor(region.code, 2)) if region.depth >= 2 else None
    if level == "provinsi" and province is not None:
        if region.depth > 1:
            reasons.append(f"{agency_type} is provincial: {_describe(region)} lies in "
                           f"{_describe(province)}")
        return directory.get_agency(f"{agency_type}:{province.code}")
    if level == "wilayah" and region.depth >= 3:
        reasons.append(f"{agency_type} is the office of the smallest region named: "
                       f"{_describe(region)}")
        return directory.get_agency(f"{agency_type}:{region.code}")
    if level == "wilayah" and kabkota is not None:
        reasons.append(f"no kecamatan or desa/kelurahan named: the complaint admin of "
                       f"{_describe(kabkota)} takes it")
        return directory.get_agency(f"{ADMIN}:{kabkota.code}")
    if kabkota is not None:
        if region.depth > 2:
            reasons.append(f"{_describe(region)} lies in {_describe(kabkota)}; "
                           f"{agency_type} sits at kab/kota level")
        return directory.get_agency(f"{agency_type}:{kabkota.code}")
    assert province is not None
    reasons.append(f"only the province {_describe(province)} is known and {agency_type} sits "
                   f"below it: the province's complaint admin ({ADMIN}) takes it")
    return directory.get_agency(f"{ADMIN}:{province.code}")


def _to_target(directory: Directory, target: Target, region: RegionInfo | None,
                reasons: list[str]) -> Agency | None:
    if target.agency is not None:
        return directory.get_agency(target.agency)
    return _resolve(directory, str(target.agency_type), region, reasons)


def route_in(directory: Directory, category: str, region_code: str | None, *,
             keyword: str | None = None, exclude: Collection[str] = (),
             about_officials: bool = False, confidential: bool = False) -> Route:
    """Route one complaint with this directory; see routing.route."""
    if about_officials or (confidential and category == OVERSIGHT_CATEGORY):
        return _oversight(directory, category, region_code, keyword, exclude, about_officials)
    found = _choose(directory, category, region_code, keyword)
    agency, reasons, rule = found
    if agency is not None and agency.code in exclude:
        reasons.append(f"{agency.code} declined the ticket (bukan_wewenang): "
                       "its complaint admin re-routes it")
        agency = _admin_above(directory, agency, exclude)
        rule = "excluded"
    return _finish(agency, reasons, rule)


def _admin_above(directory: Directory, agency: Agency, exclude: Collection[str]) -> Agency:
    """Return the nearest complaint admin above agency not in exclude (national at worst)."""
    region = agency.region_code
    scopes = [ancestor(region, 2), ancestor(region, 1)] if region else []
    for scope in [*scopes, NATIONAL]:
        admin = directory.get_agency(f"{ADMIN}:{scope}")
        if admin is not None and admin.code != agency.code and admin.code not in exclude:
            return admin
    national = directory.get_agency(f"{ADMIN}:{NATIONAL}")
    assert national is not None
    return national


def escalation_for(directory: Directory, agency_code: str) -> Agency | None:
    """Return who an overdue ticket of this agency escalates to: the province's admin.

    The province's complaint admin escalates to the national admin, which has no one above
    it (None). Unknown codes give None.
    """
    agency = directory.get_agency(agency_code)
    if agency is None or agency.code == f"{ADMIN}:{NATIONAL}":
        return None
    if agency.region_code is None or agency.code == f"{ADMIN}:{ancestor(agency.region_code, 1)}":
        return directory.get_agency(f"{ADMIN}:{NATIONAL}")
    return directory.get_agency(f"{ADMIN}:{ancestor(agency.region_code, 1)}")


def _choose(directory: Directory, category: str, region_code: str | None,
            keyword: str | None) -> tuple[Agency | None, list[str], str]:
    if category not in directory.categories:
        raise ValueError(f"unknown category {category!r} (known: "
                         f"{', '.join(sorted(directory.categories))})")
    region = _region(directory, region_code)
    reasons: list[str] = []
    if region is not None:
        reasons.append(f"region {_describe(region)}")
    word = (keyword or "").strip().casefold()
    rule = directory.overrides.keywords.get(word) if word else None
    if rule is not None:
        reasons.append(f"keyword {word.upper()} routes to {rule.target.describe()} "
                       f"({rule.where})")
        return _to_target(directory, rule.target, region, reasons), reasons, f"keyword:{word}"
    if word:
        reasons.append(f"keyword {word.upper()} has no keyword route; routing by category")
    agency_type = directory.categories[category].agency_type
    reasons.append(f"category {category} -> agency type {agency_type} (taxonomy)")
    override = _category_rule(directory, category, region)
    if override is not None:
        reasons.append(f"override {override.id}: in region {override.region} {category} goes "
                       f"to {override.target.describe()} ({override.where})")
        agency = _to_target(directory, override.target, region, reasons)
        return agency, reasons, f"override:{override.id}"
    return _resolve(directory, agency_type, region, reasons), reasons, "taxonomy"


def _finish(agency: Agency | None, reasons: list[str], rule: str,
            withheld_from: tuple[str, ...] = ()) -> Route:
    if agency is None:
        reasons.append("no region given: ask the citizen for the location and hold the ticket")
        return Route(agency=None, reasons=tuple(reasons), needs_location=True, rule=rule,
                     withheld_from=withheld_from)
    reasons.append(f"agency {agency.code}: {agency.name}")
    return Route(agency=agency, reasons=tuple(reasons), rule=rule, withheld_from=withheld_from)


def _oversight(directory: Directory, category: str, region_code: str | None,
               keyword: str | None, exclude: Collection[str], about_officials: bool) -> Route:
    """Send a complaint about officials to the region's oversight body, never to the accused.

    The accused are the office the complaint would otherwise reach (its keyword route or
    category, unless that is already the oversight body or a complaint admin) and the office of
    the desa/kelurahan or kecamatan named. The oversight body may not be one of them or lie
    below one; then the nearest complaint admin above that is neither takes the complaint.
    """
    normal, _, normal_rule = _choose(directory, category, region_code, keyword)
    region = _region(directory, region_code)
    reasons = [f"region {_describe(region)}"] if region is not None else []
    why = ("the complaint is about officials' own conduct (pungli, bribes, abuse)"
           if about_officials else f"confidential (RAHASIA) complaint in {OVERSIGHT_CATEGORY}")
    reasons.append(f"oversight rule: {why}; it never goes to the office concerned or an office "
                   "below it, but to the region's oversight body")
    accused = _accused(directory, category, region, normal, normal_rule, reasons)
    agency = _oversight_body(directory, region, reasons)
    rule = "oversight"
    if agency is not None and (agency.code in exclude
                               or any(_at_or_below(agency, a) for a in accused)):
        why_not = ("declined the ticket (bukan_wewenang)" if agency.code in exclude
                   else "is the office concerned or lies below it")
        admin = _admin_clear_of(directory, region, accused, exclude)
        reasons.append(f"{agency.code} {why_not}: the complaint admin {admin.code} takes it")
        agency, rule = admin, "oversight:admin"
    return _finish(agency, reasons, rule, tuple(a.code for a in accused))


def _accused(directory: Directory, category: str, region: RegionInfo | None,
             normal: Agency | None, normal_rule: str, reasons: list[str]) -> list[Agency]:
    """Return the offices a complaint about officials may concern, noting each in reasons."""
    accused: list[Agency] = []
    own = category == OVERSIGHT_CATEGORY and not normal_rule.startswith("keyword:")
    if normal is not None and normal.agency_type != ADMIN and not own:
        accused.append(normal)
        reasons.append(f"office concerned: {normal.code} ({normal.name}), where {category} "
                       f"would go ({normal_rule})")
    if region is not None and region.depth >= 3:
        for type_code, agency_type in directory.agency_types.items():
            office = (directory.get_agency(f"{type_code}:{region.code}")
                      if agency_type.level == "wilayah" else None)
            if office is not None and office not in accused:
                accused.append(office)
                reasons.append(f"office concerned: {office.code} ({office.name}), the office of "
                               "the region named")
    return accused


def _oversight_body(directory: Directory, region: RegionInfo | None,
                    reasons: list[str]) -> Agency | None:
    """Return where OVERSIGHT_CATEGORY goes in region (its override first); None: no region."""
    agency_type = directory.categories[OVERSIGHT_CATEGORY].agency_type
    override = _category_rule(directory, OVERSIGHT_CATEGORY, region)
    if override is not None:
        reasons.append(f"oversight body: override {override.id} sends {OVERSIGHT_CATEGORY} to "
                       f"{override.target.describe()} ({override.where})")
        return _to_target(directory, override.target, region, reasons)
    reasons.append(f"oversight body: {OVERSIGHT_CATEGORY} -> agency type {agency_type} "
                   "(taxonomy)")
    return _resolve(directory, agency_type, region, reasons)


def _at_or_below(agency: Agency, accused: Agency) -> bool:
    """True if agency is accused itself or sits in a region inside the accused's region."""
    if agency.code == accused.code:
        return True
    if agency.region_code is None:
        return False
    return accused.region_code is None or agency.region_code.startswith(
        f"{accused.region_code}.")


def _admin_clear_of(directory: Directory, region: RegionInfo | None, accused: list[Agency],
                    exclude: Collection[str]) -> Agency:
    """Return the nearest complaint admin above region that no accused office is above."""
    scopes = [ancestor(region.code, 2), ancestor(region.code, 1)] if region else []
    for scope in [*scopes, NATIONAL]:
        admin = directory.get_agency(f"{ADMIN}:{scope}")
        if (admin is not None and admin.code not in exclude
                and not any(_at_or_below(admin, a) for a in accused)):
            return admin
    national = directory.get_agency(f"{ADMIN}:{NATIONAL}")
    assert national is not None
    return national

