"""Find the regions an SMS names (mentions); parsers.resolution resolves them jointly."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from parsers.gazetteer import Gazetteer, is_kota, is_within, level_of
from parsers.resolution import Mention, Resolution, resolve_mentions
from parsers.rulefile import RuleFileError, check_keys, load_toml, shipped, str_list

PREFIX_KINDS = ("provinsi", "kabupaten", "kota", "kecamatan", "desa")
NEIGHBOURHOOD = frozenset(("rt", "rw"))  # "sememi rt 04", "rw 01 sememi": a residence


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
    street_suffixes: frozenset[str]
    address_words: frozenset[str]
    cues: frozenset[str]
    common: frozenset[str]
    cue_only: frozenset[str]
    never: frozenset[str] = frozenset()  # words never read as a name, even after a prefix
    _max_alias: int = field(default=1)
    _alias_first: frozenset[str] = field(default=frozenset())

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
        check_keys(source, "words", words,
                   ("prefixes", "streets", "cues", "common", "cue_only", "street_suffixes",
                    "address_words", "never"))
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
            street_suffixes=frozenset(
                str_list(source, "words.street_suffixes", words.get("street_suffixes", []))),
            address_words=frozenset(
                str_list(source, "words.address_words", words.get("address_words", []))),
            cues=frozenset(str_list(source, "words.cues", words.get("cues", []))),
            common=common - cue_only, cue_only=(cue_only | auto) - common,
            never=frozenset(str_list(source, "words.never", words.get("never", []))),
            _max_alias=max((k.count(" ") + 1 for k in aliases), default=1),
            _alias_first=frozenset(k.split()[0] for k in aliases),
        )

    def _longest(self, tokens: list[str], i: int) -> tuple[int, str, tuple[str, ...]]:
        if i >= len(tokens):
            return i, "", ()
        width = self.gazetteer.first_words.get(tokens[i], 0)
        for end in range(min(len(tokens), i + width), i, -1):
            key = " ".join(tokens[i:end])
            codes = self.gazetteer.lookup(key)
            if codes and key not in self.never:
                return end, key, codes
        return i, "", ()

    def mentions(self, tokens: list[str], scope: str | None = None) -> list[Mention]:
        """Scan tokens left to right for place names (longest match first)."""
        found: list[Mention] = []
        aliases, first_words = self.name_aliases, self.gazetteer.first_words
        tokens = [aliases.get(t, t) for t in tokens]
        i, n = 0, len(tokens)
        street_until = -1
        while i < n:
            tok = tokens[i]
            if tok in self.streets:
                street_until = i + 2 if i + 1 < n and tokens[i + 1] == "raya" else i + 1
                i += 1
                continue
            if tok in self._alias_first and (alias := self._alias_at(tokens, i)):
                found.append(alias)
                i = alias.end
            elif tok in first_words or tok in self.prefixes:
                i = self._at(tokens, i, found, street_until, scope)
            else:
                i += 1
        return found

    def _alias_at(self, tokens: list[str], i: int) -> Mention | None:
        for size in range(min(self._max_alias, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i:i + size])
            if phrase in self.aliases:
                return Mention(i, i + size, "alias", phrase, (self.aliases[phrase],),
                               name=phrase)
        return None

    def _at(self, tokens: list[str], i: int, found: list[Mention], street_until: int,
            scope: str | None) -> int:
        """Read the mention starting at token i (if any) into `found`; return where to go on."""
        if tokens[i] in self.prefixes:
            end = self._prefixed(tokens, i, found, scope)
            if end is not None:
                return end
        return self._bare(tokens, i, found, street_until)

    def _prefixed(self, tokens: list[str], i: int, found: list[Mention],
                  scope: str | None) -> int | None:
        """A name after "kecamatan", "kota", ...: only regions of that level (None: no name)."""
        tok = tokens[i]
        kind = self.prefixes[tok]
        end, key, every = self._longest(tokens, i + 1)
        codes = tuple(c for c in every if _allowed(c, kind))
        if scope and not any(is_within(c, scope) for c in codes):
            # "kelurahan semampir" for kecamatan Semampir: people mix up the two levels.
            local = tuple(c for c in every if is_within(c, scope) and level_of(c) >= 3)
            codes = local if local and kind in ("kecamatan", "desa") else codes
        end, key, codes = self._joined(tokens, i, kind, end, key, codes)
        if not codes:
            return None
        # "kota medan" is both Kota Medan and a desa literally named so: keep both readings.
        literal_end, literal_key, literal = self._longest(tokens, i)
        if literal and literal_end >= end:
            found.append(Mention(i, literal_end, "literal", literal_key, literal,
                                 name=literal_key))
        found.append(Mention(i, end, "prefixed", f"{tok} {key}", codes, name=key,
                             common=key in self.common or key in self.cue_only))
        return end

    def _joined(self, tokens: list[str], i: int, kind: str, end: int, key: str,
                codes: tuple[str, ...]) -> tuple[int, str, tuple[str, ...]]:
        """Prefer a longer name with its first two words joined (Pacarkembang, Simomulyo Baru).

        People write "kelurahan pacar kembang" and "simo mulyo baru".
        """
        for width in (3, 2):
            if i + width >= len(tokens) or end > i + width:
                continue
            joined = " ".join([tokens[i + 1] + tokens[i + 2], *tokens[i + 3:i + width + 1]])
            longer = tuple(c for c in self.gazetteer.lookup(joined) if _allowed(c, kind))
            if longer:
                return i + width + 1, joined, longer
        return end, key, codes

    def _bare(self, tokens: list[str], i: int, found: list[Mention], street_until: int) -> int:
        """A name without prefix: bare, residence (next to RT/RW) or street; everyday words skip."""
        literal_end, literal_key, literal = self._longest(tokens, i)
        if not literal:
            return i + 1
        following = tokens[literal_end] if literal_end < len(tokens) else ""
        if not self._reads_as_name(tokens, i, literal_end, literal, following):
            return i + 1
        if i <= street_until or following in self.street_suffixes or following.isdigit():
            codes = tuple(c for c in literal if level_of(c) >= 3)
            if codes:
                found.append(Mention(i, literal_end, "street", literal_key, codes,
                                     name=literal_key, address=following in self.address_words))
            return literal_end
        # A residence ("sememi rt 04") weighs more but does not make an everyday word a name
        # ("sama rt", "rt nya").
        residence = following in NEIGHBOURHOOD or (
            i > 1 and tokens[i - 2] in NEIGHBOURHOOD and tokens[i - 1].isdigit())
        # A cue-only name got here after a cue word or before its city: it is cued either way.
        cue = (i > 0 and tokens[i - 1] in self.cues) or literal_key in self.cue_only
        found.append(Mention(i, literal_end, "residence" if residence else "bare", literal_key,
                             literal, cue, literal_key))
        return literal_end

    def _reads_as_name(self, tokens: list[str], i: int, end: int, codes: tuple[str, ...],
                       following: str) -> bool:
        """False for everyday words: always (common), or without a cue or city (cue_only)."""
        key = " ".join(tokens[i:end])
        if key in self.common or key in self.prefixes or key in self.cues:
            return False
        if key not in self.cue_only or (i > 0 and tokens[i - 1] in self.cues):
            return True
        # The city check ("ampel surabaya") only where it matters.
        return following != tokens[end - 1] and self._city_follows(codes, following)

    def _city_follows(self, codes: tuple[str, ...], following: str) -> bool:
        """True for "ampel surabaya": the next word names a kabupaten/kota holding the place."""
        if not following:
            return False
        cities = [c for c in self.gazetteer.lookup(following) if level_of(c) == 2]
        return any(is_within(code, city) for city in cities for code in codes
                   if level_of(code) >= 3)

    def resolve(self, tokens: list[str], default_region: str | None = None) -> Resolution:
        """Pick the most specific region consistent with every mention (or candidates)."""
        return resolve_mentions(self.mentions(tokens, default_region), default_region)
