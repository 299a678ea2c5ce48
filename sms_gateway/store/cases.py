"""Cases: the tickets of many citizens who reported one problem, read and regrouped."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing import lifecycle
from sms_gateway.store.models import Ticket, TicketCase
from sms_gateway.store.tickets import for_change


def members(session: Session, case_id: int, *, lock: bool = False) -> list[Ticket]:
    """Every ticket of a case, oldest first (the first is the one the agency got); with lock,
    locked in that order and read afresh, to be changed (store/tickets.for_change)."""
    query = select(Ticket).where(Ticket.case_id == case_id).order_by(Ticket.id)
    return list(session.execute(for_change(query) if lock else query).scalars())


def siblings(session: Session, ticket: Ticket) -> list[Ticket]:
    """The other open tickets of the ticket's case (withdrawn and closed ones hear no more),
    locked and read afresh: an action is about to change them."""
    if ticket.case_id is None:
        return []
    return [t for t in members(session, ticket.case_id, lock=True)
            if t.id != ticket.id and t.status not in lifecycle.TERMINAL]


def reporters(session: Session, case_id: int | None) -> int:
    """How many citizens reported the problem (a ticket without a case: one)."""
    if case_id is None:
        return 1
    return int(session.execute(select(func.count()).select_from(Ticket).where(
        Ticket.case_id == case_id, Ticket.status != lifecycle.DIBATALKAN)).scalar_one())


def case_of(session: Session, ticket: Ticket, *, actor: str = "system") -> int:
    """The ticket's case id, opening a case for it when it has none yet.

    The ticket's row is locked and its case read again first: another transaction (a chunk
    of another worker) may have opened a case for it since it was loaded; that case is the
    one to join, where writing our own would move the ticket out of it.
    """
    if ticket.case_id is None and ticket.id is not None:
        locked = session.execute(select(Ticket.case_id).where(Ticket.id == ticket.id)
                                 .with_for_update(key_share=True)).scalar_one()
        if locked is not None:
            ticket.case_id = locked
    if ticket.case_id is None:
        case = TicketCase(created_by=actor)
        session.add(case)
        session.flush()
        ticket.case_id = case.id
    return ticket.case_id
