"""The region gazetteer: all Kemendagri regions and an index from written names to regions."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import marshal
import re
import zlib
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from parsers.result import LEVELS, Region, RegionOption
from parsers.rulefile import data_path

INDEX_FILE = "gazetteer.idx"
INDEX_VERSION = 1  # bump when _variants changes: the shipped index is then rebuilt
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PARENS = re.compile(r"\([^)]*\)")
_KABKOTA_PREFIXES = ("kabupaten administrasi ", "kota administrasi ", "kabupaten ", "kota ")
_PROVINCE_PREFIXES = ("daerah khusus ibukota ", "daerah istimewa ")


def _stamp(raw: bytes) -> str:
    return f"{INDEX_VERSION}:{hashlib.sha256(raw).hexdigest()}"


def name_key(name: str) -> str:
    """Return the lookup key of a written name: lowercase words joined by single spaces."""
    return _NON_WORD.sub(" ", name.lower()).strip()


def parent_code(code: str) -> str | None:
    """Return the code of the enclosing region (None for a province)."""
    cut = code.rfind(".")
    return code[:cut] if cut > 0 else None


def is_within(code: str, ancestor: str) -> bool:
    """Return True when `code` is `ancestor` or lies inside it."""
    return code == ancestor or code.startswith(ancestor + ".")


@lru_cache(maxsize=65_536)
def ancestors(code: str) -> tuple[str, ...]:
    """Return the code and every enclosing code, most specific first."""
    out = [code]
    while (cut := code.rfind(".")) > 0:
        code = code[:cut]
        out.append(code)
    return tuple(out)


def level_of(code: str) -> int:
    """Return 1 (provinsi) to 4 (desa) from the shape of a code."""
    return code.count(".") + 1


def is_kota(code: str) -> bool:
    """Return True for a kota (city) code, False for a kabupaten (level 2 only)."""
    return int(code[3:5]) >= 71


def _variants(name: str, level: int) -> set[str]:
    keys = set()
    for part in _PARENS.sub(" ", name).split("/"):
        key = name_key(part)
        if not key:
            continue
        if level == 2:
            for prefix in _KABKOTA_PREFIXES:
                if key.startswith(prefix):
                    key = key[len(prefix):]
                    break
        elif level == 1:
            for prefix in _PROVINCE_PREFIXES:
                if key.startswith(prefix):
                    keys.add(key)
                    key = key[len(prefix):]
                    break
        keys.add(key)
        words = key.split(" ")
        if 1 < len(words) <= 4:
            # People write "pucangsewu", "gununganyar tambak": every way of closing the spaces.
            for mask in range(1, 2 ** (len(words) - 1)):
                joined = words[0]
                for k, word in enumerate(words[1:]):
                    joined += word if mask >> k & 1 else " " + word
                keys.add(joined)
    return keys


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Regions by code and an index from name keys to region codes."""

    names: dict[str, str]
    index: dict[str, tuple[str, ...]]
    max_words: int
    first_words: dict[str, int]  # first word of any key -> most words a key starting so has

    @classmethod
    def load(cls, path: Path | None = None) -> Gazetteer:
        """Load the precompiled index when it matches the region CSV, else build from the CSV."""
        raw = (path or data_path("wilayah_2025.csv.gz")).read_bytes()
        compiled = data_path(INDEX_FILE)
        if compiled.exists():
            with suppress(ValueError, EOFError, TypeError, zlib.error):
                stamp, names, index, first_words = marshal.loads(  # noqa: S302 - our own build output inside the installed package, not input
                    zlib.decompress(compiled.read_bytes()))
                if stamp == _stamp(raw):
                    return cls(names, index, max(first_words.values()), first_words)
        return cls.build(raw)

    @classmethod
    def build(cls, raw: bytes) -> Gazetteer:
        """Index every name of wilayah_2025.csv.gz (kode,nama,level,parent_kode) bytes."""
        reader = csv.reader(io.StringIO(gzip.decompress(raw).decode("utf-8")))
        next(reader)
        names: dict[str, str] = {}
        index: dict[str, list[str]] = {}
        for code, name, level, _parent in reader:
            name = " ".join(name.split())
            names[code] = name
            for key in _variants(name, int(level)):
                index.setdefault(key, []).append(code)
        frozen = {k: tuple(v) for k, v in index.items()}
        first_words: dict[str, int] = {}
        for key in frozen:
            words = key.split(" ")
            if first_words.get(words[0], 0) < len(words):
                first_words[words[0]] = len(words)
        return cls(names=names, index=frozen, max_words=max(first_words.values()),
                   first_words=first_words)

    def compile(self, raw: bytes) -> bytes:
        """Serialise this index, stamped with the CSV it came from, for fast loading."""
        return zlib.compress(marshal.dumps(
            (_stamp(raw), self.names, self.index, self.first_words)), 6)

    def region(self, code: str) -> Region:
        """Return the Region for a code (KeyError if unknown)."""
        return Region(code=code, name=self.names[code], level=LEVELS[level_of(code) - 1])

    def option(self, code: str) -> RegionOption:
        """Return the region of a code with its enclosing regions (for a numbered choice)."""
        return RegionOption(self.region(code), tuple(self.region(c) for c in ancestors(code)[1:]))

    def lookup(self, key: str) -> tuple[str, ...]:
        """Return the codes of every region written as `key` (may be empty)."""
        return self.index.get(key, ())
