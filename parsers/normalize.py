"""Normalise informal Indonesian SMS into lowercase word tokens (abbreviations, repeats, leet)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from parsers.rulefile import RuleFileError, check_keys, data_path, load_toml, shipped, str_list

_AFTER_PUNCT = re.compile(r"([,;:!?)\]])(?=[^\s\d,;:!?)\]])|\.(?=[a-z])")
_ABBR_NUMBER = re.compile(r"\b(rt|rw|no|gg|blok|kav|lt)\.?(?=\d)")
_REDUP = re.compile(r"\b([a-z]{2,})2(?=$|[^a-z0-9])")
_TOKEN = re.compile(r"[a-z0-9]+")
_REPEAT3 = re.compile(r"([a-z])\1{2,}")
_REPEAT2 = re.compile(r"([a-z])\1")
_HAS_DIGIT = re.compile(r"\d")
_HAS_ALPHA = re.compile(r"[a-z]")
_NUMBER_WORD = re.compile(r"(\d+)([a-z]{4,})")  # "01sememi": a number glued to a word


def _read_pairs(path: Path) -> dict[str, str]:
    table = {}
    for line in path.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("\t")
            table[key] = value
    return table


def _read_words(path: Path) -> frozenset[str]:
    return frozenset(w for w in path.read_text("utf-8").split() if not w.startswith("#"))


@dataclass
class Normaliser:
    """Token-level rewriting built from normalisation.toml plus the converted lexicon."""

    table: dict[str, str]
    vocabulary: frozenset[str]
    leet: dict[str, str]
    _cache: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, rules: Path | None = None) -> Normaliser:
        """Load the shipped (or given) normalisation rules and lexicon."""
        path = rules or shipped("normalisation.toml")
        source = str(path)
        doc = load_toml(path)
        check_keys(source, "(top)", doc, ("abbreviations", "keep", "leet"))
        abbreviations = doc.get("abbreviations", {})
        check_keys(source, "abbreviations", abbreviations, abbreviations.keys())
        for key, value in abbreviations.items():
            if not isinstance(value, str) or not value.strip():
                raise RuleFileError(source, f"abbreviations.{key}", "expected a non-empty string")
        keep_table = doc.get("keep", {})
        check_keys(source, "keep", keep_table, ("words",))
        keep = set(str_list(source, "keep.words", keep_table.get("words", [])))
        leet = doc.get("leet", {})
        for key, value in leet.items():
            if len(key) != 1 or not key.isdigit() or not isinstance(value, str):
                raise RuleFileError(source, f"leet.{key}", "expected digit = \"letter\"")
        table = {k: v for k, v in _read_pairs(data_path("slang.tsv")).items() if k not in keep}
        table.update(abbreviations)
        for word in keep:
            table[word] = word
        vocabulary = _read_words(data_path("vocabulary.txt")) | frozenset(
            w for v in table.values() for w in v.split())
        return cls(table=table, vocabulary=vocabulary, leet=dict(leet))

    def prepare(self, text: str) -> str:
        """Lowercase, fix spacing after punctuation, split `rt05`, expand `jadi2`."""
        text = (text if text.isascii() else unicodedata.normalize("NFKC", text)).lower()
        text = _AFTER_PUNCT.sub(r"\g<0> ", text)
        if not _HAS_DIGIT.search(text):
            return text
        text = _ABBR_NUMBER.sub(r"\1 ", text)
        return _REDUP.sub(r"\1-\1", text)

    def word(self, token: str) -> tuple[str, ...]:
        """Rewrite one raw token into zero or more normalised tokens (cached)."""
        cached = self._cache.get(token)
        if cached is None:
            cached = tuple(self._rewrite(token).split())
            if len(self._cache) < 200_000:
                self._cache[token] = cached
        return cached

    def _rewrite(self, token: str) -> str:
        if token in self.table:
            return self.table[token]
        if _HAS_DIGIT.search(token):
            if not _HAS_ALPHA.search(token):
                return token
            letters = "".join(self.leet.get(c, c) for c in token)
            if letters in self.table or letters in self.vocabulary:
                return self.table.get(letters, letters)
            glued = _NUMBER_WORD.fullmatch(token)
            return f"{glued[1]} {self.table.get(glued[2], glued[2])}" if glued else token
        if _REPEAT3.search(token):
            single = _REPEAT3.sub(r"\1", token)
            double = _REPEAT3.sub(r"\1\1", token)
            for candidate in (single, double):
                if candidate in self.vocabulary or candidate in self.table:
                    return self.table.get(candidate, candidate)
            return self.table.get(single, single)
        return token

    def tokens(self, text: str) -> list[str]:
        """Return the normalised word tokens of a text."""
        out: list[str] = []
        cache = self._cache
        for raw in _TOKEN.findall(self.prepare(text)):
            words = cache.get(raw)
            out += self.word(raw) if words is None else words
        return out

    def normalise(self, text: str) -> str:
        """Return the normalised text as space-separated tokens."""
        return " ".join(self.tokens(text))
