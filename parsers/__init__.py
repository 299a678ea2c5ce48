"""Understand free-form Indonesian SMS sent to 1708: a pure library (no I/O frameworks)."""

from __future__ import annotations

import threading

from parsers.engine import Parser
from parsers.result import INTENTS, LEVELS, ParseResult, Region, RegionOption

__all__ = ["INTENTS", "LEVELS", "ParseResult", "Parser", "Region", "RegionOption", "default_parser",
           "parse"]

_lock = threading.Lock()
_default: Parser | None = None


def default_parser() -> Parser:
    """Return the shared rules-only Parser, loading it on first use."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Parser.load()
    return _default


def parse(text: str, *, default_region: str | None = None) -> ParseResult:
    """Parse one SMS text into a ParseResult (intent, category, region, privacy, reasons)."""
    return default_parser().parse(text, default_region=default_region)
