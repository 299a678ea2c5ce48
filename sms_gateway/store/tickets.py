"""Tickets: public numbers, opening, routing and status changes, each written to the history."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import routing
from routing import deadlines, lifecycle
from sms_gateway.store import rows
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Ticket, TicketEvent


def for_change(query: Select[Any]) -> Select[Any]:
    """The query of tickets about to be changed: their rows locked, their state read afresh.

    A status move checks the lifecycle against the status it reads, then writes. Read
    without a lock, two writers (a citizen's BATAL in a worker, an agency's answer through
    the API, an operator in the console) could both check the same old status and the last
    to commit would win, over a move it never saw. FOR NO KEY UPDATE makes the second wait
    for the first and read what it wrote, while foreign-key checks of rows that name the
    ticket (its history, its SMS) go on (complaints/inbound.citizens_for explains why that
    matters). populate_existing: a ticket the session loaded earlier is read again, not
    taken from the identity map as it was; so run it with autoflush on (not inside
    `session.no_autoflush`), or a change of the session not yet flushed is overwritten. A
    ticket of a case: store/cases.for_change locks the whole case first. SQLite ignores the
    clause: its BEGIN IMMEDIATE already lets one writer at a time in.
    """
    return query.with_for_update(key_share=True).execution_options(populate_existing=True)


def new_ticket_number() -> str:
    """Seven random digits: not sequential, so numbers reveal neither volume nor order."""
    return str(1_000_000 + secrets.randbelow(9_000_000))


def probable_place(ticket: Ticket) -> tuple[str, str] | None:
    """The (code, name) of the kelurahan an address suggests, while it is still only a guess.

    None when there is none, or once the ticket's confirmed place is that kelurahan.
    """
    return probable_of(ticket.probable_region_code, ticket.probable_region_name,
                       ticket.region_code)


def probable_of(code: str | None, name: str | None,
                *places: str | None) -> tuple[str, str] | None:
    """(code, name) of a suggested kelurahan; None when there is none or it is one of `places`
    (a place already confirmed)."""
    if not code or code in places:
        return None
    return code, name or code


def add_event(session: Session, ticket: Ticket, kind: str, *, actor: str = "system",
              from_status: str | None = None, to_status: str | None = None,
              **detail: Any) -> TicketEvent:
    """Append one entry to a ticket's history, flushed so that callers can use its id."""
    event = queue_event(session, ticket, kind, actor=actor, from_status=from_status,
                        to_status=to_status, **detail)
    return _flushed(session, event)


def queue_event(session: Session, ticket: Ticket, kind: str, *, actor: str = "system",
                from_status: str | None = None, to_status: str | None = None,
                **detail: Any) -> TicketEvent | rows.Row:
    """Append one entry, written by the session's next flush in one INSERT with the others;
    a plain row of the session's Rows if it has one (a chunk of messages, store/rows.py)."""
    pending = rows.of(session)
    if pending is not None:
        return pending.add(TicketEvent, rows.Row(
            ticket, ticket_id=None, at=utcnow(), kind=kind, actor=actor,
            from_status=from_status, to_status=to_status, detail=detail or None))
    event = TicketEvent(kind=kind, actor=actor, at=utcnow(), from_status=from_status,
                        to_status=to_status, detail=detail or None)
    if ticket.id is None:  # a ticket of this flush: inserted first, its id filled in then
        event.ticket = ticket
    else:
        event.ticket_id = ticket.id
    session.add(event)
    return event


def _flushed(session: Session, event: TicketEvent | rows.Row) -> TicketEvent:
    """The entry once in the database: a row of the session's Rows is inserted with those
    queued before it, and returned as a TicketEvent (not in the session: it is written)."""
    rows.flush(session)
    if isinstance(event, TicketEvent):
        return event
    return TicketEvent(**{key: event[key] for key in ("id", *rows.EVENT_COLUMNS)}
                       | {"ticket_id": event.ticket.id if event.ticket else event["ticket_id"]})


def open_ticket(session: Session, **fields: Any) -> Ticket:
    """Insert a ticket under a fresh unique number (retrying the rare collision)."""
    for _ in range(20):
        ticket = Ticket(number=new_ticket_number(), **fields)
        try:
            with session.begin_nested():
                session.add(ticket)
                session.flush()
        except IntegrityError:
            exists = session.execute(select(Ticket.id).where(
                Ticket.inbound_message_id == fields.get("inbound_message_id"))).scalar()
            if fields.get("inbound_message_id") is not None and exists is not None:
                raise  # not a number collision: this message already has its ticket
            continue
        queue_event(session, ticket, "created", to_status=ticket.status,
                    category=ticket.category, region_code=ticket.region_code)
        return ticket
    raise RuntimeError("could not find a free ticket number")  # pragma: no cover


