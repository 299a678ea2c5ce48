"""The agency directory: agencies generated from the taxonomy and region list, plus overrides."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from routing.model import Agency
from routing.overrides import OverrideError, Overrides, Target
from routing.regions import Gazetteer, RegionInfo, ancestor, gazetteer, taxonomy

NATIONAL = "nasional"


@dataclass(frozen=True, slots=True)
class AgencyType:
    """An agency template from the taxonomy: instantiated once per region of its level."""

    code: str
    name: str
    level: str
    parent: str | None = None
    national_fallback: str | None = None


@dataclass(frozen=True, slots=True)
class Category:
    """A complaint category and the agency type that handles it by default."""

    code: str
    name: str
    name_en: str
    agency_type: str


def _level_of(scope: str) -> str:
    if scope == NATIONAL:
        return "nasional"
    return {1: "provinsi", 2: "kabkota"}.get(scope.count(".") + 1, "wilayah")


def office_name(region: RegionInfo) -> str:
    """Return the name of a region's own government office, e.g. "Kantor Kelurahan Ketintang"."""
    if region.kind == "Desa Adat" and region.name.startswith("Desa Adat "):
        return f"Kantor {region.name}"
    return f"Kantor {region.kind} {region.name}"


class Directory:
    """All agencies by code, with the deployment's overrides applied."""

    def __init__(self, overrides: Overrides | None = None,
                 regions: Gazetteer | None = None) -> None:
        data = taxonomy()
        self.regions = regions or gazetteer()
        self.overrides = overrides or Overrides()
        self.agency_types = {
            code: AgencyType(code, t["name"], t["level"], t.get("parent"),
                             t.get("national_fallback"))
            for code, t in data["agency_types"].items()
        }
        self.categories = {
            code: Category(code, c["name"], c["name_en"], c["agency_type"])
            for code, c in data["categories"].items()
        }
        self._cache: dict[str, Agency | None] = {}
        # Agency types that exist only in overrides (e.g. a ministry): type -> scope -> code.
        self._extra: dict[str, dict[str, str]] = {}
        for code in self.overrides.agencies:
            agency_type, _, scope = code.partition(":")
            if agency_type not in self.agency_types:
                self._extra.setdefault(agency_type, {})[scope] = code
        self._check_references()

    def _check_references(self) -> None:
        for code, where in self.overrides.references:
            if self.get_agency(code) is None:
                raise OverrideError(f"{where}: unknown agency {code!r}")
        for rule in self.overrides.category_rules:
            self._check_target(rule.target, rule.region, rule.where)
        for kw in self.overrides.keywords.values():
            self._check_target(kw.target, None, kw.where)

    def _check_target(self, target: Target, region: str | None, where: str) -> None:
        agency_type = target.agency_type
        if agency_type is None or agency_type in self.agency_types:
            return
        scopes = self._extra.get(agency_type, {})
        if region is None and not scopes:
            raise OverrideError(f"{where}.agency_type: no agency of type {agency_type!r}")
        if region is not None and self.extra_agency(agency_type, region) is None:
            raise OverrideError(f"{where}.agency_type: no agency of type {agency_type!r} "
                                f"at or above region {region} (add one under [[agency]])")

    def extra_agency(self, agency_type: str, region: str | None) -> str | None:
        """Return the override-only agency of this type nearest above region, or None."""
        scopes = self._extra.get(agency_type, {})
        if region is not None:
            for depth in range(region.count(".") + 1, 0, -1):
                if ancestor(region, depth) in scopes:
                    return scopes[ancestor(region, depth)]
        return scopes.get(NATIONAL)

    def get_agency(self, code: str) -> Agency | None:
        """Return the agency with this code, or None if there is none."""
        if code not in self._cache:
            self._cache[code] = self._build(code)
        return self._cache[code]

    def _build(self, code: str) -> Agency | None:
        agency = self._generated(code)
        entry = self.overrides.agencies.get(code)
        if entry is not None:
            if agency is None:
                agency_type, _, scope = code.partition(":")
                agency = Agency(code, entry.name, agency_type,
                                None if scope == NATIONAL else scope, _level_of(scope))
            agency = replace(agency, name=entry.name, parent=entry.parent or agency.parent)
        channels = self.overrides.channels.get(code)
        if agency is not None and channels:
            agency = replace(agency, channels=channels)
        return agency

    def _generated(self, code: str) -> Agency | None:
        type_code, _, scope = code.partition(":")
        agency_type = self.agency_types.get(type_code)
        if agency_type is None:
            return None
        if scope == NATIONAL:
            if agency_type.national_fallback is None:
                return None
            return Agency(code, agency_type.national_fallback, type_code, None, "nasional")
        region = self.regions.get(scope)
        if region is None:
            return None
        name, level = agency_type.name, agency_type.level
        if level == "kabkota" and region.depth == 2:
            return Agency(code, f"{name} {region.name}", type_code, scope, level,
                          agency_type.parent)
        # A kab/kota-level complaint admin also exists for each province.
        if level == "kabkota" and region.depth == 1 and agency_type.national_fallback:
            return Agency(code, f"{name} Provinsi {region.name}", type_code, scope, "provinsi")
        if level == "provinsi" and region.depth == 1:
            return Agency(code, f"{name} {region.name}", type_code, scope, level,
                          agency_type.parent)
        if level == "wilayah" and region.depth >= 3:
            return Agency(code, office_name(region), type_code, scope, level)
        return None

    def agencies(self, *, include_offices: bool = False) -> Iterator[Agency]:
        """Yield every agency; desa/kecamatan offices (about 91,000) only if asked."""
        seen: set[str] = set()
        for type_code, agency_type in self.agency_types.items():
            if agency_type.level == "kabkota":
                scopes = self.regions.codes(2)
                if agency_type.national_fallback:
                    scopes = [*self.regions.codes(1), *scopes, NATIONAL]
            elif agency_type.level == "provinsi":
                scopes = self.regions.codes(1)
            elif include_offices:
                scopes = [*self.regions.codes(3), *self.regions.codes(4)]
            else:
                continue
            for scope in scopes:
                code = f"{type_code}:{scope}"
                seen.add(code)
                agency = self.get_agency(code)
                if agency is not None:
                    yield agency
        for code in self.overrides.agencies:
            if code not in seen:
                agency = self.get_agency(code)
                if agency is not None:
                    yield agency
