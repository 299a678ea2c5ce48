"""Find the regions an SMS names and resolve them jointly through the hierarchy."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from parsers.gazetteer import Gazetteer, ancestors, is_kota, is_within, level_of, parent_code
from parsers.rulefile import RuleFileError, check_keys, load_toml, shipped, str_list

PREFIX_KINDS = ("provinsi", "kabupaten", "kota", "kecamatan", "desa")
STRENGTH = {"prefixed": 2.0, "alias": 2.0, "literal": 1.2, "residence": 1.5, "bare": 1.0,
            "street": 0.5}
INSIDE_BONUS = 1.0
MAX_CANDIDATES = 10
MAX_OPTIONS = 4  # numbered choices in one SMS
NEIGHBOURHOOD = frozenset(("rt", "rw"))  # "sememi rt 04", "rw 01 sememi": a residence


@dataclass(frozen=True, slots=True)
class Mention:
    """One place name found in the tokens, with the regions it may mean."""

    start: int
    end: int
    kind: str  # prefixed | alias | literal | bare | street
    text: str
    codes: tuple[str, ...]
    cue: bool = False
    name: str = ""  # the name without its prefix: repeated names count once
    common: bool = False  # the name is also an everyday word
    address: bool = False  # street name before a direction or gang/blok/no ("kebraon gang 5")


@dataclass(frozen=True, slots=True)
class Resolution:
    """The outcome of location resolution: a region code (or None) and why."""

    code: str | None
    candidates: tuple[str, ...] = ()
    ambiguous: bool = False
    reasons: tuple[str, ...] = ()
    probable: str | None = None  # a kelurahan only an address or landmark names (weaker)

    @property
    def options(self) -> tuple[str, ...]:
        """Regions to offer the citizen: the ambiguous candidates when at most MAX_OPTIONS."""
        if not self.ambiguous or len(self.candidates) > MAX_OPTIONS:
            return ()
        return self.candidates


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
                    "address_words"))
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
            if codes:
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
        mentions = self.mentions(tokens, default_region)
        if not mentions:
            return Resolution(None)
        scores = _scores(mentions, default_region)
        reasons = tuple(dict.fromkeys(f"gazetteer:{m.kind}:{m.text}" for m in mentions))
        found = _best(scores, reasons, default_region) if scores else _unresolved(mentions, reasons)
        return _with_probable(found, mentions, default_region)


def _evidence(mentions: list[Mention]) -> list[tuple[float, set[str], bool]]:
    """Distinct names as (strength, codes, named firmly): a name written three times is still
    one piece of evidence; "kelurahan X" and "kecamatan X" are two (two levels of one chain)."""
    names: dict[str, tuple[float, set[str], bool]] = {}
    for m in mentions:
        key = (f"{m.text.split()[0]}:{m.name}" if m.kind == "prefixed" and not m.common
               else m.name)
        strength, codes, firm = names.get(key, (0.0, set(), False))
        names[key] = (max(strength, STRENGTH[m.kind]), codes | set(m.codes),
                      firm or (m.kind in ("prefixed", "alias") and not m.common))
    return list(names.values())


def _scores(mentions: list[Mention], default_region: str | None) -> dict[str, float]:
    """Score every region named (not by a street) by the distinct names its chain explains."""
    evidence = _evidence(mentions)
    scores: dict[str, float] = {}
    # Streets and landmarks only support a region named otherwise, never make one.
    named = {c for m in mentions if m.kind != "street" for c in m.codes}
    for code in named:
        total, count, firm = 0.0, 0, level_of(code) <= 2
        chain = ancestors(code)
        for strength, codes, named_firmly in evidence:
            if any(c in codes for c in chain):
                total += strength
                count += 1
                firm = firm or named_firmly
        inside = default_region is not None and is_within(code, default_region)
        if not firm and count < 2 and not inside:
            continue  # a lone desa/kecamatan name far from the channel's region
        scores[code] = total + (INSIDE_BONUS if inside else 0.0)
    return scores


def _unresolved(mentions: list[Mention], reasons: tuple[str, ...]) -> Resolution:
    """No region kept: the names written as places (prefixed, literal, cued) are candidates."""
    listed = tuple(sorted({c for m in mentions if m.kind in ("prefixed", "literal") or m.cue
                           for c in m.codes}))
    if not listed:
        return Resolution(None)
    return Resolution(None, listed[:MAX_CANDIDATES], True, reasons + ("gazetteer:unresolved",))


def _best(scores: dict[str, float], reasons: tuple[str, ...],
          default_region: str | None) -> Resolution:
    """The best-scoring region; on a tie, the enclosing or common region and the candidates."""
    best = max(scores.values())
    tied = [c for c, s in scores.items() if s >= best - 1e-9]
    # Same name for a kecamatan and its kelurahan: the enclosing region is never wrong.
    tied = [c for c in tied if not any(o != c and is_within(c, o) for o in tied)]
    if len(tied) == 1:
        return Resolution(tied[0], (), False, reasons)
    common = _common_ancestor(tied)
    floor = level_of(default_region) if default_region else 0
    chosen = common if common and level_of(common) > floor else None
    if chosen is None and default_region and all(is_within(c, default_region) for c in tied):
        chosen = default_region
    return Resolution(chosen, tuple(sorted(tied))[:MAX_CANDIDATES], True,
                      reasons + ("gazetteer:ambiguous",))


def _with_probable(found: Resolution, mentions: list[Mention],
                   default_region: str | None) -> Resolution:
    """Add the one kelurahan that addresses name inside the known region ("kebraon gang 5").

    Only when no kelurahan is named firmly and the city (or a kecamatan) is known, and only from
    a street name written as a kampung address (before a direction, gang, blok, no) or inside a
    kecamatan the message names: on the dev data such a name is the labelled kelurahan about
    four times in five (any street name: three in five), so it is probable, never the region.
    """
    scope = found.code or default_region
    if scope is None or level_of(scope) < 2 or level_of(scope) >= 4:
        return found
    in_kecamatan = found.code is not None and level_of(found.code) == 3
    codes = {c for m in mentions if m.kind == "street" and (m.address or in_kecamatan)
             for c in m.codes if level_of(c) == 4 and is_within(c, scope)}
    if len(codes) != 1:
        return found
    probable = codes.pop()
    names = [m.name for m in mentions if m.kind == "street" and probable in m.codes]
    return replace(found, probable=probable,
                   reasons=found.reasons + (f"gazetteer:probable:{names[0]}",))


def _common_ancestor(codes: list[str]) -> str | None:
    shared: str | None = codes[0]
    for code in codes[1:]:
        while shared is not None and not is_within(code, shared):
            shared = parent_code(shared)
    return shared
