"""Messages that are not complaints must not become confident tickets."""

from __future__ import annotations

import pytest

from parsers import Parser

NOT_COMPLAINTS = [
    "",
    "   ",
    "halo",
    "Selamat pagi pak",
    "Assalamualaikum wr wb",
    "terima kasih banyak atas bantuannya",
    "makasih min",
    "ok",
    "tes",
    "asdf qwer zxcv",
    "Selamat! Anda menang undian 100 juta dari Shopee, hub 081234567890",
    "PINJAMAN DANA CEPAT tanpa jaminan cair 1 jam, klik bit.ly/dana",
    "Slot gacor maxwin hari ini, deposit 10rb bonus 100%",
]


@pytest.mark.parametrize("text", NOT_COMPLAINTS)
def test_non_complaint_is_not_a_confident_ticket(parser: Parser, text: str) -> None:
    result = parser.parse(text)
    assert (result.intent, result.category) == ("unknown", None)


@pytest.mark.parametrize("text", NOT_COMPLAINTS[10:])
def test_promotion_or_scam_is_flagged_spam(parser: Parser, text: str) -> None:
    assert parser.parse(text).spam is True


def test_complaint_about_a_scam_sms_is_a_complaint(parser: Parser) -> None:
    result = parser.parse("saya mendapat sms penipuan katanya menang undian, mohon ditindak")
    assert (result.intent, result.spam) == ("complaint", False)


def test_greeting_before_a_complaint_keeps_the_complaint(parser: Parser) -> None:
    result = parser.parse("Selamat pagi pak, jalan depan rumah berlubang besar mohon diperbaiki")
    assert (result.intent, result.category) == ("complaint", "jalan_drainase")


def test_complaint_without_any_rule_goes_to_review(parser: Parser) -> None:
    result = parser.parse("saya ingin bertanya tentang hal yang kemarin saya sampaikan ke bapak")
    assert result.needs_review is True


def test_clear_complaint_is_confident(parser: Parser) -> None:
    result = parser.parse("air pdam mati sejak kemarin pagi, tolong segera diperbaiki")
    assert (result.category, result.needs_review) == ("air_bersih", False)
