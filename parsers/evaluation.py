"""Evaluation metrics for the parser on a labelled CSV (pure functions, no I/O)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from parsers.gazetteer import is_within


@dataclass(frozen=True, slots=True)
class ClassReport:
    """Precision, recall, F1 and support of one category."""

    category: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class CategoryScores:
    """Accuracy, macro-F1 (over gold categories) and the per-category table."""

    accuracy: float
    macro_f1: float
    per_class: tuple[ClassReport, ...]
    total: int


def category_scores(gold: Sequence[str], predicted: Sequence[str | None]) -> CategoryScores:
    """Score predicted categories against gold ones (None counts as wrong)."""
    pairs = list(zip(gold, predicted, strict=True))
    correct = sum(g == p for g, p in pairs)
    support = Counter(gold)
    predicted_count = Counter(p for _, p in pairs)
    hits = Counter(g for g, p in pairs if g == p)
    reports = []
    for code in sorted(support):
        precision = hits[code] / predicted_count[code] if predicted_count[code] else 0.0
        recall = hits[code] / support[code]
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        reports.append(ClassReport(code, precision, recall, f1, support[code]))
    macro = sum(r.f1 for r in reports) / len(reports) if reports else 0.0
    return CategoryScores(correct / len(pairs) if pairs else 0.0, macro, tuple(reports), len(pairs))


# Words that make a place name part of an address, a housing estate or a landmark, for the
# stricter measure. Kept independent of the parser's own word lists in rules/gazetteer.toml.
_ADDRESS_BEFORE = frozenset(
    "jl jln jalan gg gang raya perum perumahan perm komplek kompleks griya puri villa graha "
    "blok ruko apartemen rusun rusunawa sdn smpn smp sd sma sman smk smkn mi mts sekolah kampus "
    "puskesmas pukesmas pkm pustu rs rsud klinik posyandu kua polsek polres koramil kantor "
    "pasar stasiun st terminal halte tol frontage jembatan tpu makam pantai taman lapangan "
    "masjid gereja alfamart alfamidi indomaret toko mall plaza hotel bank".split())
_ADDRESS_AFTER = frozenset(
    "baru indah timur barat utara selatan tengah jaya tama gang gg no nomor blok kav asri mukti "
    "pratama permai regency residence harapan "
    "i ii iii iv v vi vii viii ix x xi xii xiii xiv xv".split())


def _address_word(word: str) -> bool:
    # "dipuskesmas", "dijalan": the preposition di is often written joined.
    return word in _ADDRESS_BEFORE or (word.startswith("di") and word[2:] in _ADDRESS_BEFORE)


def named(text: str, name: str | None, *, as_region: bool = False) -> bool:
    """True when `name` occurs in `text` as whole words (as_region: outside an address).

    A name is part of an address or landmark when the word before it is a street, housing,
    school, office, shop or other landmark word (also joined with "di"), or when the word after
    it is a number, a roman numeral or an address/housing word ("ngagel tama 104",
    "griya babatan mukti", "rungkut asri tengah 7").
    """
    if not name:
        return False
    low = text.lower()
    words = re.escape(name.lower()).replace(r"\ ", r"\s*")
    for m in re.finditer(rf"(?<![a-z]){words}(?![a-z])", low):
        if not as_region:
            return True
        before = re.findall(r"[a-z]+", low[max(0, m.start() - 20):m.start()])
        after = re.match(r"[\s.,]*([a-z]+|\d+)", low[m.end():])
        if before and _address_word(before[-1]):
            continue
        if after and (after.group(1).isdigit() or after.group(1) in _ADDRESS_AFTER):
            continue
        return True
    return False


@dataclass
class LocationScores:
    """Location hit rate where the text names the labelled place, and outside rate overall.

    `named`/`hits` count any occurrence of the labelled kelurahan or kecamatan name; the
    `region_*` figures count only occurrences that are not part of a street address or a
    landmark ("jl. ngagel tama 104", "sdn benowo"), which the parser deliberately ignores.
    """

    named: int = 0
    hits: int = 0
    region_named: int = 0
    region_hits: int = 0
    outside: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def hit_rate(self) -> float:
        """Share of messages naming their labelled kelurahan/kecamatan that got that code."""
        return self.hits / self.named if self.named else 0.0

    @property
    def region_hit_rate(self) -> float:
        """The same, counting only names written as a region (not in an address)."""
        return self.region_hits / self.region_named if self.region_named else 0.0

    @property
    def outside_rate(self) -> float:
        """Share of all messages whose region lies outside the labelled one."""
        return self.outside / self.total if self.total else 0.0

    def add(self, text: str, region: str | None, kelurahan: str | None, kecamatan: str | None,
            names: dict[str, str], key: str = "") -> None:
        """Count one message: labelled codes, their names and the parser's region code."""
        self.total += 1
        label = kelurahan or kecamatan
        if region and label and not (is_within(label, region) or is_within(region, label)):
            self.outside += 1
        kel_name, kec_name = names.get(kelurahan or ""), names.get(kecamatan or "")
        for strict in (False, True):
            kel_named = named(text, kel_name, as_region=strict)
            kec_named = named(text, kec_name, as_region=strict)
            if not (kel_named or kec_named):
                continue
            # A kelurahan inside the named kecamatan is right when the label has no kelurahan.
            inside_kec = kec_named and kecamatan and region and is_within(region, kecamatan)
            hit = bool(region) and (region == kelurahan or bool(
                inside_kec and (region == kecamatan or not kelurahan)))
            if strict:
                self.region_named += 1
                self.region_hits += hit
                if not hit:
                    self.misses.append(key)
            else:
                self.named += 1
                self.hits += hit


def confidence_table(rows: Iterable[tuple[float, bool]],
                     thresholds: Sequence[float]) -> list[tuple[float, float, float]]:
    """For each threshold: (threshold, share of messages kept, accuracy of the kept ones)."""
    data = list(rows)
    out = []
    for t in thresholds:
        kept = [ok for conf, ok in data if conf >= t]
        out.append((t, len(kept) / len(data) if data else 0.0,
                    sum(kept) / len(kept) if kept else 0.0))
    return out
