"""The shipped parser on the project's own golden SMS (tests/unit/parsers/golden/sms.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from parsers import Parser

GOLDEN = Path(__file__).resolve().parent / "golden" / "sms.csv"
FIELDS = ["text", "default_region", "intent", "category", "region", "known_miss"]


def _rows() -> list[dict[str, str]]:
    with GOLDEN.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _cases() -> list[object]:
    cases = []
    for n, row in enumerate(_rows(), 2):
        marks = [pytest.mark.xfail(strict=True, reason=row["known_miss"])] if row[
            "known_miss"] else []
        cases.append(pytest.param(row, id=f"line{n}", marks=marks))
    return cases


def test_golden_file_has_enough_lines_of_every_kind() -> None:
    rows = _rows()
    kinds = {row["intent"] for row in rows}
    with GOLDEN.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert (header, len(rows) >= 80, kinds >= {"complaint", "status", "unknown"},
            sum(not r["known_miss"] for r in rows) >= 75) == (FIELDS, True, True, True)


@pytest.mark.parametrize("row", _cases())
def test_golden_sms_is_understood(parser: Parser, row: dict[str, str]) -> None:
    result = parser.parse(row["text"], default_region=row["default_region"] or None)
    got = (result.intent, result.category or "", result.region.code if result.region else "")
    assert got == (row["intent"], row["category"], row["region"])
