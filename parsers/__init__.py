"""Understand free-form Indonesian SMS sent to 1708: a pure library (no I/O frameworks)."""

from __future__ import annotations

import re

from parsers.result import INTENTS, LEVELS, ParseResult, Region

__all__ = ["INTENTS", "LEVELS", "ParseResult", "Region", "parse"]

# Placeholder until the full parser lands (issue 3); same interface.
_CEK = re.compile(r"^\s*(?:cek|status)\W*#?\s*(\d{7})\b", re.I)


def parse(text: str, *, default_region: str | None = None) -> ParseResult:
    """Parse one SMS text into a ParseResult."""
    stripped = text.strip()
    low = stripped.lower()
    if m := _CEK.match(stripped):
        return ParseResult(intent="status", ticket_ref=m.group(1), confidence=1.0,
                           reasons=("command:cek",))
    if low in {"info", "bantuan", "help"}:
        return ParseResult(intent="help", confidence=1.0, reasons=("command:info",))
    if low in {"stop", "berhenti", "unreg"}:
        return ParseResult(intent="stop", confidence=1.0, reasons=("command:stop",))
    if len(low.split()) < 3:
        return ParseResult(intent="unknown", needs_review=True, reasons=("too_short",))
    category = "jalan_drainase" if "jalan" in low or "jln" in low else "lainnya"
    return ParseResult(intent="complaint", category=category, description=stripped,
                       confidence=0.5, needs_review=False, reasons=("placeholder",))
