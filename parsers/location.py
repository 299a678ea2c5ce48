"""Find the regions an SMS names and resolve them jointly through the hierarchy."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from parsers.gazetteer import Gazetteer, is_kota, is_within, level_of, parent_code
from parsers.rulefile import RuleFileError, check_keys, load_toml, shipped, str_list

PREFIX_KINDS = ("provinsi", "kabupaten", "kota", "kecamatan", "desa")
STRENGTH = {"prefixed": 2.0, "alias": 2.0, "literal": 1.2, "bare": 1.0, "street": 0.5}
INSIDE_BONUS = 1.0
MAX_CANDIDATES = 10


@dataclass(frozen=True, slots=True)
class Mention:
    """One place name found in the tokens, with the regions it may mean."""

    start: int
    end: int
    kind: str  # prefixed | alias | literal | bare | street
    text: str
    codes: tuple[str, ...]
    cue: bool = False


@dataclass(frozen=True, slots=True)
class Resolution:
    """The outcome of location resolution: a region code (or None) and why."""

    code: str | None
    candidates: tuple[str, ...] = ()
    ambiguous: bool = False
    reasons: tuple[str, ...] = ()


def _allowed(code: str, kind: str) -> bool:
    level = level_of(code)
    if kind == "provinsi":
        return level == 1
    if kind in ("kabupaten", "kota"):
        return level == 2 and is_kota(code) == (kind == "kota")
    if kind == "kecamatan":
        return level == 3
    return level == 4


@dataclass
class LocationFinder:
    """Mention extraction and joint resolution over a Gazetteer, configured by gazetteer.toml."""

    gazetteer: Gazetteer
    aliases: dict[str, str]
    name_aliases: dict[str, str]
    prefixes: dict[str, str]
    streets: frozenset[str]
    cues: frozenset[str]
    common: frozenset[str]
    cue_only: frozenset[str]
    _max_alias: int = field(default=1)

    @classmethod
    def load(cls, gazetteer: Gazetteer, vocabulary: frozenset[str],
             rules: Path | None = None) -> LocationFinder:
        """Build from gazetteer.toml; every alias must name a known region code."""
        path = rules or shipped("gazetteer.toml")
        source = str(path)
        doc = load_toml(path)
        check_keys(source, "(top)", doc, ("aliases", "name_aliases", "words"))
        aliases = dict(doc.get("aliases", {}))
        for key, code in aliases.items():
            if code not in gazetteer.names:
                raise RuleFileError(source, f"aliases.{key}", f"unknown region code {code!r}")
        words = doc.get("words", {})
        check_keys(source, "words", words, ("prefixes", "streets", "cues", "common", "cue_only"))
        prefixes = dict(words.get("prefixes", {}))
        for key, kind in prefixes.items():
            if kind not in PREFIX_KINDS:
                raise RuleFileError(source, f"words.prefixes.{key}",
                                    f"must be one of {PREFIX_KINDS}")
        cue_only = frozenset(str_list(source, "words.cue_only", words.get("cue_only", [])))
        common = frozenset(str_list(source, "words.common", words.get("common", [])))
        # Everyday words that happen to be a region's name need a prefix too.
        auto = {k for k, codes in gazetteer.index.items()
                if " " not in k and (k in vocabulary or len(k) < 4)
                and all(level_of(c) >= 3 for c in codes)}
        return cls(
            gazetteer=gazetteer, aliases=aliases,
            name_aliases=dict(doc.get("name_aliases", {})), prefixes=prefixes,
            streets=frozenset(str_list(source, "words.streets", words.get("streets", []))),
            cues=frozenset(str_list(source, "words.cues", words.get("cues", []))),
            common=(common | auto) - cue_only, cue_only=cue_only,
            _max_alias=max((k.count(" ") + 1 for k in aliases), default=1),
        )

    def _longest(self, tokens: list[str], i: int) -> tuple[int, str, tuple[str, ...]]:
        top = min(len(tokens), i + self.gazetteer.max_words)
        for end in range(top, i, -1):
            words = [self.name_aliases.get(t, t) for t in tokens[i:end]]
            key = " ".join(words)
            codes = self.gazetteer.lookup(key)
            if codes:
                return end, key, codes
        return i, "", ()

    def mentions(self, tokens: list[str]) -> list[Mention]:
        """Scan tokens left to right for place names (longest match first)."""
        found: list[Mention] = []
        i, n = 0, len(tokens)
        street_until = -1
        while i < n:
            tok = tokens[i]
            for size in range(min(self._max_alias, n - i), 0, -1):
                phrase = " ".join(tokens[i:i + size])
                if phrase in self.aliases:
                    found.append(Mention(i, i + size, "alias", phrase, (self.aliases[phrase],)))
                    i += size
                    break
            else:
                i = self._at(tokens, i, found, street_until)
                after_street = i > 0 and tokens[i - 1] in self.streets and tok == "raya"
                if tok in self.streets or after_street:
                    street_until = i + 1
                continue
        return found

    def _at(self, tokens: list[str], i: int, found: list[Mention], street_until: int) -> int:
        tok = tokens[i]
        kind = self.prefixes.get(tok)
        literal_end, literal_key, literal = self._longest(tokens, i)
        if kind is not None:
            end, key, codes = self._longest(tokens, i + 1)
            codes = tuple(c for c in codes if _allowed(c, kind))
            if codes:
                # "kota medan" is both Kota Medan and a desa literally named so: keep both readings.
                if literal_end >= end:
                    found.append(Mention(i, literal_end, "literal", literal_key, literal))
                found.append(Mention(i, end, "prefixed", f"{tok} {key}", codes))
                return end
        if not literal:
            return i + 1
        cue = i > 0 and tokens[i - 1] in self.cues
        if i <= street_until:
            codes = tuple(c for c in literal if level_of(c) >= 3)
            if codes:
                found.append(Mention(i, literal_end, "street", literal_key, codes))
            return literal_end
        if literal_key in self.common or (literal_key in self.cue_only and not cue):
            return i + 1
        found.append(Mention(i, literal_end, "bare", literal_key, literal, cue))
        return literal_end

    def resolve(self, tokens: list[str], default_region: str | None = None) -> Resolution:
        """Pick the most specific region consistent with every mention (or candidates)."""
        mentions = self.mentions(tokens)
        if not mentions:
            return Resolution(None)
        scores: dict[str, float] = {}
        support: dict[str, int] = {}
        strong: dict[str, bool] = {}
        for code in {c for m in mentions for c in m.codes}:
            total, count, firm = 0.0, 0, False
            for m in mentions:
                best = max((STRENGTH[m.kind] for c in m.codes if is_within(code, c)), default=0.0)
                if best:
                    total += best
                    count += 1
                    firm = firm or m.kind in ("prefixed", "alias") or level_of(code) <= 2
            inside = default_region is not None and is_within(code, default_region)
            if not firm and count < 2 and not inside:
                continue  # a lone bare desa/kecamatan name far from the channel's region
            scores[code] = total + (INSIDE_BONUS if inside else 0.0)
            support[code] = count
            strong[code] = firm
        if not scores:
            named = tuple(sorted({c for m in mentions if m.kind in ("prefixed", "literal") or m.cue
                                  for c in m.codes}))
            if not named:
                return Resolution(None)
            return Resolution(None, named[:MAX_CANDIDATES], True, ("gazetteer:unresolved",))
        best = max(scores.values())
        tied = [c for c, s in scores.items() if s >= best - 1e-9]
        # Same name for a kecamatan and its kelurahan: the enclosing region is never wrong.
        tied = [c for c in tied if not any(o != c and is_within(c, o) for o in tied)]
        reasons = tuple(f"gazetteer:{m.kind}:{m.text}" for m in mentions)
        if len(tied) == 1:
            return Resolution(tied[0], (), False, reasons)
        common = _common_ancestor(tied)
        floor = level_of(default_region) if default_region else 0
        code = common if common and level_of(common) > floor else None
        if code is None and default_region and all(is_within(c, default_region) for c in tied):
            code = default_region
        return Resolution(code, tuple(sorted(tied))[:MAX_CANDIDATES], True,
                          reasons + ("gazetteer:ambiguous",))


def _common_ancestor(codes: list[str]) -> str | None:
    shared: str | None = codes[0]
    for code in codes[1:]:
        while shared is not None and not is_within(code, shared):
            shared = parent_code(shared)
    return shared
