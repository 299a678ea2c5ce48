"""Behaviour of the shipped rules on a sample of real complaints (../shared/data dev set)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from parsers import Parser
from parsers.evaluation import LocationScores, category_scores

DEV = Path(__file__).resolve().parents[4] / "shared" / "data" / "surabaya_dev.csv"


@pytest.fixture(scope="module")
def sample() -> list[dict[str, str]]:
    if not DEV.exists():
        pytest.skip(f"golden corpus not found at {DEV}")
    with DEV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return rows[::8]  # ~480 messages, every 8th row


def test_rules_only_category_accuracy_stays_above_floor(parser: Parser,
                                                        sample: list[dict[str, str]]) -> None:
    predicted = [parser.parse(r["text"], default_region="35.78").category for r in sample]
    scores = category_scores([r["category"] for r in sample], predicted)
    assert scores.accuracy >= 0.66


def test_every_real_complaint_is_read_as_a_complaint_or_flagged(
        parser: Parser, sample: list[dict[str, str]]) -> None:
    results = [parser.parse(r["text"], default_region="35.78") for r in sample]
    silent = [r for r in results if r.intent != "complaint" and not r.needs_review
              and r.rating is None]
    assert len(silent) <= 0.02 * len(sample)


def test_regions_outside_the_labelled_place_stay_rare(parser: Parser,
                                                     sample: list[dict[str, str]]) -> None:
    scores = LocationScores()
    for row in sample:
        result = parser.parse(row["text"], default_region="35.78")
        scores.add(row["text"], result.region.code if result.region else None,
                   row["kelurahan"] or None, row["kecamatan"] or None, parser.gazetteer.names)
    assert scores.outside_rate < 0.035


def test_named_kelurahan_or_kecamatan_is_found(parser: Parser,
                                               sample: list[dict[str, str]]) -> None:
    scores = LocationScores()
    for row in sample:
        result = parser.parse(row["text"], default_region="35.78")
        scores.add(row["text"], result.region.code if result.region else None,
                   row["kelurahan"] or None, row["kecamatan"] or None, parser.gazetteer.names)
    assert scores.region_hit_rate >= 0.85
