"""Review probes of batched processing (complaints/chunk.py): a chunk must end as its messages
processed one by one, also when nothing else in the chunk flushes the session meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from sms_gateway.complaints import inbound
from sms_gateway.services import Services, set_current
from sms_gateway.store.agency import AgencyDelivery
from sms_gateway.store.models import InboundMessage, Ticket
from tests.support.chunk_scenario import (
    AMBIGUOUS,
    SAME_ROAD,
    HoldingDispatcher,
    batch_and_alone_gateways,
    gateway,
    state,
    store,
)


@pytest.fixture
def gateways(tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Services, Services]]:
    yield from batch_and_alone_gateways(tmp_path, monkeypatch)


def _both(gateways: tuple[Services, Services], messages: list[tuple[str, str]]) -> None:
    batch, alone = gateways
    inbound.process_batch(batch, store(batch, messages))
    for message_id in store(alone, messages):
        inbound.process(alone, message_id)


def _outcomes(services: Services) -> list[str | None]:
    with services.sessions() as s:
        return list(s.execute(select(InboundMessage.outcome).order_by(InboundMessage.id))
                    .scalars())


def test_a_numbered_choice_for_a_ticket_asked_in_the_same_chunk(
        gateways: tuple[Services, Services]) -> None:
    """Nothing flushes between the question and the answer: the ticket has no id yet."""
    _both(gateways, [("choice", AMBIGUOUS), ("choice", "1")])
    assert _outcomes(gateways[1]) == ["location_asked", "location_added"]
    assert _outcomes(gateways[0]) == _outcomes(gateways[1])
    assert state(gateways[0]) == state(gateways[1])


def test_two_reports_of_one_problem_in_one_chunk_make_one_case(tmp_path: Path) -> None:
    """Forwards not held: one by one the first ticket is forwarded before the second report
    is handled, which then joins its case."""
    batch, alone = gateway(tmp_path / "b"), gateway(tmp_path / "a")
    try:
        for services in (batch, alone):
            assert isinstance(services.dispatcher, HoldingDispatcher)
            set_current(services)
            ids = store(services, [("reporter", SAME_ROAD), ("other", SAME_ROAD)])
            if services is batch:
                inbound.process_batch(services, ids)
            else:
                for message_id in ids:
                    inbound.process(services, message_id)
                    services.dispatcher.release(services)
            services.dispatcher.release(services)
        assert _outcomes(alone) == ["ticket_created", "case_joined"]
        assert _outcomes(batch) == _outcomes(alone)
        # The case goes to its agency once, both tickets forwarded (the second along).
        assert _cases(batch) == _cases(alone)
    finally:
        batch.close()
        alone.close()


def _cases(services: Services) -> tuple[list[tuple[str, bool]], list[str]]:
    with services.sessions() as s:
        tickets = [(t.status, t.case_id is not None) for t in
                   s.execute(select(Ticket).order_by(Ticket.id)).scalars()]
        deliveries = list(s.execute(select(AgencyDelivery.purpose)).scalars())
    return tickets, deliveries


@pytest.mark.parametrize("messages", [
    [("twice", "jalan rusak parah nomor 1 di kota bandung"), ("twice", "CEK")],
    [("choice", AMBIGUOUS), ("choice", "kelurahan ketintang surabaya"), ("choice", "CEK")],
    [("stopper", "STOP"), ("stopper", "jalan rusak parah nomor 1 di kota bandung")],
    [("greeter", "halo"), ("greeter", "halo pak"), ("greeter", "INFO")],
])
def test_a_sender_writing_again_within_the_chunk(gateways: tuple[Services, Services],
                                                 messages: list[tuple[str, str]]) -> None:
    _both(gateways, messages)
    assert state(gateways[0]) == state(gateways[1])
