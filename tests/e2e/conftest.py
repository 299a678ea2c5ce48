"""The end-to-end tests' gateway: the real app on SQLite, replies to a stand-in Twilio API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.loop_support import Gateway, make_gateway
from tests.support.fake_twilio import fake_twilio


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[Gateway]:
    with fake_twilio() as twilio:
        yield from make_gateway(tmp_path, twilio)
