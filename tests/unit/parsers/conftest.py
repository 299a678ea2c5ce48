"""Shared fixtures: the shipped parser is loaded once per test session."""

from __future__ import annotations

import pytest

from parsers import Parser, default_parser


@pytest.fixture(scope="session")
def parser() -> Parser:
    """The shipped rules-only parser."""
    return default_parser()
