"""The Kemendagri region list and the taxonomy, read lazily from the `parsers` package data."""

from __future__ import annotations

import csv
import gzip
import io
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Region levels by code depth: 11 / 11.01 / 11.01.01 / 11.01.01.2001.
LEVEL_NAMES = {1: "provinsi", 2: "kabkota", 3: "kecamatan", 4: "desa"}
_CODE = re.compile(r"^\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?$")


@dataclass(frozen=True, slots=True)
class RegionInfo:
    """One region of the gazetteer: Kemendagri code, official name and depth (1-4)."""

    code: str
    name: str
    depth: int

    @property
    def level(self) -> str:
        """Return the level name: provinsi, kabkota, kecamatan or desa."""
        return LEVEL_NAMES[self.depth]

    @property
    def kind(self) -> str:
        """Return what the office of this region is called: Provinsi, Kecamatan, Desa, ..."""
        if self.depth == 1:
            return "Provinsi"
        if self.depth == 2:
            return "Kota" if self.name.startswith("Kota ") else "Kabupaten"
        if self.depth == 3:
            return "Kecamatan"
        # Kemendagri: the last part of a level-4 code starts with 1 for a kelurahan,
        # 2 for a desa and 3 for a desa adat (Papua).
        return {"1": "Kelurahan", "2": "Desa"}.get(self.code[-4], "Desa Adat")


def is_region_code(code: str) -> bool:
    """Return True if code has the shape of a Kemendagri code (any depth)."""
    return bool(_CODE.match(code))


def ancestor(code: str, depth: int) -> str:
    """Return the code of the region at depth that contains code (itself if equal)."""
    return ".".join(code.split(".")[:depth])


class Gazetteer:
    """All regions by code; built once from the packaged CSV."""

    def __init__(self, rows: dict[str, tuple[str, int]]) -> None:
        self._rows = rows

    def get(self, code: str) -> RegionInfo | None:
        """Return the region with this code, or None."""
        row = self._rows.get(code)
        return None if row is None else RegionInfo(code, row[0], row[1])

    def __contains__(self, code: object) -> bool:
        return code in self._rows

    def codes(self, depth: int) -> list[str]:
        """Return the codes at one depth, in file order."""
        return [code for code, (_, d) in self._rows.items() if d == depth]


@cache
def gazetteer() -> Gazetteer:
    """Return the region list (read on first use, then cached)."""
    raw = resources.files("parsers").joinpath("data/wilayah_2025.csv.gz").read_bytes()
    text = gzip.decompress(raw).decode("utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader)  # header: kode,nama,level,parent_kode
    return Gazetteer({row[0]: (row[1].strip(), int(row[2])) for row in reader})


@cache
def taxonomy() -> dict[str, dict[str, dict[str, str]]]:
    """Return the parsed taxonomy.toml (categories and agency_types tables)."""
    raw = resources.files("parsers").joinpath("data/taxonomy.toml").read_text("utf-8")
    return tomllib.loads(raw)
