"""Benchmark the rules-only parser: start-up time and single-core throughput.

    .venv/bin/python bench/parser_bench.py [--csv ../shared/data/surabaya_dev.csv] [--rounds 3]
                                           [--no-gate]

Start-up is measured in fresh interpreters (import + loading gazetteer, rules and the shipped
complaint gate); throughput runs parse() over every text of the CSV in this one process (one
core), best of --rounds. --no-gate: throughput of the parser without the shipped gate too,
the two alternating round by round.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "surabaya_dev.csv"
STARTUP = ("import time; t = time.perf_counter(); import parsers; parsers.default_parser(); "
           "print(time.perf_counter() - t)")


def startup(runs: int) -> list[float]:
    """Seconds from `import parsers` to a loaded parser, each in a fresh interpreter."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return [float(subprocess.run([sys.executable, "-c", STARTUP], capture_output=True,
                                 text=True, check=True, env=env, cwd=ROOT).stdout)
            for _ in range(runs)]


def throughput(parsers_: list[Any], texts: list[str], rounds: int,
               default_region: str | None) -> list[float]:
    """Best messages per second of each parser over `rounds` passes (CPU time of this process),
    the parsers taking turns."""
    for parser in parsers_:
        for text in texts[:200]:
            parser.parse(text, default_region=default_region)
    best = [0.0] * len(parsers_)
    for _ in range(rounds):
        for i, parser in enumerate(parsers_):
            start = time.process_time()
            for text in texts:
                parser.parse(text, default_region=default_region)
            best[i] = max(best[i], len(texts) / (time.process_time() - start))
    return best


def main() -> None:
    """Print start-up and throughput figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-gate", action="store_true",
                    help="also measure the parser without the shipped complaint gate")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import parsers

    measured = [parsers.default_parser()]
    if args.no_gate:
        measured.append(parsers.Parser.load(shipped_gate=False))
    with args.csv.open(encoding="utf-8", newline="") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    times = startup(5)
    print(f"start-up (import + load), 5 fresh interpreters: median {statistics.median(times):.3f}"
          f" s, max {max(times):.3f} s")
    mean_len = sum(map(len, texts)) / len(texts)
    print(f"{len(texts)} texts from {args.csv.name}, mean {mean_len:.0f} characters")
    for label, sample, region in (
        ("dev texts, default_region=35.78", texts, "35.78"),
        ("dev texts, no default_region", texts, None),
        ("dev texts cut to one SMS (160 chars)", [t[:160] for t in texts], "35.78"),
    ):
        rates = throughput(measured, sample, args.rounds, region)
        print(f"throughput, {label}: {rates[0]:,.0f} messages/s on one core"
              + (f" (without the shipped gate: {rates[1]:,.0f}/s)" if args.no_gate else ""))


if __name__ == "__main__":
    main()
