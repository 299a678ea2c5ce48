"""The sweeper finds work a crash left behind, in the embedded mode too."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import Services
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import OutboundMessage, Ticket
from sms_gateway.sweeper import sweep
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms
from tests.support.db import count


class _Dropping(InlineDispatcher):
    """A queue that loses everything (a crash between storing and processing)."""

    def enqueue(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        return None


def _store(services: Services, n: int) -> None:
    for i in range(n):
        store_inbound(services, "console", "console", IncomingSms(
            f"m{i}", f"+62812345678{i:02d}", "1708", f"jalan rusak nomor {i} di kota bandung", {}))


def test_sweeper_processes_messages_whose_jobs_were_lost(services: Services) -> None:
    _store(services, 3)
    sweep(older_than_seconds=0)
    assert (count(services, Ticket), count(services, OutboundMessage)) == (3, 3)


def test_sweeper_leaves_fresh_messages_to_their_jobs(services: Services) -> None:
    _store(services, 2)
    report = sweep(older_than_seconds=3600)
    assert (report.inbound_requeued, count(services, Ticket)) == (0, 0)


def test_sweeper_sends_queued_replies_whose_jobs_were_lost(services: Services) -> None:
    from sms_gateway.jobs.inbound import process_inbound

    _store(services, 1)
    real = services.dispatcher
    services.dispatcher = _Dropping()
    process_inbound(1)  # processed, but the send job is lost
    services.dispatcher = real
    sweep(older_than_seconds=0)
    with services.sessions() as session:
        assert session.execute(select(OutboundMessage.status)).scalar_one() == "sent"


def test_sweeper_sweeps_nothing_twice(services: Services) -> None:
    _store(services, 2)
    sweep(older_than_seconds=0)
    again = sweep(older_than_seconds=0)
    assert (again.inbound_requeued, again.outbound_requeued) == (0, 0)


class _Backlog(InlineDispatcher):
    """A queue whose head job was queued at `head` (None: empty), recording what is queued."""

    def __init__(self, head: datetime | None) -> None:
        super().__init__()
        self.head = head
        self.queued: list[str] = []

    def oldest_waiting(self) -> datetime | None:
        return self.head

    def enqueue(self, func: str, *args: object, job_id: str, **_: object) -> None:
        self.queued.append(job_id)


def test_sweeper_leaves_messages_that_still_wait_behind_a_backlog(services: Services) -> None:
    _store(services, 2)
    # The job at the head of the queue was queued an hour ago: these two, stored just now,
    # are somewhere behind it, not lost.
    services.dispatcher = _Backlog(utcnow() - timedelta(hours=1))
    waiting = sweep(older_than_seconds=0)
    # Once the queue is empty (or Redis was emptied), their age alone decides.
    services.dispatcher = _Backlog(None)
    lost = sweep(older_than_seconds=0)
    assert (waiting.inbound_requeued, lost.inbound_requeued) == (0, 2)


def test_sweeper_requeues_messages_stored_before_the_head_of_the_queue(
        services: Services) -> None:
    _store(services, 2)
    # The head job was queued after these were stored: their jobs were taken and lost.
    services.dispatcher = _Backlog(utcnow() + timedelta(minutes=1))
    report = sweep(older_than_seconds=0)
    # In one batch job, as a webhook would have queued them.
    assert (report.inbound_requeued, services.dispatcher.queued) == (2, ["inbound-batch-1-2"])


def test_sweeper_forwards_routed_tickets_whose_forward_was_lost(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from sms_gateway.jobs.inbound import process_inbound

    _store(services, 1)
    with monkeypatch.context() as patched:  # the process dies after the commit
        patched.setattr("sms_gateway.complaints.inbound.forward_many", lambda *a, **k: None)
        process_inbound(1)
    with services.sessions() as session:
        before = session.execute(select(Ticket.status)).scalar_one()
    report = sweep(older_than_seconds=0)
    with services.sessions() as session:
        after = session.execute(select(Ticket.status)).scalar_one()
    assert (before, report.forwards_requeued, after) == ("terverifikasi", 1, "terdisposisi")


def test_sweeper_leaves_a_routed_ticket_an_operator_sent_back_for_its_place(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """Corrected to no place, the ticket waits for the citizen's answer and keeps the agency
    of its old place: the lost-forward requeue must not forward it there."""
    from sms_gateway.complaints.actions import Effects, correct
    from sms_gateway.jobs.inbound import process_inbound

    _store(services, 1)
    with monkeypatch.context() as patched:  # its forward lost (or failed)
        patched.setattr("sms_gateway.complaints.inbound.forward_many", lambda *a, **k: None)
        process_inbound(1)
    with services.sessions.begin() as session:
        ticket = session.execute(select(Ticket)).scalar_one()
        correct(services, session, ticket, "operator@example.org", ticket.category, None,
                Effects())
        assert (ticket.status, ticket.awaiting) == ("terverifikasi", "location")
    report = sweep(older_than_seconds=0)
    with services.sessions() as session:
        after = session.execute(select(Ticket.status)).scalar_one()
    assert (report.forwards_requeued, after) == (0, "terverifikasi")


def test_sweeper_stops_forwarding_a_ticket_after_a_day(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import update

    from sms_gateway.jobs.inbound import process_inbound

    _store(services, 1)
    with monkeypatch.context() as patched:
        patched.setattr("sms_gateway.complaints.inbound.forward_many", lambda *a, **k: None)
        process_inbound(1)
    with services.sessions.begin() as session:
        session.execute(update(Ticket).values(updated_at=utcnow() - timedelta(days=2)))
    assert sweep(older_than_seconds=0).forwards_requeued == 0
