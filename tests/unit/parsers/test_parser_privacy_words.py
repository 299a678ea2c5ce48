"""Privacy wishes read from their parts (parsers/privacy.py, rules/privacy.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import Parser
from parsers.privacy import PrivacyWords
from parsers.rulefile import RuleFileError

WORDS = PrivacyWords.load()


@pytest.mark.parametrize("text", WORDS.examples)
def test_a_wish_in_new_words_makes_the_complaint_anonymous(parser: Parser, text: str) -> None:
    result = parser.parse(f"jalan rusak parah di kelurahan kapasan. {text}", default_region="35.78")
    assert result.anonymous and any(r.startswith("privacy-") for r in result.reasons)


@pytest.mark.parametrize("text", WORDS.non_examples)
def test_the_same_words_in_an_ordinary_sense_are_no_wish(parser: Parser, text: str) -> None:
    result = parser.parse(text, default_region="35.78")
    assert not (result.anonymous or result.confidential), result.reasons


def test_the_wish_is_read_after_the_normaliser(parser: Parser) -> None:
    # "ojo" and "jgn" arrive as "jangan", "kl" as "kalau", "jang" (Manado, Ambon) too
    tokens = parser.normaliser.tokens("jang kasi tau beta pung nama e")
    assert WORDS.wish(tokens) == "privacy-words:do-not-reveal"


def test_a_wish_says_the_sms_is_a_report_despite_a_doubt(parser: Parser) -> None:
    text = "Mas, besok jadi ke rumah? jalan depan rumah berlubang, hati2 ya"
    plain = parser.parse(text, default_region="35.78")
    wish = parser.parse(f"{text}. rahasiakan pelapor", default_region="35.78")
    assert "screen:personal" in plain.reasons and plain.needs_review
    assert wish.anonymous and not wish.needs_review
    assert not any(r.startswith("screen:") for r in wish.reasons)


def test_a_missing_word_class_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "privacy.toml"
    path.write_text('[words]\nidentity = ["nama"]\n', encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        PrivacyWords.load(path)
    assert caught.value.key.startswith("words.") and "missing" in caught.value.problem


@pytest.mark.parametrize(("low", "high", "near"), [(0, 2, True), (3, 4, False), (5, 5, True),
                                                   (8, 20, True), (10, 20, False)])
def test_near_finds_a_position_in_the_window(low: int, high: int, near: bool) -> None:
    from parsers.privacy import _near

    assert _near([1, 5, 9], low, high) is near
