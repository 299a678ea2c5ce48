"""Train and measure the learned complaint gate (issue 13, part 4); optionally write its file.

    .venv/bin/python -m bench.complaint_gate --csv ../shared/data/surabaya_dev.csv
                                             [--max-loss 0.01] [--fresh] [--show]
                                             [--out complaint_gate.json]

Trains with `parsers.gate.train`, as `parsers.model.train` does for every model, but holding
out what it measures: negatives are the non-complaint sets of TRAIN_SETS (parsers/data/sms_sets;
not the latest, set H); positives are the development complaints outside a fixed 20% hold-out
(sha256 of the row id, mod 5 == 0; --no-dev: none) and the SMS complaint sets of POSITIVE_SETS
(not set E), each also cut to its first SMS and as word windows. The threshold: the largest at
which at most --max-loss of the positives' out-of-fold scores (5 stratified folds, seed 0) fall
below it. Prints, rules only, without and with the gate: the confident-complaint rate of every
non-complaint set (--fresh: set H too, never trained on), complaint set E routed without review
(--fresh), routed-without-review share and accuracy on the dev hold-out fifth, and the golden
SMS complaints routed. --out stores the gate in a file that `Parser.load(gate_path=...)` reads.

    .venv/bin/python -m bench.complaint_gate --shipped [--show] [--out FILE]   (`make gate`)

trains the shipped gate's way (parsers/data/complaint_gate.json): on every shipped SMS set but
the report-only ones, with no dev row, at most parsers.gate.SHIPPED_KEEP features and
SHIPPED_MAX_LOSS; it prints, without and with that gate, the report-only sets' figures
(parsers.gate.REPORT_ONLY: never trained on), all dev rows routed without review (if the CSV is
there) and the golden SMS complaints.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import time
from pathlib import Path

from parsers.engine import Parser
from parsers.gate import (
    REPORT_ONLY,
    SHIPPED_KEEP,
    SHIPPED_MAX_LOSS,
    Gate,
    sms_set,
    sms_sets,
    trained_sets,
)
from parsers.gate import train as train_gate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "surabaya_dev.csv"
GOLDEN = ROOT / "tests" / "unit" / "parsers" / "golden" / "sms.csv"
TRAIN_SETS = ("non_complaints.txt", "non_complaints_holdout.txt", "non_complaints_b_tune.txt",
              "non_complaints_b_holdout.txt", "non_complaints_c_holdout.txt",
              "non_complaints_d_holdout.txt", "non_complaints_e_holdout.txt",
              "non_complaints_f_holdout.txt", "non_complaints_g_holdout.txt")
# Never trained on: the latest non-complaint set, and short SMS complaints to measure the cost.
FRESH_SETS = ("non_complaints_h_holdout.txt",)
FRESH_POSITIVE_SETS = ("complaints_sms_e.txt",)
# Short SMS-style complaints (text, or category<TAB>text)
POSITIVE_SETS = ("complaints_sms.txt", "complaints_sms_b.txt", "complaints_sms_c.txt",
                 "complaints_sms_d.txt")
REGION = "35.78"
SEED = 0


def held_out(row_id: str) -> bool:
    """The fixed fifth of the development rows never used to train the gate."""
    return int(hashlib.sha256(row_id.encode()).hexdigest(), 16) % 5 == 0


def routed(parser: Parser, text: str) -> tuple[bool, str | None]:
    result = parser.parse(text, default_region=REGION)
    return result.intent == "complaint" and not result.needs_review, result.category


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


def routing_figures(rules: Parser, gated: Parser, rows: list[dict[str, str]], what: str) -> None:
    """Print, without and with the gate, the dev rows routed without review (none given: no
    line) and the golden SMS complaints routed."""
    for label, parser in (("rules only", rules), ("with gate", gated)):
        sent, right = holdout_figures(parser, rows)
        if rows:
            print(f"{what}, {label}: routed without review {sent}/{len(rows)} = "
                  f"{sent / len(rows):.1%}, accuracy {right / sent if sent else 0:.4f}")
        got, total = golden(parser)
        print(f"golden SMS complaints routed without review, {label}: {got}/{total}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--max-loss", type=float,
                    help="default: 0.01; with --shipped, parsers.gate.SHIPPED_MAX_LOSS")
    ap.add_argument("--keep", type=int,
                    help="at most this many features (0: all); default: all; with --shipped, "
                         "parsers.gate.SHIPPED_KEEP")
    ap.add_argument("--out", type=Path, help="write the gate file there")
    ap.add_argument("--fresh", action="store_true",
                    help="also measure the sets never trained on (FRESH_SETS, FRESH_POSITIVE_SETS)")
    ap.add_argument("--show", action="store_true", help="list the remaining non-complaints")
    ap.add_argument("--no-dev", action="store_true",
                    help="train without the development complaints (they only measure): a gate "
                         "file that holds nothing learnt from them")
    ap.add_argument("--shipped", action="store_true",
                    help="the shipped gate's way: train on every shipped SMS set but the "
                         "report-only ones (parsers.gate.REPORT_ONLY) and no dev row; measure "
                         "on the report-only sets and every dev row")
    args = ap.parse_args()
    if args.shipped:
        shipped(args)
        return
    args.max_loss = 0.01 if args.max_loss is None else args.max_loss
    started = time.perf_counter()
    rules = Parser.load(shipped_gate=False)
    with args.csv.open(encoding="utf-8", newline="") as fh:
        dev = list(csv.DictReader(fh))
    train_dev = [r for r in dev if not held_out(r["id"])]
    hold = [r for r in dev if held_out(r["id"])]
    complaints = [] if args.no_dev else [r["text"] for r in train_dev]
    negatives = [t for name in TRAIN_SETS for t in sms_set(name)]
    gate = train_gate(rules.gate_tokens, complaints, negatives,
                      sms_complaints=[t for name in POSITIVE_SETS for t in sms_set(name)],
                      max_loss=args.max_loss, seed=SEED, keep=args.keep or None)
    f = gate.figures
    print(f"training: {f['non_complaints']} non-complaints ({', '.join(TRAIN_SETS)}); "
          f"{f['complaints']} complaints as {f['complaint_texts']} texts ("
          f"{'no dev rows' if args.no_dev else f'{len(train_dev)} dev rows'} and the shipped "
          f"SMS complaint sets, each whole, its first SMS and word windows); hold-out "
          f"{len(hold)} dev rows")
    print(f"threshold {gate.threshold:.4f} (out of fold, at most {args.max_loss:.1%} of the "
          f"complaint texts below it); out-of-fold non-complaints below it: "
          f"{f['non_complaints_caught_out_of_fold']}/{f['non_complaints']}")
    figures: dict[str, object] = dict(f)
    gated = rules.with_gate(gate)
    for name in TRAIN_SETS + (FRESH_SETS if args.fresh else ()):
        texts = sms_set(name)
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
    for name in FRESH_POSITIVE_SETS if args.fresh else ():
        texts = sms_set(name)
        before, _ = confident_rate(rules, texts)
        after, _ = confident_rate(gated, texts)
        print(f"{name} (complaints, never trained on): routed without review {before}/"
              f"{len(texts)} -> {after}/{len(texts)}")
        figures[f"{name}:before"] = before
        figures[f"{name}:after"] = after
    routing_figures(rules, gated, hold, "dev hold-out")
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.out:
        Gate(gate.weights, gate.intercept, gate.threshold, figures).save(args.out)
        print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes, "
              f"{len(gate.weights):,} features)")


def shipped(args: argparse.Namespace) -> None:
    """Train as parsers/data/complaint_gate.json is trained; measure on what it never saw."""
    started = time.perf_counter()
    rules = Parser.load(shipped_gate=False)
    dev: list[dict[str, str]] = []
    if args.csv.exists():  # only to measure: the gate learns nothing from it
        with args.csv.open(encoding="utf-8", newline="") as fh:
            dev = list(csv.DictReader(fh))
    else:
        print(f"{args.csv}: not found, no development figures")
    gate = train_gate(rules.gate_tokens, [], sms_sets("non_complaints"),
                      sms_complaints=sms_sets("complaints_sms"), seed=SEED,
                      max_loss=SHIPPED_MAX_LOSS if args.max_loss is None else args.max_loss,
                      keep=SHIPPED_KEEP if args.keep is None else args.keep or None)
    gate = Gate.from_json(gate.to_json(), "the trained gate")  # measure what the file holds
    f = gate.figures
    print(f"training: {f['non_complaints']} non-complaints, {f['complaints']} complaints as "
          f"{f['complaint_texts']} texts (every shipped SMS set but {sorted(REPORT_ONLY)})")
    print(f"threshold {gate.threshold:.4f}; out-of-fold non-complaints below it: "
          f"{f['non_complaints_caught_out_of_fold']}/{f['non_complaints']}")
    gated = rules.with_gate(gate)
    for name in sorted(REPORT_ONLY):
        texts = sms_set(name)
        before, _ = confident_rate(rules, texts)
        after, left = confident_rate(gated, texts)
        kind = "complaints routed" if name.startswith("complaints") else "confident complaints"
        print(f"{name} (never trained on): {kind} {before}/{len(texts)} = "
              f"{before / len(texts):.1%} -> {after}/{len(texts)} = {after / len(texts):.1%}")
        for text in left if args.show and not name.startswith("complaints") else ():
            print(f"    {text}")
    routing_figures(rules, gated, dev, f"all {len(dev)} dev rows")
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.out:
        # The sets it learnt from, by content: a test fails when one changes and the shipped
        # gate is not trained again (tests/unit/parsers/test_parser_gate.py).
        figures = dict(f, sets=trained_sets())
        Gate(gate.weights, gate.intercept, gate.threshold, figures).save(args.out)
        print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes, "
              f"{len(gate.weights):,} features)")


if __name__ == "__main__":
    main()
