"""Batched processing on Postgres (row locks, RETURNING, multi-row INSERTs): a chunk ends as
its messages processed one by one, in a number of statements that does not grow with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sms_gateway.services import Services
from tests.support.chunk_scenario import (
    batch_and_alone,
    batch_and_alone_gateways,
    state,
    statements_for_complaints,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def gateways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str,
             other_pg_url: str) -> Iterator[tuple[Services, Services]]:
    yield from batch_and_alone_gateways(tmp_path, monkeypatch, pg_url, other_pg_url)


def test_a_chunk_ends_as_its_messages_processed_one_by_one(
        gateways: tuple[Services, Services]) -> None:
    batch_and_alone(*gateways)
    assert state(gateways[0]) == state(gateways[1])


def test_a_chunk_of_complaints_costs_as_many_statements_for_ten_as_for_two(
        gateways: tuple[Services, Services]) -> None:
    few, many = gateways
    assert statements_for_complaints(few, 2) == statements_for_complaints(many, 10)
