"""Tickets as the console shows them: scoped to the user, filtered, with deadline and thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from routing import deadlines, lifecycle
from sms_gateway.console import regions
from sms_gateway.store import cases
from sms_gateway.store.agency import AgencyResponse
from sms_gateway.store.console import ConsoleUser
from sms_gateway.store.models import InboundMessage, OutboundMessage, Ticket, TicketEvent
from sms_gateway.store.tickets import overdue_clause


@dataclass(frozen=True)
class TicketFilter:
    """The ticket list's search form."""

    q: str = ""
    status: str = ""
    category: str = ""
    region: str = ""  # a region code; matches that region and everything inside it
    agency: str = ""
    overdue: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> TicketFilter:
        try:
            page = max(int(args.get("page", 1)), 1)
        except ValueError:
            page = 1
        return cls(q=args.get("q", "").strip(), status=args.get("status", ""),
                   category=args.get("category", ""), region=args.get("region", "").strip(),
                   agency=args.get("agency", "").strip(), overdue=args.get("overdue") == "1",
                   page=page)


@dataclass(frozen=True)
class Row:
    ticket: Ticket
    deadline: deadlines.Deadline | None

    def overdue(self, now: datetime) -> bool:
        return self.deadline is not None and self.deadline.is_overdue(now)


def scoped(user: ConsoleUser) -> Select[Any]:
    """All tickets this user may see: an agency user only its agency's."""
    query = select(Ticket)
    if user.role == "agency":
        query = query.where(Ticket.agency_code == user.agency_code)
    return query


def region_code_of(text: str) -> str:
    """A region code as typed, or the code of the region best matching a name ("kota
    bandung" -> 32.73); a name that matches nothing is kept, so it finds nothing."""
    text = text.strip()
    if regions.get(text) is not None:
        return text
    hits = regions.search(text, limit=1)
    return hits[0].code if hits else text


def _filtered(query: Select[Any], f: TicketFilter, now: datetime) -> Select[Any]:
    if f.q:
        if f.q.lstrip("#").isdigit():
            query = query.where(Ticket.number == f.q.lstrip("#"))
        else:  # confidential tickets are not found by their text
            query = query.where(Ticket.confidential.is_(False),
                                Ticket.description.ilike(f"%{_escape(f.q)}%", escape="\\"))
    if f.status:
        query = query.where(Ticket.status == f.status)
    if f.category:
        query = query.where(Ticket.category == f.category)
    if f.region:
        code = region_code_of(f.region)
        query = query.where(or_(Ticket.region_code == code,
                                Ticket.region_code.like(f"{_escape(code)}.%", escape="\\")))
    if f.agency:
        query = query.where(Ticket.agency_code == f.agency)
    if f.overdue:
        started = func.coalesce(_status_started(), Ticket.created_at)
        query = query.where(overdue_clause(started, now))
    return query


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _status_started() -> Any:
    """SQL, per ticket row: when it entered its current status (its newest status event)."""
    return (select(func.max(TicketEvent.at))
            .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.to_status.is_not(None))
            .correlate(Ticket).scalar_subquery())


def status_since(session: Session, ticket_ids: list[int]) -> dict[int, datetime]:
    """When each ticket entered its current status; the same rule the overdue filter uses."""
    if not ticket_ids:
        return {}
    rows = session.execute(select(Ticket.id, _status_started()).where(
        Ticket.id.in_(ticket_ids))).all()
    return {ticket_id: since for ticket_id, since in rows if since is not None}


def deadline_of(ticket: Ticket, since: datetime | None) -> deadlines.Deadline | None:
    """The deadline running in the ticket's current status, or None."""
    try:
        return deadlines.deadline_for_status(ticket.status, since or ticket.created_at)
    except ValueError:  # a status outside the lifecycle: no clock
        return None


def search(session: Session, user: ConsoleUser, f: TicketFilter, *, page_size: int,
           now: datetime) -> tuple[list[Row], int]:
    """One page of the user's tickets matching the filter, newest first, and the total."""
    query = _filtered(scoped(user), f, now).order_by(Ticket.created_at.desc(), Ticket.id.desc())
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    found = list(session.execute(
        query.limit(page_size).offset((f.page - 1) * page_size)).scalars())
    since = status_since(session, [t.id for t in found])
    return [Row(t, deadline_of(t, since.get(t.id))) for t in found], total


def get_for(session: Session, user: ConsoleUser, number: str, *,
            to_change: bool = False) -> Ticket | None:
    """The ticket with this number if the user may see it; to_change: locked and read
    afresh with its case's other tickets, as a worker or an agency may be changing them
    meanwhile (store/cases.for_change)."""
    query = scoped(user).where(Ticket.number == number)
    if to_change:
        return cases.for_change(session, query)
    return session.execute(query).scalar_one_or_none()


@dataclass(frozen=True)
class ThreadEntry:
    at: datetime
    direction: str  # "in" or "out"
    message_id: int  # of the InboundMessage or OutboundMessage, per direction
    text: str
    status: str
    purpose: str


def thread(session: Session, ticket: Ticket) -> list[ThreadEntry]:
    """Every SMS of a ticket in both directions, oldest first."""
    inbound = session.execute(select(InboundMessage).where(or_(
        InboundMessage.ticket_id == ticket.id,
        InboundMessage.id == ticket.inbound_message_id))).scalars()
    outbound = session.execute(select(OutboundMessage).where(
        OutboundMessage.ticket_id == ticket.id)).scalars()
    entries = [ThreadEntry(m.received_at, "in", m.id, m.text or "", m.review_status or m.state,
                           m.outcome or "") for m in inbound]
    entries += [ThreadEntry(m.created_at, "out", m.id, m.body, m.status, m.purpose)
                for m in outbound]
    return sorted(entries, key=lambda e: e.at)


def history(session: Session, ticket: Ticket) -> list[TicketEvent]:
    """The ticket's events, oldest first."""
    return list(session.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                .order_by(TicketEvent.at, TicketEvent.id)).scalars())


def agency_responses(session: Session, ticket: Ticket) -> list[AgencyResponse]:
    """What agencies answered on the ticket, oldest first."""
    return list(session.execute(select(AgencyResponse).where(
        AgencyResponse.ticket_id == ticket.id).order_by(AgencyResponse.at)).scalars())


def open_tickets_of(session: Session, citizen_id: int | None) -> list[Ticket]:
    """The citizen's tickets that can still take more information, newest first."""
    if citizen_id is None:
        return []
    return list(session.execute(
        select(Ticket).where(Ticket.citizen_id == citizen_id,
                             Ticket.status.not_in(lifecycle.TERMINAL))
        .order_by(Ticket.created_at.desc()).limit(20)).scalars())
