"""Region search for the console: every Kemendagri region, found by any part of its name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import routing

_WORD = re.compile(r"[a-z0-9]+")
_CODE = re.compile(r"^\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?$")
# Words people add or drop in front of region names; ignored when matching.
_FILLER = frozenset({"kabupaten", "kab", "kota", "kecamatan", "kec", "kelurahan", "kel",
                     "desa", "provinsi", "prov"})


@dataclass(frozen=True, slots=True)
class RegionHit:
    """One search result: the code, the region's own name and its full path for display."""

    code: str
    name: str
    level: str
    label: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "level": self.level, "label": self.label}


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return [w for w in _WORD.findall(plain) if w not in _FILLER]


@cache
def _index() -> tuple[tuple[str, str, int, str], ...]:
    """(search key, code, depth, label) for every region; built once, about 92,000 rows."""
    regions = routing.default_directory().regions
    rows = []
    for depth in (1, 2, 3, 4):
        for code in regions.codes(depth):
            region = regions.get(code)
            assert region is not None
            key = " " + " ".join(_words(region.name)) + " "
            rows.append((key, code, depth, label_of(code)))
    return tuple(rows)


@cache
def label_of(code: str) -> str:
    """The region with its parents, e.g. "Kel. Ketintang, Kec. Gayungan, Kota Surabaya"."""
    regions = routing.default_directory().regions
    parts = []
    segments = code.split(".")
    for depth in range(len(segments), 0, -1):
        region = regions.get(".".join(segments[:depth]))
        if region is None:
            continue
        prefix = {3: "Kec. ", 4: "Kel. " if region.kind == "Kelurahan" else "Desa "}
        parts.append(prefix.get(depth, "") + region.name)
    return ", ".join(parts)


def get(code: str) -> RegionHit | None:
    """The region with this code, or None."""
    region = routing.default_directory().regions.get(code.strip())
    if region is None:
        return None
    return RegionHit(region.code, region.name, region.level, label_of(region.code))


def search(query: str, limit: int = 15) -> list[RegionHit]:
    """Regions whose name contains every word of the query; word starts and larger regions first."""
    words = _words(query)
    if not words or _CODE.match(query.strip()):
        hit = get(query)
        return [hit] if hit else []
    regions = routing.default_directory().regions
    whole = " ".join(query.lower().split())
    ranked: list[tuple[int, int, str, str]] = []
    for key, code, depth, label in _index():
        if all(w in key for w in words):
            starts = sum(f" {w}" in key for w in words)
            exact = key.strip() == " ".join(words)
            ranked.append((-(2 * exact + starts), depth, label, code))
    ranked.sort()
    hits = []
    for _, _, label, code in ranked[:limit * 3]:
        region = regions.get(code)
        assert region is not None
        hits.append(RegionHit(code, region.name, region.level, label))
    # "kota bandung" should put Kota Bandung before Kabupaten Bandung.
    hits.sort(key=lambda h: whole not in h.name.lower())
    return hits[:limit]
