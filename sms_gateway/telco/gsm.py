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


def _width(c: str, name: str) -> int:
    if name == "gsm7":
        return 2 if c in GSM7_EXTENSION else 1
    return len(c.encode("utf-16-be")) // 2


def split(text: str) -> list[str]:
    """The parts a phone receives; an escape pair or a surrogate pair is never cut in two."""
    name = "gsm7" if is_gsm7(text) else "ucs2"
    single, multi = (160, 153) if name == "gsm7" else (70, 67)
    if sum(_width(c, name) for c in text) <= single:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for c in text:
        width = _width(c, name)
        if used + width > multi:
            parts.append("".join(current))
            current, used = [], 0
        current.append(c)
        used += width
    parts.append("".join(current))
    return parts


def encoding_of(text: str) -> Encoding:
    """Choose the encoding and count segments (160/153 septets, 70/67 UCS-2 units)."""
    if GSM7_BASIC.issuperset(text) and len(text) <= 160:  # most replies: no per-character work
        return Encoding("gsm7", len(text), 1)
    name = "gsm7" if is_gsm7(text) else "ucs2"
    units = sum(_width(c, name) for c in text)
    return Encoding(name, units, len(split(text)))
