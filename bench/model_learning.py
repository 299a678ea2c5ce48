"""Complaints routed without a human: precision and coverage, cross-validated, and learning.

    .venv/bin/python -m bench.model_learning [--csv ../shared/data/surabaya_dev.csv]
                                             [--folds 5] [--seed-rows 1000 2000]

1. Cross-validated (stratified folds, seed 0): a model is trained with `parsers.model.train`
   on the other folds (its threshold chosen on its own out-of-fold rows, target 0.95) and
   applied to the held-out fold, which it never saw. Printed: the share of complaints whose
   category is at or above the model's own threshold (coverage) and the share of those that
   are right (precision); the same for the full parse (intent complaint and needs_review
   False, which also sends ambiguous places to a human); and the best coverage the pooled
   out-of-fold confidences allow at 95%.
2. Learning from operators, per outer fold: the held-out fold is the unseen test; of the other
   rows, `--seed-rows` N are the labels a deployment starts with and the rest are "operator
   labels" added later. A model trained on the N rows is the active one; a candidate trained on
   all rows is compared with it on the unseen rows (`parsers.model.compare`, as `parser
   retrain` would). Printed per N: both models' coverage and precision at their own
   thresholds, and whether the candidate would be promoted.

A development measurement, not a test: it backs the figures in docs/parser.md. The data stays
where it is (never copied into the repository).
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import parsers
from parsers.classifier import threshold_for
from parsers.model import DEFAULT_TARGET_PRECISION, compare, train

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "surabaya_dev.csv"
REGION = "35.78"  # Kota Surabaya: the channel region of the dev data


class Tally:
    """Rows decided without a human, and how many of them were right."""

    def __init__(self) -> None:
        self.total = self.kept = self.right = 0

    def add(self, kept: bool, right: bool) -> None:
        """Count one row."""
        self.total += 1
        self.kept += kept
        self.right += kept and right

    def line(self) -> str:
        """'coverage X% precision Y% (kept/total)'."""
        coverage = self.kept / self.total if self.total else 0.0
        precision = self.right / self.kept if self.kept else 0.0
        return (f"coverage {coverage:6.1%}  precision {precision:6.1%}  "
                f"({self.right}/{self.kept} right of {self.total})")


def _folds(labels: list[str], folds: int) -> list[tuple[list[int], list[int]]]:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    return [(list(a), list(b)) for a, b in splitter.split(labels, labels)]


def _pick(items: list[Any], idx: list[int]) -> list[Any]:
    return [items[i] for i in idx]


def main() -> None:
    """Run both measurements and print their figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed-rows", type=int, nargs="*", default=[1000, 2000])
    ap.add_argument("--target", type=float, default=DEFAULT_TARGET_PRECISION)
    args = ap.parse_args()
    with args.csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    texts, labels = [r["text"] for r in rows], [r["category"] for r in rows]
    parser = parsers.default_parser()
    started = time.perf_counter()
    category, parsed = Tally(), Tally()
    pooled: list[tuple[float, bool]] = []
    curve: dict[int, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    promoted: dict[int, int] = defaultdict(int)
    print(f"{args.csv}: {len(rows)} rows, {args.folds} folds, target precision {args.target}")
    for fold, (pool, test) in enumerate(_folds(labels, args.folds), 1):
        model = train(_pick(texts, pool), _pick(labels, pool), target_precision=args.target,
                      features=parser)
        with_model = parser.with_model(model)
        for i in test:
            result = with_model.parse(texts[i], default_region=REGION)
            right = result.category == labels[i]
            category.add(result.confidence >= model.review_threshold, right)
            parsed.add(result.intent == "complaint" and not result.needs_review, right)
            pooled.append((result.confidence, right))
        print(f"fold {fold}: trained on {len(pool)}, threshold {model.review_threshold:.3f}, "
              f"own held-back coverage {model.figures.coverage:.1%} at "
              f"{model.figures.precision:.1%} ({time.perf_counter() - started:.0f} s)",
              flush=True)
        for n in args.seed_rows:
            first = pool[:n]  # the first N in file order (the CSV has no dates)
            active = train(_pick(texts, first), _pick(labels, first),
                           target_precision=args.target, features=parser)
            report = compare(model, active, _pick(texts, test), _pick(labels, test),
                             features=parser)
            promoted[n] += report.promote
            for name, scores in (("start", report.active), ("retrained", report.candidate)):
                tally = curve[n][name]
                tally.total += scores.rows
                kept = round(scores.coverage * scores.rows)
                tally.kept += kept
                tally.right += round(scores.precision * kept)
            print(f"  start {n} + {len(pool) - n} operator labels: start "
                  f"{report.active.coverage:.1%} at {report.active.precision:.1%}, retrained "
                  f"{report.candidate.coverage:.1%}"
                  f" at {report.candidate.precision:.1%}, promote {report.promote}", flush=True)
    _, best, precision = threshold_for([c for c, _ in pooled], [ok for _, ok in pooled],
                                       args.target)
    print("\n== cross-validated, each fold unseen by its model ==")
    print(f"category at the model's own threshold: {category.line()}")
    print(f"full parse (complaint, needs_review False): {parsed.line()}")
    print(f"pooled out-of-fold confidences, best cut at {args.target:.0%}: coverage {best:.1%} "
          f"at {precision:.1%}")
    print("\n== learning from operator labels (unseen test fold) ==")
    for n in args.seed_rows:
        print(f"start with {n} labels: {curve[n]['start'].line()}")
        print(f"  + the other {len(labels) * (args.folds - 1) // args.folds - n} labels, "
              f"retrained: {curve[n]['retrained'].line()}; promoted in {promoted[n]}"
              f"/{args.folds} folds")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
