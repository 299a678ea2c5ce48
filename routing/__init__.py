"""Decide which agency handles a complaint: a pure library (no I/O frameworks).

`route(category, region_code)` answers with a Route: the agency and the reasons. The
agency directory is generated from the taxonomy and the Kemendagri region list, with a
deployment's overrides (routing/data/overrides.toml plus an optional extra file) on top.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from functools import cache
from importlib import resources
from pathlib import Path

from routing.directory import AgencyType, Category, Directory
from routing.model import Agency, Channel, Route
from routing.overrides import OverrideError, Overrides, load_overrides
from routing.regions import gazetteer, taxonomy
from routing.router import escalation_for as _escalation_for
from routing.router import route_in

__all__ = [
    "Agency", "AgencyType", "Category", "Channel", "Directory", "OverrideError", "Overrides",
    "Route", "agencies", "check_examples", "default_directory", "escalation_for", "get_agency",
    "load_directory", "route",
]


def default_overrides_path() -> Path:
    """Return the path of the shipped override file."""
    return Path(str(resources.files("routing").joinpath("data/overrides.toml")))


def load_directory(extra_overrides: str | Path | None = None, *,
                   include_default: bool = True) -> Directory:
    """Build a directory from the shipped overrides and an optional deployment file on top."""
    categories = {code: None for code in taxonomy()["categories"]}
    paths = [(default_overrides_path(), "routing/data/overrides.toml")] if include_default else []
    if extra_overrides is not None:
        paths.append((Path(extra_overrides), str(extra_overrides)))
    overrides = Overrides()
    for path, name in paths:
        overrides = overrides.merged(
            load_overrides(path, categories=categories, regions=gazetteer(), name=name))
    return Directory(overrides)


@cache
def default_directory() -> Directory:
    """Return the directory with the shipped overrides (built on first use, then cached)."""
    return load_directory()


def route(category: str, region_code: str | None, *, keyword: str | None = None,
          exclude: Collection[str] = (), directory: Directory | None = None,
          about_officials: bool = False, confidential: bool = False) -> Route:
    """Return the agency for a complaint and why; ValueError on an unknown category or region.

    exclude holds agency codes that declined the ticket (bukan_wewenang); a route to one of
    them goes to the nearest complaint admin above it instead. A complaint about officials'
    own conduct (about_officials, or a confidential complaint in `kepegawaian`) goes to the
    region's oversight body and never to the office concerned or one below it (rule
    "oversight"; Route.withheld_from names those offices).
    """
    return route_in(directory or default_directory(), category, region_code, keyword=keyword,
                    exclude=exclude, about_officials=about_officials, confidential=confidential)


def escalation_for(agency_code: str, *, directory: Directory | None = None) -> Agency | None:
    """Return who an overdue ticket of this agency escalates to (the province's admin)."""
    return _escalation_for(directory or default_directory(), agency_code)


def agencies(*, include_offices: bool = False,
             directory: Directory | None = None) -> Iterator[Agency]:
    """Yield every agency of the directory (desa/kecamatan offices only if asked)."""
    return (directory or default_directory()).agencies(include_offices=include_offices)


def get_agency(code: str, *, directory: Directory | None = None) -> Agency | None:
    """Return the agency with this code, or None."""
    return (directory or default_directory()).get_agency(code)


def check_examples(directory: Directory | None = None) -> list[str]:
    """Route every example of every override rule; return one message per mismatch."""
    directory = directory or default_directory()
    failures = []
    for ex in directory.overrides.examples():
        got = route(ex.category, ex.region, keyword=ex.keyword, directory=directory)
        code = got.agency.code if got.agency else None
        if code != ex.agency:
            failures.append(f"{ex.where}: expected {ex.agency or 'needs_location'}, "
                            f"got {code or 'needs_location'}")
    return failures
