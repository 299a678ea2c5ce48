"""Decide which agency handles a complaint: a pure library (no I/O frameworks)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Agency:
    """One agency: a stable code `<agency_type>:<region code>` and a display name."""

    code: str
    name: str
    agency_type: str
    region_code: str | None
    level: str


@dataclass(frozen=True, slots=True)
class Route:
    """Where a complaint goes and why; agency None means the location is still needed."""

    agency: Agency | None
    reasons: tuple[str, ...] = ()
    needs_location: bool = False

    def as_dict(self) -> dict[str, object]:
        """Return the route as the JSON object the CLI prints."""
        return {
            "agency": None if self.agency is None else {
                "code": self.agency.code, "name": self.agency.name,
                "agency_type": self.agency.agency_type,
                "region_code": self.agency.region_code, "level": self.agency.level,
            },
            "reasons": list(self.reasons),
            "needs_location": self.needs_location,
        }


def route(category: str, region_code: str | None, *, keyword: str | None = None) -> Route:
    """Placeholder until the routing library lands (issue 4); same interface."""
    if not region_code:
        return Route(agency=None, reasons=("no_region",), needs_location=True)
    kab = ".".join(region_code.split(".")[:2])
    code = f"pengelola_lapor:{kab}" if category == "lainnya" else f"{category}:{kab}"
    return Route(agency=Agency(code, code, category, kab, "kabkota"), reasons=("placeholder",))
