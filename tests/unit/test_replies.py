"""Every SMS the gateway writes: GSM-7, one segment, with a real ticket number in it."""

from __future__ import annotations

import re

import pytest

from sms_gateway.complaints.replies import TEMPLATES, WORST_CASE, fields_of, render_fitted, to_gsm7
from sms_gateway.telco.gsm import encoding_of

CASES = [(name, lang) for name, texts in TEMPLATES.items() for lang in texts]


def fill(name: str, lang: str) -> str:
    values = {f: WORST_CASE.get(f, "x" * 40) for f in fields_of(name, lang)}
    return render_fitted(name, lang, **values)


@pytest.mark.parametrize(("name", "lang"), CASES, ids=[f"{n}-{lang}" for n, lang in CASES])
def test_template_fits_one_gsm7_segment(name: str, lang: str) -> None:
    enc = encoding_of(fill(name, lang))
    assert (enc.name, enc.segments) == ("gsm7", 1)


@pytest.mark.parametrize(("name", "lang"), [c for c in CASES if "number" in fields_of(*c)],
                         ids=[f"{n}-{lang}" for n, lang in CASES if "number" in fields_of(n, lang)])
def test_template_keeps_the_whole_ticket_number(name: str, lang: str) -> None:
    assert re.search(r"#9999999\b", fill(name, lang))


def test_every_template_has_indonesian_and_english() -> None:
    assert {name for name, texts in TEMPLATES.items() if set(texts) != {"id", "en"}} == set()


def test_long_agency_name_is_shortened_not_split() -> None:
    text = render_fitted("ticket_created", "id", number="1234567", agency="Dinas " + "X" * 200)
    assert (len(text), "#1234567" in text) == (160, True)


def test_values_are_transliterated_to_gsm7() -> None:
    assert to_gsm7("Kantor Desa Ciburuy\u2019 \u2013 Garut 🙏") == "Kantor Desa Ciburuy' - Garut "


def test_unknown_language_falls_back_to_indonesian() -> None:
    assert render_fitted("help", "jv") == render_fitted("help", "id")


def test_an_answer_is_sent_whole_in_up_to_three_sms() -> None:
    answer = "Lubang sudah ditambal oleh tim UPT Jalan dan Jembatan. " * 4  # 220 characters
    text = render_fitted("update_selesai", "id", number="1234567", response=answer.strip())
    assert (answer.strip() in text, encoding_of(text).segments) == (True, 2)


def test_an_answer_longer_than_three_sms_is_reported_as_overflow() -> None:
    from sms_gateway.complaints.replies import overflow

    assert overflow("update_selesai", "id", number="1234567", response="x" * 500) > 0
