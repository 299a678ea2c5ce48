"""SMS encodings as telcos count them: GSM 03.38 (7-bit, with extension table) or UCS-2."""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set and the characters reached through the escape (extension) table.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True, slots=True)
class Encoding:
    """How a text travels: encoding name, septets or UTF-16 units used, and segment count."""

    name: str  # "gsm7" or "ucs2"
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM 03.38 basic or extension table."""
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def encoding_of(text: str) -> Encoding:
    """Choose the encoding and count segments (160/153 septets, 70/67 UCS-2 units)."""
    if is_gsm7(text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, multi = 160, 153
        name = "gsm7"
    else:
        units = len(text.encode("utf-16-be")) // 2
        single, multi = 70, 67
        name = "ucs2"
    if units <= single:
        return Encoding(name, units, 1)
    return Encoding(name, units, -(-units // multi))
