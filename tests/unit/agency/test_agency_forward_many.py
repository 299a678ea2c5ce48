"""Forwarding many tickets in one transaction does what forwarding each on its own does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from sms_gateway.agency.deliveries import forward
from sms_gateway.agency.dispositions import dispose_all, forward_many
from sms_gateway.dispatch import DELIVER, FORWARD_TICKET
from sms_gateway.jobs.inbound import process_inbound_batch
from sms_gateway.services import Services
from sms_gateway.store.agency import AgencyDelivery
from sms_gateway.store.models import Ticket
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms
from tests.support.agency import PUPR_SURABAYA
from tests.support.db import sql_statements
from tests.support.forwarding import (
    DUKCAPIL,
    FORWARDED,
    KELURAHAN_OFFICE,
    forwarding_services,
    queued,
    scenario,
    state,
)


@pytest.fixture
def build(tmp_path: Path) -> Iterator[Callable[[str], Services]]:
    """Build services on a fresh SQLite database each call (the last one is current)."""
    built: list[Services] = []

    def factory(name: str) -> Services:
        built.append(forwarding_services(tmp_path / name))
        return built[-1]

    yield factory
    for services in built:
        services.close()


@pytest.fixture
def services(build: Callable[[str], Services]) -> Services:
    return build("one")


def _statuses(services: Services, ids: dict[str, int], *labels: str) -> list[str]:
    with services.sessions() as session:
        return [session.execute(select(Ticket.status).where(Ticket.id == ids[label]))
                .scalar_one() for label in labels]


def _delivered(services: Services) -> list[int]:
    with services.sessions() as session:
        return list(session.execute(select(AgencyDelivery.ticket_id)
                                    .order_by(AgencyDelivery.id)).scalars())


def test_batch_leaves_the_database_as_forwarding_each_ticket_does(
        build: Callable[[str], Services], caplog: pytest.LogCaptureFixture) -> None:
    one_by_one = build("each")
    ids = scenario(one_by_one)
    for label in FORWARDED:
        forward(one_by_one, ids[label])
    together = build("together")
    assert scenario(together) == ids
    forward_many(together, [ids[label] for label in FORWARDED] + [10**9])
    # Together, not each on its own after a failure (which would leave the same state).
    assert (state(together, ids), "on its own" in caplog.text) == (state(one_by_one, ids), False)


def test_siblings_go_along_without_deliveries(services: Services) -> None:
    ids = scenario(services)
    forward_many(services, [ids["lead"]])
    assert (_statuses(services, ids, "sibling", "sibling_elsewhere"),
            ids["lead"] in _delivered(services), ids["sibling"] in _delivered(services)) == (
        ["terdisposisi", "terverifikasi"], True, False)


def test_the_office_a_complaint_concerns_gets_no_delivery(services: Services) -> None:
    ids = scenario(services)
    forward_many(services, [ids["withheld"], ids["plain"]])
    with services.sessions() as session:
        codes = set(session.execute(select(AgencyDelivery.agency_code)).scalars())
    assert (KELURAHAN_OFFICE in codes, PUPR_SURABAYA in codes) == (False, True)


def test_each_push_delivery_gets_its_job(services: Services) -> None:
    ids = scenario(services)
    forward_many(services, [ids["plain"], ids["webhook"]])
    with services.sessions() as session:
        pushed = list(session.execute(select(AgencyDelivery.id).where(
            AgencyDelivery.agency_code == DUKCAPIL)).scalars())
    assert queued(services) == [(DELIVER, f"deliver-{i}", (i,)) for i in pushed]


def test_run_again_it_creates_nothing(services: Services) -> None:
    ids = scenario(services)
    forward_many(services, list(ids.values()))
    first = state(services, ids)
    assert (dispose_all(services, list(ids.values())), state(services, ids)) == ([], first)


@pytest.mark.parametrize("batch_first", [True, False], ids=["batch_first", "single_first"])
def test_batch_and_single_forward_deliver_once(services: Services, batch_first: bool) -> None:
    ids = scenario(services)
    tickets = [ids["plain"], ids["lead"], ids["sibling_forwarded_too"]]
    if batch_first:
        forward_many(services, tickets)
    else:
        for ticket_id in tickets:
            forward(services, ticket_id)
    before = state(services, ids)
    if batch_first:
        for ticket_id in tickets:
            forward(services, ticket_id)
    else:
        assert dispose_all(services, tickets) == []  # no failure, so no fallback either
    assert state(services, ids) == before


def test_a_bad_ticket_holds_up_no_other(services: Services) -> None:
    ids = scenario(services)
    with services.sessions.begin() as session:
        bad = session.get(Ticket, ids["webhook"])
        assert bad is not None
        bad.agency_code = "dinas_khayalan:99"  # in no directory: its forward raises
    forward_many(services, [ids["plain"], ids["webhook"]])
    retries = [job_id for func, job_id, _ in queued(services) if func == FORWARD_TICKET]
    assert (_statuses(services, ids, "plain", "webhook"), _delivered(services).count(ids["plain"]),
            retries) == (["terdisposisi", "terverifikasi"], 1, [f"forward-{ids['webhook']}"])


def test_a_processed_batch_forwards_its_tickets_together(services: Services) -> None:
    ids = [store_inbound(services, "console", "console", IncomingSms(
        f"F{i}", f"+62812345600{i:02d}", "1708", f"jalan rusak parah nomor {i} di kota surabaya",
        {})).message_id for i in range(4)]
    with sql_statements(services.engine) as statements:
        process_inbound_batch(ids)
    with services.sessions() as session:
        statuses = session.execute(select(Ticket.status)).scalars().all()
    moves = [s for s in statements if s.startswith("UPDATE tickets SET status=?, updated_at=?")]
    assert (statuses, len(moves)) == (["terdisposisi"] * 4, 1)
