"""Shared fixtures for the routing tests: a directory built from small frozen test rules."""

from __future__ import annotations

from pathlib import Path

import pytest

import routing

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def test_directory() -> routing.Directory:
    """Return a directory with only the test override rules (not the shipped ones)."""
    return routing.load_directory(FIXTURES / "overrides_test.toml", include_default=False)
