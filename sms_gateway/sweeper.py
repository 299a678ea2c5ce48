"""The sweeper: finds work left behind by a crash or lost queue data and queues it again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from routing import lifecycle
from sms_gateway.dispatch import FORWARD_TICKET, PERIODIC, resolve
from sms_gateway.services import Services, current
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import RECEIVED, InboundMessage, OutboundMessage, Ticket
from sms_gateway.telco import uncertain
from sms_gateway.telco.intake_batch import queue_in_chunks
from sms_gateway.telco.sending import enqueue_send

log = logging.getLogger(__name__)
BATCH = 1000
# Slack between a message's storing and its (batch) job's queueing, and between hosts' clocks.
QUEUE_CLOCK_MARGIN_SECONDS = 5
# How long the sweeper keeps forwarding a ticket left verified and routed.
FORWARD_RETRY_WINDOW = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SweepReport:
    inbound_requeued: int
    outbound_requeued: int
    outbound_unknown: int
    forwards_requeued: int = 0


def sweep(*, older_than_seconds: int | None = None) -> SweepReport:
    """Re-enqueue stuck inbound and outbound messages and lost forwards; settle sends cut
    off mid-way."""
    services = current()
    age = timedelta(seconds=services.config.queue.stuck_after_seconds
                    if older_than_seconds is None else older_than_seconds)
    cutoff = utcnow() - age
    inbound_cutoff = _inbound_cutoff(services, cutoff)
    with services.sessions.begin() as session:
        unknown = _settle_cut_off_sends(session, services, cutoff)
        inbound_ids = session.execute(
            select(InboundMessage.id).where(InboundMessage.state == RECEIVED,
                                            InboundMessage.received_at <= inbound_cutoff)
            .order_by(InboundMessage.id).limit(BATCH)).scalars().all()
        outbound_ids = session.execute(
            select(OutboundMessage.id).where(
                OutboundMessage.status == "queued", OutboundMessage.updated_at <= cutoff,
                or_(OutboundMessage.next_attempt_at.is_(None),
                    OutboundMessage.next_attempt_at <= utcnow()))
            .order_by(OutboundMessage.priority, OutboundMessage.id).limit(BATCH)
        ).scalars().all()
        # Verified and routed but never dispositioned: the process died between committing
        # the ticket and forwarding it (the forward runs after the commit). Not one that
        # waits for the citizen's answer: an operator corrected it to no place, and its
        # agency is still that of the old place.
        forward_ids = session.execute(
            select(Ticket.id).where(Ticket.status == lifecycle.TERVERIFIKASI,
                                    Ticket.agency_code.is_not(None), Ticket.awaiting.is_(None),
                                    Ticket.updated_at <= cutoff,
                                    # A forward that keeps failing (its agency left the
                                    # directory) is not retried forever: the SLA check
                                    # escalates the ticket's missed verification deadline.
                                    Ticket.updated_at > utcnow() - FORWARD_RETRY_WINDOW)
            .order_by(Ticket.id).limit(BATCH)).scalars().all()
    # In batch jobs, as the webhooks queue them: a backlog left by a crash is worked off at
    # the batched rate, not one job per message.
    queue_in_chunks(services.dispatcher, inbound_ids, services.config.queue.intake_batch_max,
                    fresh=False)
    for outbound_id in outbound_ids:
        enqueue_send(services, outbound_id)
    for ticket_id in forward_ids:
        services.dispatcher.enqueue(FORWARD_TICKET, ticket_id, job_id=f"forward-{ticket_id}")
    report = SweepReport(len(inbound_ids), len(outbound_ids), unknown, len(forward_ids))
    if inbound_ids or outbound_ids or unknown or forward_ids:
        log.info("sweep: %s", report)
    return report


def _inbound_cutoff(services: Services, cutoff: datetime) -> datetime:
    """How old a `received` message must be to count as lost rather than waiting its turn.

    In a backlog (a flood bigger than the workers) a message can wait in the queue longer
    than `stuck_after_seconds`; its job, alone or in a batch, is still there. The queue is
    first in, first out, so only messages stored before the job now at its head was queued
    can have lost theirs. Without that (Redis unreachable or emptied) the age alone decides.
    """
    try:
        head = services.dispatcher.oldest_waiting()
    except Exception:  # noqa: BLE001 - Redis away: the age alone decides
        return cutoff
    if head is None:
        return cutoff
    return min(cutoff, head - timedelta(seconds=QUEUE_CLOCK_MARGIN_SECONDS))


def _settle_cut_off_sends(session: Session, services: Services, cutoff: datetime) -> int:
    """Sends cut off mid-way or whose answer was lost: resent, reconciled or held."""
    return uncertain.settle(session, services, cutoff, BATCH)


class SweeperThread(threading.Thread):
    """Runs the periodic tasks every few seconds in a daemon thread."""

    def __init__(self, interval: float, tasks: list[Callable[[], object]],
                 lock: Callable[[], bool] | None = None) -> None:
        super().__init__(name="sweeper", daemon=True)
        self.interval = interval
        self.tasks = tasks
        self.lock = lock
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.run_once()

    def stop(self, timeout: float = 30.0) -> None:
        """End the thread after the task it is running, and wait for that.

        The tasks use the process's current services: a round that went on after those were
        closed would build new ones from the configuration and sweep another database.
        """
        self.stopped.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout)
            if self.is_alive():
                log.warning("sweeper still running a task after %.0f s", timeout)

    def run_once(self) -> None:
        try:
            if self.lock is not None and not self.lock():
                return
        except Exception:  # noqa: BLE001 - Redis away: the thread must live to sweep after it
            log.warning("sweeper lock unavailable; skipping this round", exc_info=True)
            return
        for task in self.tasks:
            if self.stopped.is_set():
                return
            try:
                task()
            except Exception:  # noqa: BLE001 - a failing task must not stop the sweeper
                log.exception("periodic task %s failed", getattr(task, "__name__", task))


def periodic_tasks() -> list[Callable[[], object]]:
    """Everything the sweeper runs each round, in order (dispatch.PERIODIC)."""
    return [resolve(name) for name in PERIODIC]
