"""Agencies an operator can choose for a complaint: routing's suggestion and its neighbours."""

from __future__ import annotations

from dataclasses import dataclass

import routing


@dataclass(frozen=True)
class Suggestion:
    """Routing's answer for a category and region, and the other agencies of that region."""

    agency: routing.Agency | None
    reasons: tuple[str, ...]
    choices: tuple[routing.Agency, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "agency": None if self.agency is None else {"code": self.agency.code,
                                                        "name": self.agency.name},
            "reasons": list(self.reasons),
            "choices": [{"code": a.code, "name": a.name} for a in self.choices],
        }


def choices(directory: routing.Directory, region_code: str | None) -> list[routing.Agency]:
    """One agency of every type for the region: the closest level each type exists at."""
    if not region_code:
        return []
    parts = region_code.split(".")
    scopes = [".".join(parts[:n]) for n in range(len(parts), 0, -1)] + ["nasional"]
    found = []
    for agency_type in directory.agency_types:
        for scope in scopes:
            agency = directory.get_agency(f"{agency_type}:{scope}")
            if agency is not None:
                found.append(agency)
                break
    return found


def suggest(directory: routing.Directory, category: str | None, region_code: str | None,
            keyword: str | None = None, *, about_officials: bool = False,
            confidential: bool = False) -> Suggestion:
    """Routing's choice (None while the location is missing) plus the alternatives."""
    options = choices(directory, region_code)
    if not category:
        return Suggestion(None, (), tuple(options))
    try:
        route = routing.route(category, region_code or None, keyword=keyword,
                              directory=directory, about_officials=about_officials,
                              confidential=confidential)
    except ValueError as exc:
        return Suggestion(None, (str(exc),), tuple(options))
    # Under the oversight rule the offices concerned are no choice at all.
    options = [a for a in options if a.code not in route.withheld_from]
    if route.agency is not None and all(a.code != route.agency.code for a in options):
        options.insert(0, route.agency)
    return Suggestion(route.agency, route.reasons, tuple(options))
