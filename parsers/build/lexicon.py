"""Convert the MIT slang lexicons into parsers/data/slang.tsv and parsers/data/vocabulary.txt.

Run once when the lexicons change (the product never reads them at runtime):
    python -m parsers.build.lexicon ../shared/data/lexicon [kata-dasar.txt]
The optional second argument is Sastrawi's root-word list (MIT; `pip download sastrawi`,
file Sastrawi/Stemmer/data/kata-dasar.txt), added to the vocabulary.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

WORD = re.compile(r"^[a-z]+$")
TOKEN = re.compile(r"[a-z]+")
DATA = Path(__file__).resolve().parent.parent / "data"


def _pairs(folder: Path) -> list[tuple[str, str]]:
    slang = json.loads((folder / "louisowen6_combined_slang_words.txt").read_text("utf-8"))
    pairs = [(k.strip().lower(), v.strip().lower()) for k, v in slang.items()]
    with (folder / "haryoa_indocollex_informal_formal_dict.csv").open(encoding="utf-8") as fh:
        pairs += [(r["informal"].strip().lower(), r["formal"].strip().lower())
                  for r in csv.DictReader(fh)]
    return pairs


def _words(folder: Path, pairs: list[tuple[str, str]]) -> tuple[set[str], set[str]]:
    """Return (formal words, every word) seen in the lexicons."""
    formal: set[str] = set()
    every: set[str] = set()
    with (folder / "stif_informal_formal_parallel.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            formal.update(TOKEN.findall(row["formal"].lower()))
            every.update(TOKEN.findall(row["informal"].lower()))
    for _, words in pairs:
        formal.update(TOKEN.findall(words))
    formal = {w for w in formal if len(w) > 1}
    return formal, formal | {w for w in every if len(w) > 1}


def build(folder: Path, roots: Path | None = None) -> tuple[int, int]:
    """Write slang.tsv and vocabulary.txt; return their sizes."""
    pairs = _pairs(folder)
    formal_words, every_word = _words(folder, pairs)
    if roots is not None:
        every_word |= {w for w in roots.read_text("utf-8").split() if WORD.match(w) and len(w) > 1}
    table: dict[str, str] = {}
    for informal, formal in pairs:
        # A key that is itself a formal word ("aspal", "bisa") must never be rewritten.
        if not WORD.match(informal) or informal in formal_words or informal == formal:
            continue
        if not formal or not all(WORD.match(w) for w in formal.split()):
            continue
        # Acronyms ("pemkot", "dishub", "pk") carry domain meaning: keep them as written.
        words = formal.split()
        if len(informal) < 2 or (len(words) > 1 and "".join(words) != informal):
            continue
        table.setdefault(informal, formal)
    with (DATA / "slang.tsv").open("w", encoding="utf-8") as fh:
        fh.write("# informal\tformal -- from MIT lexicons (louisowen6, haryoa/indo-collex)\n")
        for key in sorted(table):
            fh.write(f"{key}\t{table[key]}\n")
    (DATA / "vocabulary.txt").write_text(
        "# everyday Indonesian words: MIT lexicons (both sides of stif-indonesia) and Sastrawi's\n"
        "# root words (MIT)\n"
        + "\n".join(sorted(every_word)) + "\n", encoding="utf-8")
    return len(table), len(every_word)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None))
