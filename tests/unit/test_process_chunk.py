"""Batched processing (complaints/chunk.py) on SQLite: a chunk of messages ends as if each
were processed on its own, in arrival order (the scenario: tests/support/chunk_scenario.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from sms_gateway.complaints import inbound
from sms_gateway.services import Services
from sms_gateway.store.models import InboundMessage, OutboundMessage
from tests.support.chunk_scenario import (
    CHUNK,
    LIMIT,
    PROLOGUE,
    batch_and_alone,
    batch_and_alone_gateways,
    prologue,
    state,
    store,
)


@pytest.fixture
def gateways(tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Services, Services]]:
    yield from batch_and_alone_gateways(tmp_path, monkeypatch)


def test_a_chunk_ends_as_its_messages_processed_one_by_one(
        gateways: tuple[Services, Services]) -> None:
    batch_and_alone(*gateways)
    assert state(gateways[0]) == state(gateways[1])


def test_the_chunk_scenario_covers_what_it_should(gateways: tuple[Services, Services]) -> None:
    """The comparison above is worth something only if the chunk does all of this."""
    batch, _ = gateways
    prologue(batch)
    inbound.process_batch(batch, store(batch, CHUNK))
    with batch.sessions() as s:
        outcomes = s.execute(select(InboundMessage.outcome).order_by(InboundMessage.id)
                             .offset(len(PROLOGUE))).scalars().all()
    assert outcomes == [
        "location_added", "ticket_created", "ticket_created", "merged", "ticket_created",
        "location_asked", "case_joined", "ticket_created", "location_added", "throttled",
        "case_joined", "help", "throttled", "courtesy", "opted_out", "review", "opted_out",
        "ticket_unverified", "status_reply"]


def test_a_sender_over_the_limit_within_one_chunk_gets_one_throttle_reply(
        gateways: tuple[Services, Services]) -> None:
    batch, _ = gateways
    ids = store(batch, [("flood", f"lampu jalan mati nomor {i} di kota medan")
                        for i in range(LIMIT + 3)])
    inbound.process_batch(batch, ids)
    with batch.sessions() as s:
        replies = s.execute(select(OutboundMessage.purpose).order_by(OutboundMessage.id)
                            ).scalars().all()
    assert replies == ["ticket_created"] * LIMIT + ["throttled"]
