"""Encodings and segment counts as telcos bill them."""

from __future__ import annotations

import pytest

from sms_gateway.telco.gsm import encoding_of


@pytest.mark.parametrize(("text", "expected"), [
    ("a" * 160, ("gsm7", 160, 1)),
    ("a" * 161, ("gsm7", 161, 2)),
    ("a" * 306, ("gsm7", 306, 2)),
    ("a" * 307, ("gsm7", 307, 3)),
    ("€" * 80, ("gsm7", 160, 1)),
    ("€" * 81, ("gsm7", 162, 2)),
    ("é" * 10, ("gsm7", 10, 1)),
    ("ê", ("ucs2", 1, 1)),
    ("🙏" * 35, ("ucs2", 70, 1)),
    ("ا" * 71, ("ucs2", 71, 2)),
    ("", ("gsm7", 0, 1)),
], ids=["160", "161", "306", "307", "euro80", "euro81", "e-acute", "e-circ", "emoji", "arabic",
        "empty"])
def test_encoding_and_segments(text: str, expected: tuple[str, int, int]) -> None:
    enc = encoding_of(text)
    assert (enc.name, enc.units, enc.segments) == expected
