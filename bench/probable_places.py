"""Location figures with and without the probable kelurahan that addresses give (issue 13).

    .venv/bin/python bench/probable_places.py [--csv ../shared/data/surabaya_dev.csv]
                                              [--default-region 35.78] [--non-complaints]
                                              [--only-non-complaints] [--show]
                                              [--gate complaint_gate.json] [--no-gate]
                                              [--model model.bin]

Prints the `parser eval` location lines for `region`, then for `region` or, when it has no
kelurahan, `probable_region`, how often the probable kelurahan lies inside the labelled place,
and the share of complaints routed without review (needs_review False) with its accuracy.
--non-complaints also prints the share of the personal/promotional SMS fixtures in
parsers/data/sms_sets that become confident complaints. --model parses with a trained model
(`sms-gateway parser train`), and so with the complaint gate trained with it; without a model
the parser asks the shipped gate (parsers/data/complaint_gate.json), --gate a gate file written
by bench/complaint_gate.py instead, --no-gate none (the rules alone, as before session 12).
The report-only sets (parsers.gate.REPORT_ONLY: I-N, F-K) were never trained on; which of
them were tuned on after their fresh figure, docs/parser.md says (session 13: L, and the
privacy wishes of H-K).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import parsers
from parsers.evaluation import LocationScores
from parsers.gate import SMS_SETS, sms_lines
from parsers.gazetteer import is_within

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "surabaya_dev.csv"


def _line(name: str, scores: LocationScores) -> str:
    return (f"{name}: anywhere {scores.hits}/{scores.named} = {scores.hit_rate:.4f}; "
            f"as a region {scores.region_hits}/{scores.region_named} = "
            f"{scores.region_hit_rate:.4f}; outside {scores.outside}/{scores.total} = "
            f"{scores.outside_rate:.4f}")


def locations(parser: parsers.Parser, path: Path, default_region: str | None) -> None:
    """Print the location figures of region alone and of region-or-probable."""
    certain, with_probable = LocationScores(), LocationScores()
    given = inside = routed = right = total = 0
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            result = parser.parse(row["text"], default_region=default_region)
            total += 1
            if result.intent == "complaint" and not result.needs_review:
                routed += 1
                right += result.category == row["category"]
            code = result.region.code if result.region else None
            probable = result.probable_region.code if result.probable_region else None
            label = (row["kelurahan"] or None, row["kecamatan"] or None)
            certain.add(row["text"], code, *label, parser.gazetteer.names)
            with_probable.add(row["text"], probable or code, *label, parser.gazetteer.names)
            if probable:
                given += 1
                place = label[0] or label[1]
                inside += bool(place) and (is_within(probable, place) or is_within(place, probable))
    print(_line("region", certain))
    print(_line("region or probable", with_probable))
    print(f"probable kelurahan given {given}, inside the labelled place {inside} "
          f"({inside / given if given else 0:.1%})")
    print(f"routed without review {routed}/{total} = {routed / total:.1%}, "
          f"accuracy {right / routed if routed else 0:.4f}")


# Tuned on: the first set, its first hold-out and set B (its holdout half last, after it was
# measured as never-tuned); sets C and D (session 6, measured fresh) and E (session 10,
# measured fresh) were tuned on in session 10; set F (session 10, 12.0% when measured fresh)
# and set G (session 11, 14.0% when measured fresh) in session 11; the later ones: their
# headers and docs/parser.md.
NON_COMPLAINT_SETS = tuple(sorted(p.name for p in SMS_SETS.glob("non_complaints*.txt")))
# Short SMS complaints: complaints_sms.txt (session 6, no categories) and sets B, C (session 10,
# tuned on after their first measurement) and D (session 10: its privacy wishes were tuned on
# after its first measurement, nothing else), category<TAB>text; the rest by their headers.
COMPLAINT_SETS = tuple(sorted(p.name for p in SMS_SETS.glob("complaints_sms*.txt")))


def non_complaints(parser: parsers.Parser, default_region: str | None,
                   show: bool = False) -> None:
    """Print how many fixture SMS become confident complaints (and, with show, which)."""
    for name in NON_COMPLAINT_SETS:
        texts = sms_lines(name)
        results = [parser.parse(t, default_region=default_region) for t in texts]
        confident = [(t, r) for t, r in zip(texts, results, strict=True)
                     if r.intent == "complaint" and not r.needs_review]
        print(f"{name}: {len(confident)}/{len(texts)} = {len(confident) / len(texts):.1%} "
              f"confident complaints")
        for text, result in confident if show else ():
            print(f"    {result.category}: {text}  [{', '.join(result.reasons)}]")


def sms_complaints(parser: parsers.Parser, default_region: str | None,
                   show: bool = False) -> None:
    """Print how the short SMS complaint sets fare: routed without review (and, where the set
    gives categories, how many of those are right), doubted by the screening, privacy wishes."""
    for name in COMPLAINT_SETS:
        rows = [line.split("\t", 1) for line in sms_lines(name)]
        results = [(row[0] if len(row) == 2 else None, row[-1],
                    parser.parse(row[-1], default_region=default_region)) for row in rows]
        routed = [(c, r) for c, _, r in results if r.intent == "complaint" and not r.needs_review]
        right = sum(1 for c, r in routed if c is not None and r.category == c)
        doubted = [(t, r) for _, t, r in results
                   if any(x.startswith("screen:") for x in r.reasons)]
        gated = sum(1 for _, _, r in results if "screen:gate" in r.reasons)
        private = sum(1 for _, _, r in results if r.anonymous or r.confidential)
        labelled = results and results[0][0] is not None
        print(f"{name}: {len(routed)}/{len(rows)} = {len(routed) / len(rows):.1%} routed without "
              f"review" + (f", {right} right ({right / len(routed):.1%})" if labelled and routed
                           else "") + f"; doubted by the screening {len(doubted)}"
              + (f" (by the gate {gated})" if parser.active_gate else "")
              + f"; privacy wish {private}")
        for text, result in doubted if show else ():
            print(f"    {[x for x in result.reasons if x.startswith('screen:')]}: {text}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--default-region")
    ap.add_argument("--non-complaints", action="store_true")
    ap.add_argument("--only-non-complaints", action="store_true",
                    help="skip the location figures (no CSV needed)")
    ap.add_argument("--show", action="store_true",
                    help="list the confident non-complaints and the doubted SMS complaints")
    ap.add_argument("--gate", type=Path, help="a complaint gate file (bench/complaint_gate.py)")
    ap.add_argument("--no-gate", action="store_true",
                    help="without a model: no complaint gate (not even the shipped one)")
    ap.add_argument("--model", type=Path, help="a trained model file (and its complaint gate)")
    args = ap.parse_args()
    if args.model and (args.gate or args.no_gate):
        ap.error("--gate and --no-gate are for the rules alone: a model asks its own gate")
    parser = parsers.Parser.load(model_path=args.model, gate_path=args.gate,
                                 shipped_gate=not args.no_gate)
    if not args.only_non_complaints:
        locations(parser, args.csv, args.default_region)
    if args.non_complaints or args.only_non_complaints:
        non_complaints(parser, args.default_region, args.show)
        sms_complaints(parser, args.default_region, args.show)


if __name__ == "__main__":
    main()
