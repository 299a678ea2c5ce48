"""Resolve place mentions jointly through the hierarchy: scores, ties, candidates, probable."""

from __future__ import annotations

from dataclasses import dataclass, replace

from parsers.gazetteer import ancestors, is_within, level_of, parent_code

STRENGTH = {"prefixed": 2.0, "alias": 2.0, "literal": 1.2, "residence": 1.5, "bare": 1.0,
            "street": 0.5}
INSIDE_BONUS = 1.0
MAX_CANDIDATES = 10
MAX_OPTIONS = 4  # numbered choices in one SMS


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


def resolve_mentions(mentions: list[Mention], default_region: str | None) -> Resolution:
    """Pick the most specific region consistent with every mention (or candidates)."""
    if not mentions:
        return Resolution(None)
    scores = _scores(mentions, default_region)
    reasons = tuple(dict.fromkeys(f"gazetteer:{m.kind}:{m.text}" for m in mentions))
    found = (_best(scores, reasons, default_region, _evidence(mentions)) if scores
             else _unresolved(mentions, reasons))
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


def _best(scores: dict[str, float], reasons: tuple[str, ...], default_region: str | None,
          evidence: list[tuple[float, set[str], bool]]) -> Resolution:
    """The best-scoring region; on a tie, the one a unique name makes, else the enclosing or
    common region and the candidates."""
    best = max(scores.values())
    tied = [c for c, s in scores.items() if s >= best - 1e-9]
    # Same name for a kecamatan and its kelurahan: the enclosing region is never wrong.
    tied = [c for c in tied if not any(o != c and is_within(c, o) for o in tied)]
    if len(tied) == 1:
        return Resolution(tied[0], (), False, reasons)
    common = _common_ancestor(tied)
    # "desa Sumberejo kec. Pandaan": 51 regions named Sumberejo, none in the one Pandaan, nothing
    # in common below the country or a province; the name that names one region only is the
    # one to trust (places listed in one kecamatan keep their kecamatan, below)
    unique = {c for c in tied if any(firm and codes == {c} for _, codes, firm in evidence)}
    if len(unique) == 1 and (common is None or level_of(common) < 2):
        return Resolution(unique.pop(), (), False, reasons + ("gazetteer:unique-name",))
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
