"""The sweeper finds work a crash left behind, in the embedded mode too."""

from __future__ import annotations

from sqlalchemy import func, select

from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.intake import store_inbound
from sms_gateway.jobs.sweeper import sweep
from sms_gateway.models import OutboundMessage, Ticket
from sms_gateway.providers.base import IncomingSms
from sms_gateway.services import Services


class _Dropping(InlineDispatcher):
    """A queue that loses everything (a crash between storing and processing)."""

    def enqueue(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        return None


def _store(services: Services, n: int) -> None:
    for i in range(n):
        store_inbound(services, "console", "console", IncomingSms(
            f"m{i}", f"+62812345678{i:02d}", "1708", f"jalan rusak nomor {i} di kota bandung", {}))


def _count(services: Services, model: object) -> int:
    with services.sessions() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_sweeper_processes_messages_whose_jobs_were_lost(services: Services) -> None:
    _store(services, 3)
    sweep(older_than_seconds=0)
    assert (_count(services, Ticket), _count(services, OutboundMessage)) == (3, 3)


def test_sweeper_leaves_fresh_messages_to_their_jobs(services: Services) -> None:
    _store(services, 2)
    report = sweep(older_than_seconds=3600)
    assert (report.inbound_requeued, _count(services, Ticket)) == (0, 0)


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
