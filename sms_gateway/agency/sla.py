"""SP4N-LAPOR! deadlines, checked periodically: breaches escalate, answered tickets auto-close.

Every open ticket has one clock, started by the history entry that put it in its current
status (routing.deadlines.STAGE_BY_STATUS). A missed verification or response deadline is
recorded once per stage and clock start, and escalated to the province's complaint admin
(routing.escalation_for), who is told over its own channels. A ticket left selesai for 10
working days without a reply from the citizen is archived.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

import routing
from routing import deadlines, lifecycle
from sms_gateway.agency.deliveries import create_deliveries, enqueue_deliveries
from sms_gateway.agency.records import directory_for, ensure_agency
from sms_gateway.store import tickets
from sms_gateway.store.agency import SlaBreach
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Ticket, TicketEvent

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)
BATCH = 500
MAX_BATCHES = 20  # a round's bound: 10,000 clocks; the next round goes on
ACTOR = "system:sla"
NATIONAL_ADMIN = "pengelola_lapor:nasional"
CHECK_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class SlaReport:
    breaches: int
    auto_closed: int


def check_deadlines(services: Services, *, now: datetime | None = None) -> SlaReport:
    """Record and escalate missed deadlines and auto-close answered tickets, as of now.

    Batch after batch, each in its own transaction, until none is left (at most MAX_BATCHES
    a round): every selected clock is acted on, so a backlog, say after the first start or
    an outage, is cleared in one round rather than one batch per CHECK_INTERVAL.
    """
    now = now or utcnow()
    breaches = closed = 0
    for _ in range(MAX_BATCHES):
        delivery_ids: list[int] = []
        with services.sessions.begin() as session:
            clocks = _clocks(session, now)
            for ticket, since in clocks:
                deadline = deadlines.deadline_for_status(ticket.status, since)
                if deadline is None or not deadline.is_overdue(now):
                    continue
                if deadline.stage == deadlines.TUTUP_OTOMATIS:
                    ticket.awaiting = None
                    tickets.set_status(session, ticket, lifecycle.ARSIP, actor=ACTOR,
                                       reason="auto_close", due_at=deadline.due_at.isoformat())
                    closed += 1
                elif _breach(services, session, ticket, deadline, now, delivery_ids):
                    breaches += 1
        enqueue_deliveries(services, delivery_ids)
        if len(clocks) < BATCH:
            break
    report = SlaReport(breaches, closed)
    if breaches or closed:
        log.info("sla: %s", report)
    return report


def _clocks(session: Session, now: datetime) -> list[tuple[Ticket, datetime]]:
    """Open tickets whose clock in their current status ran out by now, not yet recorded.

    Only overdue tickets are selected (the deadline rule as SQL), so each batch is acted on
    in full and the next round moves on: tickets that are merely old cannot fill the batch.
    """
    started = (select(func.max(TicketEvent.at))
               .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.to_status == Ticket.status)
               .correlate(Ticket).scalar_subquery())
    recorded = exists().where(SlaBreach.ticket_id == Ticket.id, SlaBreach.since == started)
    # Locked and read afresh: an agency or a citizen may be moving one of them meanwhile;
    # a ticket locked by another transaction is left for the next round (store/tickets).
    rows = session.execute(
        select(Ticket, started.label("since"))
        .where(tickets.overdue_clause(started, now), ~recorded)
        .order_by(Ticket.id).limit(BATCH)
        .with_for_update(of=Ticket, key_share=True, skip_locked=True)
        .execution_options(populate_existing=True)).all()
    return [(ticket, since) for ticket, since in rows if since is not None]


def escalation_target(services: Services, ticket: Ticket) -> str:
    """Who hears about a missed deadline: the province's complaint admin (national at worst)."""
    directory = directory_for(services)
    if ticket.agency_code:
        above = routing.escalation_for(ticket.agency_code, directory=directory)
        if above is not None:
            return above.code
    if ticket.region_code:
        admin = directory.get_agency(f"pengelola_lapor:{ticket.region_code.split('.')[0]}")
        if admin is not None and admin.code != ticket.agency_code:
            return admin.code
    return NATIONAL_ADMIN


def _breach(services: Services, session: Session, ticket: Ticket, deadline: deadlines.Deadline,
            now: datetime, delivery_ids: list[int]) -> bool:
    """Record one breach per clock and escalate it; False when already recorded."""
    exists = session.execute(select(SlaBreach.id).where(
        SlaBreach.ticket_id == ticket.id, SlaBreach.stage == deadline.stage,
        SlaBreach.since == deadline.since)).scalar()
    if exists is not None:
        return False
    target = escalation_target(services, ticket)
    # One problem, one escalation: the agency answers a case once, so a case whose other
    # ticket was escalated for this stage is not escalated again for each of its reporters.
    escalated_with = _escalated_case_ticket(session, ticket, deadline.stage)
    session.add(SlaBreach(ticket_id=ticket.id, stage=deadline.stage,
                          agency_code=ticket.agency_code, since=deadline.since,
                          due_at=deadline.due_at, detected_at=now, escalated_to=target))
    event = tickets.add_event(session, ticket, "escalated", actor=ACTOR, stage=deadline.stage,
                              due_at=deadline.due_at.isoformat(), escalated_to=target,
                              agency_code=ticket.agency_code,
                              working_days_late=deadline.working_days_late(now),
                              **({"case_of": escalated_with} if escalated_with else {}))
    if escalated_with is None and ensure_agency(session, directory_for(services),
                                                target) is not None:
        delivery_ids += create_deliveries(services, session, ticket, target, event,
                                          "escalation")
    log.warning("ticket %s missed its %s deadline (%s); escalated to %s", ticket.number,
                deadline.stage, deadline.due_date, target)
    return True


def _escalated_case_ticket(session: Session, ticket: Ticket, stage: str) -> str | None:
    """The number of another ticket of this ticket's case already escalated for this stage
    while with the same agency; None when there is none (or no case)."""
    if ticket.case_id is None:
        return None
    return session.execute(
        select(Ticket.number).join(SlaBreach, SlaBreach.ticket_id == Ticket.id)
        .where(Ticket.case_id == ticket.case_id, Ticket.id != ticket.id,
               SlaBreach.stage == stage,
               SlaBreach.agency_code.is_(None) if ticket.agency_code is None
               else SlaBreach.agency_code == ticket.agency_code)
        .order_by(Ticket.id).limit(1)).scalar()


def run_periodic(services: Services) -> SlaReport | None:
    """The sweeper's entry point: check deadlines, at most once per CHECK_INTERVAL."""
    last = services.sla_checked_at
    now = utcnow()
    if last is not None and now - last < CHECK_INTERVAL:
        return None
    services.sla_checked_at = now
    return check_deadlines(services, now=now)
