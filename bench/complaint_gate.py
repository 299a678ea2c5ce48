"""Train and measure the learned complaint gate (issue 13, part 4); optionally write its file.

    .venv/bin/python -m bench.complaint_gate --csv ../shared/data/surabaya_dev.csv
                                             [--max-loss 0.01] [--fresh] [--show]
                                             [--out complaint_gate.json]

Training data: the non-complaint sets the screening rules were tuned on (A, A's hold-out, B, C
in tests/unit/parsers/data) as negatives, and the development complaints outside a fixed 20%
hold-out (sha256 of the row id, mod 5 == 0) as positives, each also cut to its first 160
characters (one SMS) and as 2 windows of 5-12 words (seeded by row id), plus the rules'
`examples` and the short SMS complaints of tests/unit/parsers/data/complaints_sms.txt. Set D
(non_complaints_d_holdout.txt) and the hold-out fifth are never used to train or tune. --fresh
prints set D's figures (measure, never tune). The threshold: the largest at which at most
--max-loss of the out-of-fold positives the rules route without review (5 stratified folds, seed
0) would be sent to review. Prints, rules only, without and with the gate: the
confident-complaint rate of every non-complaint set, routed-without-review share and accuracy on
the hold-out fifth, and the golden SMS complaints routed. --out stores the gate, trained on all
the training rows, in a file that `Parser.load(gate_path=...)` reads (not shipped: see
docs/parser.md).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import time
import tomllib
from pathlib import Path
from typing import Any

from parsers.engine import Parser
from parsers.gate import Gate, fit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "surabaya_dev.csv"
FIXTURES = ROOT / "tests" / "unit" / "parsers" / "data"
GOLDEN = ROOT / "tests" / "unit" / "parsers" / "golden" / "sms.csv"
TRAIN_SETS = ("non_complaints.txt", "non_complaints_holdout.txt", "non_complaints_b_tune.txt",
              "non_complaints_b_holdout.txt", "non_complaints_c_holdout.txt")
FRESH_SETS = ("non_complaints_d_holdout.txt",)
POSITIVE_SETS = ("complaints_sms.txt",)  # short SMS-style complaints written for the gate
REGION = "35.78"
FOLDS = 5
SEED = 0
SMS_CHARS = 160
WINDOWS = 2  # short word windows (5-12 words) per complaint: complaints by SMS are short
EXAMPLE_FILES = ("categories.toml", "conduct.toml", "keywords.toml")
C = 1.0


def held_out(row_id: str) -> bool:
    """The fixed fifth of the development rows never used to train the gate."""
    return int(hashlib.sha256(row_id.encode()).hexdigest(), 16) % 5 == 0


def fixture(name: str) -> list[str]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [t.strip() for t in lines if t.strip() and not t.startswith("#")]


def tokens(parser: Parser, text: str) -> list[str]:
    return parser.normaliser.tokens(parser.grammar.strip_prefix(text).rest)


def routed(parser: Parser, text: str) -> tuple[bool, str | None]:
    result = parser.parse(text, default_region=REGION)
    return result.intent == "complaint" and not result.needs_review, result.category


def rule_examples() -> list[str]:
    """The short complaints the shipped rules give as examples (rules/*.toml `examples`)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "examples":
                    out.extend(str(v) for v in value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name in EXAMPLE_FILES:
        with (ROOT / "parsers" / "rules" / name).open("rb") as fh:
            walk(tomllib.load(fh))
    return out


def complaint_variants(row: dict[str, str]) -> list[str]:
    """A development complaint, its first SMS and WINDOWS short word windows (seeded by id)."""
    text = row["text"]
    out = list(dict.fromkeys((text, text[:SMS_CHARS])))
    words = text.split()
    rnd = random.Random(row["id"])
    for _ in range(WINDOWS):
        n = rnd.randint(5, 12)
        if len(words) > n:
            start = rnd.randint(0, len(words) - n)
            out.append(" ".join(words[start:start + n]))
    return out


def training_rows(parser: Parser, dev: list[dict[str, str]]) -> tuple[list[list[str]], list[int],
                                                                        list[bool]]:
    """Token lists, labels and whether the rules route the row without review (positives)."""
    rows: list[list[str]] = []
    labels: list[int] = []
    routable: list[bool] = []
    for name in TRAIN_SETS:
        for text in fixture(name):
            rows.append(tokens(parser, text))
            labels.append(0)
            routable.append(False)
    positives = [v for row in dev for v in complaint_variants(row)] + rule_examples()
    positives += [t for name in POSITIVE_SETS for t in fixture(name)]
    for variant in positives:
        rows.append(tokens(parser, variant))
        labels.append(1)
        routable.append(routed(parser, variant)[0])
    return rows, labels, routable


def out_of_fold(rows: list[list[str]], labels: list[int]) -> list[float]:
    """Stratified K-fold out-of-fold scores (seeded)."""
    order = list(range(len(rows)))
    random.Random(SEED).shuffle(order)
    fold_of = [0] * len(rows)
    for label in (0, 1):
        members = [i for i in order if labels[i] == label]
        for k, i in enumerate(members):
            fold_of[i] = k % FOLDS
    scores = [0.0] * len(rows)
    for fold in range(FOLDS):
        train = [i for i in range(len(rows)) if fold_of[i] != fold]
        gate = fit([rows[i] for i in train], [labels[i] for i in train], c=C)
        for i in range(len(rows)):
            if fold_of[i] == fold:
                scores[i] = gate.score(rows[i])
    return scores


def choose_threshold(scores: list[float], labels: list[int], routable: list[bool],
                     max_loss: float) -> float:
    """The largest threshold that sends at most max_loss of routable positives to review."""
    positives = sorted(s for s, y, r in zip(scores, labels, routable, strict=True) if y and r)
    allowed = int(max_loss * len(positives))
    return positives[allowed] - 1e-6 if positives else 0.0


def confident_rate(parser: Parser, texts: list[str]) -> tuple[int, list[str]]:
    hits = [t for t in texts if routed(parser, t)[0]]
    return len(hits), hits


def holdout_figures(parser: Parser, rows: list[dict[str, str]]) -> tuple[int, int]:
    sent = right = 0
    for row in rows:
        ok, category = routed(parser, row["text"])
        sent += ok
        right += ok and category == row["category"]
    return sent, right


def golden(parser: Parser) -> tuple[int, int]:
    with GOLDEN.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["intent"] == "complaint"]
    sent = 0
    for row in rows:
        result = parser.parse(row["text"], default_region=row["default_region"] or None)
        sent += result.intent == "complaint" and not result.needs_review
    return sent, len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--max-loss", type=float, default=0.01)
    ap.add_argument("--out", type=Path, help="write the gate file there")
    ap.add_argument("--fresh", action="store_true", help="also measure set D (never tuned on)")
    ap.add_argument("--show", action="store_true", help="list the remaining non-complaints")
    args = ap.parse_args()
    started = time.perf_counter()
    rules = Parser.load().with_gate(None)
    with args.csv.open(encoding="utf-8", newline="") as fh:
        dev = list(csv.DictReader(fh))
    train_dev = [r for r in dev if not held_out(r["id"])]
    hold = [r for r in dev if held_out(r["id"])]
    rows, labels, routable = training_rows(rules, train_dev)
    scores = out_of_fold(rows, labels)
    threshold = choose_threshold(scores, labels, routable, args.max_loss)
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    print(f"training rows: {labels.count(0)} non-complaints, {labels.count(1)} complaint texts "
          f"(from {len(train_dev)} dev rows: whole, first {SMS_CHARS} characters, {WINDOWS} "
          f"word windows; the rules' examples; {', '.join(POSITIVE_SETS)}); "
          f"hold-out {len(hold)} dev rows")
    print(f"threshold {threshold:.4f} (out-of-fold, max loss {args.max_loss:.1%} of routable "
          f"complaints); out-of-fold non-complaints below it: "
          f"{sum(s < threshold for s in negatives)}/{len(negatives)}")
    gate = fit(rows, labels, c=C).with_threshold(threshold)
    gated = rules.with_gate(gate)
    figures: dict[str, object] = {"c": C, "windows": WINDOWS, "folds": FOLDS, "seed": SEED,
                                  "threshold_max_loss": args.max_loss, "negatives": labels.count(0),
                                  "positives": labels.count(1)}
    for name in TRAIN_SETS + (FRESH_SETS if args.fresh else ()):
        texts = fixture(name)
        before, _ = confident_rate(rules, texts)
        after, left = confident_rate(gated, texts)
        tag = "never tuned on" if name in FRESH_SETS else "trained on"
        print(f"{name} ({tag}): confident complaints {before}/{len(texts)} = "
              f"{before / len(texts):.1%} -> {after}/{len(texts)} = {after / len(texts):.1%}")
        for text in left if args.show else ():
            print(f"    {text}")
        if name in FRESH_SETS:
            figures[f"{name}:before"] = before
            figures[f"{name}:after"] = after
    for label, parser in (("rules only", rules), ("with gate", gated)):
        sent, right = holdout_figures(parser, hold)
        print(f"dev hold-out, {label}: routed without review {sent}/{len(hold)} = "
              f"{sent / len(hold):.1%}, accuracy {right / sent if sent else 0:.4f}")
        got, total = golden(parser)
        print(f"golden SMS complaints routed without review, {label}: {got}/{total}")
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.out:
        Gate(gate.weights, gate.intercept, gate.threshold, figures).save(args.out)
        print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes, "
              f"{len(gate.weights):,} features)")


if __name__ == "__main__":
    main()
