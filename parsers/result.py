"""The parser's output types: a contract shared with the gateway and outside checks."""

from __future__ import annotations

from dataclasses import dataclass, field

INTENTS = ("complaint", "status", "help", "stop", "start", "cancel", "unknown")
LEVELS = ("provinsi", "kabkota", "kecamatan", "desa")


@dataclass(frozen=True, slots=True)
class Region:
    """One administrative region by its Kemendagri code."""

    code: str
    name: str
    level: str  # one of LEVELS

    def as_dict(self) -> dict[str, str]:
        """Return the region as the JSON object the CLI prints."""
        return {"code": self.code, "name": self.name, "level": self.level}


def _titled(region: Region) -> str:
    """The name as people write it: Kel. (kelurahan codes x.x.x.1xxx), Desa, Kec., or as is."""
    if region.level == "desa":
        kind = "Kel." if region.code.rsplit(".", 1)[1].startswith("1") else "Desa"
        return f"{kind} {region.name}"
    if region.level == "kecamatan":
        return f"Kec. {region.name}"
    return region.name


@dataclass(frozen=True, slots=True)
class RegionOption:
    """A region the citizen may be asked to choose, with its enclosing regions for the label."""

    region: Region
    parents: tuple[Region, ...]  # kecamatan, kabupaten/kota, provinsi: most specific first

    def label(self) -> str:
        """Return "Kel. Kebraon, Kec. Karang Pilang, Kota Surabaya" (no province: SMS are short)."""
        parts = [_titled(self.region)]
        for parent in self.parents:
            if parent.level in ("kecamatan", "kabkota"):
                parts.append(_titled(parent))
        return ", ".join(parts)

    def as_dict(self) -> dict[str, object]:
        """Return the option as the JSON object the CLI prints."""
        return {**self.region.as_dict(), "label": self.label(),
                "parents": [p.as_dict() for p in self.parents]}


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What one SMS means: intent, category, location, privacy wishes and why.

    `region` rests on names written as places; `probable_region` is a kelurahan that only an
    address names ("di kebraon gang 5"), weaker evidence to show as probable or to confirm with
    the citizen; `region_options` (at most 4) are the regions to offer as numbered choices when
    the place is ambiguous, empty when it is not or when too many regions fit.
    """

    intent: str
    category: str | None = None
    region: Region | None = None
    region_candidates: tuple[Region, ...] = ()
    ticket_ref: str | None = None
    anonymous: bool = False
    confidential: bool = False
    description: str = ""
    confidence: float = 0.0
    needs_review: bool = False
    reasons: tuple[str, ...] = ()
    keyword: str | None = None
    spam: bool = False
    rating: int | None = None
    # A complaint about officials' own conduct (pungli, bribes, abuse): routing sends it to the
    # oversight body, never to the office concerned (routing.route(about_officials=...)).
    about_officials: bool = False
    # A message with nothing to act on: "greeting" (answer with the help text once), "thanks"
    # (thanks or an acknowledgement: no answer needed), "empty" (drop it); None otherwise.
    courtesy: str | None = None
    extras: dict[str, str] = field(default_factory=dict)
    probable_region: Region | None = None
    region_options: tuple[RegionOption, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """Return the result as a JSON-ready dict (region as code/name/level or None)."""
        return {
            "intent": self.intent,
            "category": self.category,
            "region": self.region.as_dict() if self.region else None,
            "region_candidates": [r.as_dict() for r in self.region_candidates],
            "ticket_ref": self.ticket_ref,
            "anonymous": self.anonymous,
            "confidential": self.confidential,
            "description": self.description,
            "confidence": round(self.confidence, 4),
            "needs_review": self.needs_review,
            "reasons": list(self.reasons),
            "keyword": self.keyword,
            "spam": self.spam,
            "rating": self.rating,
            "about_officials": self.about_officials,
            "courtesy": self.courtesy,
            "probable_region": self.probable_region.as_dict() if self.probable_region else None,
            "region_options": [o.as_dict() for o in self.region_options],
        }