def fresh_numbers(session: Session, n: int) -> list[str]:
    """n distinct ticket numbers that no ticket has, checked in one SELECT (rarely two)."""
    numbers: set[str] = set()
    while len(numbers) < n:
        drawn = {new_ticket_number() for _ in range(n - len(numbers))} - numbers
        taken = set(session.execute(select(Ticket.number).where(
            Ticket.number.in_(drawn))).scalars())
        numbers |= drawn - taken
    return list(numbers)


def new_ticket(session: Session, number: str, **fields: Any) -> Ticket:
    """A ticket under a number from fresh_numbers, inserted by the session's next flush.

    The handlers route it before that flush, so it is inserted as it ends up, in one INSERT
    with the other tickets of the flush. The columns they read are set now, not at the flush.
    """
    now = utcnow()
    ticket = Ticket(number=number, status=lifecycle.BELUM_TERVERIFIKASI, created_at=now,
                    updated_at=now, **fields)
    session.add(ticket)
    queue_event(session, ticket, "created", to_status=ticket.status,
                category=ticket.category, region_code=ticket.region_code)
    return ticket


def set_status(session: Session, ticket: Ticket, status: str, *, actor: str = "system",
               **detail: Any) -> TicketEvent | None:
    """Move a ticket to a new status and record it; returns None when nothing changed.

    Raises routing.lifecycle.TransitionError for a move the lifecycle table does not allow.
    """
    event = _move(session, ticket, status, actor, detail)
    return _flushed(session, event) if event is not None else None


def _move(session: Session, ticket: Ticket, status: str, actor: str,
          detail: dict[str, Any]) -> TicketEvent | rows.Row | None:
    """set_status without the flush: the event goes with the session's next flush."""
    if ticket.status == status:
        return None
    lifecycle.check_transition(ticket.status, status)
    previous = ticket.status
    ticket.status = status
    ticket.updated_at = utcnow()
    return queue_event(session, ticket, "status", actor=actor, from_status=previous,
                       to_status=status, **detail)


def route_of(ticket: Ticket, keyword: str | None = None, *, exclude: Collection[str] = (),
             directory: routing.Directory | None = None) -> routing.Route:
    """Routing's answer for the ticket as it stands, the oversight rule included."""
    return routing.route(ticket.category, ticket.region_code, keyword=keyword, exclude=exclude,
                         directory=directory, about_officials=bool(ticket.about_officials),
                         confidential=bool(ticket.confidential))


def withheld_from(ticket: Ticket, *, directory: routing.Directory | None = None) -> set[str]:
    """The offices a complaint about officials concerns: it is never forwarded to them."""
    if not (ticket.about_officials or ticket.confidential) or ticket.category is None:
        return set()
    try:
        return set(route_of(ticket, directory=directory).withheld_from)
    except ValueError:  # a category or region the directory no longer knows
        return set()


def apply_route(session: Session, ticket: Ticket, keyword: str | None = None, *,
                directory: routing.Directory | None = None) -> routing.Route:
    """Route the ticket with the routing library and record the decision."""
    decision = route_of(ticket, keyword, directory=directory)
    if decision.agency is not None:
        ticket.agency_code = decision.agency.code
        ticket.agency_name = decision.agency.name
        ticket.awaiting = None
        _move(session, ticket, "terverifikasi", "system", {"reasons": list(decision.reasons)})
    else:
        ticket.awaiting = "location"
    queue_event(session, ticket, "routed", agency_code=ticket.agency_code,
                reasons=list(decision.reasons), rule=decision.rule,
                withheld_from=list(decision.withheld_from) or None)
    return decision


def overdue_clause(started: ColumnElement[Any], now: datetime) -> ColumnElement[bool]:
    """SQL: the deadline of the ticket's current status, whose clock began at `started`, has
    ended by now (`routing.deadlines`, working days and holidays included)."""
    by_stage: dict[str, list[str]] = {}
    for status, stage in deadlines.STAGE_BY_STATUS.items():
        by_stage.setdefault(stage, []).append(status)
    return or_(false(), *(and_(Ticket.status.in_(statuses),
                               started < deadlines.overdue_if_started_before(stage, now))
                          for stage, statuses in sorted(by_stage.items())))
