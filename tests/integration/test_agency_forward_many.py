"""The batched forward on Postgres: the same state as one forward each, few statements, locks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from sms_gateway.agency.deliveries import dispose, forward
from sms_gateway.agency.dispositions import forward_many
from sms_gateway.services import Services
from sms_gateway.store.agency import AgencyDelivery
from sms_gateway.store.models import Ticket, TicketEvent
from tests.support.db import sql_statements
from tests.support.forwarding import FORWARDED, forwarding_services, routed, scenario, state

pytestmark = pytest.mark.integration


@pytest.fixture
def services(tmp_path: Path, pg_url: str) -> Iterator[Services]:
    built = forwarding_services(tmp_path / "pg", pg_url)
    yield built
    built.close()


def test_batch_leaves_postgres_as_forwarding_each_ticket_does(
        tmp_path: Path, pg_url: str, other_pg_url: str,
        caplog: pytest.LogCaptureFixture) -> None:
    one_by_one = forwarding_services(tmp_path / "each", pg_url)
    together = forwarding_services(tmp_path / "together", other_pg_url)
    try:
        ids = scenario(one_by_one)
        assert scenario(together) == ids
        for label in FORWARDED:
            forward(one_by_one, ids[label])
        forward_many(together, [ids[label] for label in FORWARDED])
        assert (state(together, ids), "on its own" in caplog.text) == (
            state(one_by_one, ids), False)
    finally:
        one_by_one.close()
        together.close()


def _statements(services: Services, count: int) -> int:
    with services.sessions.begin() as session:
        ids = [routed(session, services, "jalan_drainase", "35.78").id for _ in range(count)]
    with sql_statements(services.engine) as seen:
        forward_many(services, ids)
    return len(seen)


def test_statements_do_not_grow_with_the_number_of_tickets(services: Services) -> None:
    _statements(services, 1)  # the first also stores the agency's record
    # Lock, agencies SELECT, the new rows' ids, status UPDATE, history INSERT (one
    # executemany), deliveries INSERT (one executemany).
    assert (_statements(services, 3), _statements(services, 40)) == (6, 6)


def _wait_for_a_lock_wait(services: Services) -> None:
    deadline = time.monotonic() + 10
    with services.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()")).scalar_one()
            if waiting:
                return
            # pg_stat_activity is read once per transaction (a snapshot): a new one each poll,
            # or a first look before the batch waits is all this loop would ever see.
            conn.rollback()
            time.sleep(0.02)
    raise AssertionError("the batch never waited for the ticket's lock")


def test_a_concurrent_single_forward_and_batch_deliver_once(
        services: Services, caplog: pytest.LogCaptureFixture) -> None:
    with services.sessions.begin() as session:
        ticket_id = routed(session, services, "jalan_drainase", "35.78").id
    batch = threading.Thread(target=forward_many, args=(services, [ticket_id]))
    with services.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id, with_for_update=True)
        assert ticket is not None
        batch.start()
        _wait_for_a_lock_wait(services)
        dispose(services, session, ticket)  # what a single forward does, holding the lock
    batch.join(30)
    with services.sessions() as session:
        moves = session.execute(select(TicketEvent.id).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.to_status == "terdisposisi")).all()
        deliveries = session.execute(select(AgencyDelivery.id)).all()
    assert (len(moves), len(deliveries), "on its own" in caplog.text) == (1, 1, False)
