"""Cases: the tickets of many citizens who reported one problem, read and regrouped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from routing import lifecycle
from sms_gateway.store import tickets
from sms_gateway.store.models import Ticket, TicketCase


def members(session: Session, case_id: int, *, lock: bool = False) -> list[Ticket]:
    """Every ticket of a case, oldest first (the first is the one the agency got); with lock,
    locked in that order and read afresh, to be changed (store/tickets.for_change)."""
    query = select(Ticket).where(Ticket.case_id == case_id).order_by(Ticket.id)
    return list(session.execute(tickets.for_change(query) if lock else query).scalars())


def for_change(session: Session, query: Select[Any]) -> Ticket | None:
    """The one ticket the query finds, to be changed: locked and read afresh together with
    every other ticket of its case, all in id order.

    An action on a ticket of a case changes the case's other tickets too (complaints/cases
    across_case). Locking its own ticket first and the others after, two actions on two
    tickets of one case would each hold one and wait for the other: a deadlock. Most tickets
    have no case: such a ticket is locked at once, in one statement (locked, it cannot join a
    case until this transaction ends: joining writes its row). A ticket of a case: its case is
    read without a lock, the case's tickets locked in one order, then the ticket read afresh.
    """
    alone: Ticket | None = session.execute(
        tickets.for_change(query.where(Ticket.case_id.is_(None)))).scalar_one_or_none()
    if alone is not None:
        return alone
    found = session.execute(query.with_only_columns(Ticket.case_id)).first()
    if found is None:
        return None
    if found.case_id is not None:
        members(session, found.case_id, lock=True)
    ticket: Ticket | None = session.execute(tickets.for_change(query)).scalar_one_or_none()
    return ticket


REGROUP_TRIES = 5


def for_regroup(session: Session, *given: Ticket) -> None:
    """Lock the given tickets and every ticket of their cases, in id order, read afresh: an
    operator is about to move tickets between cases (complaints/cases merge and split).

    One statement locks them all in the order every other action on a case locks (for_change,
    members), so a merge and an agency's answer to the case wait for each other instead of
    deadlocking. A ticket that joined one of the cases while that statement waited (a chunk
    holding the lead's row commits its reporter) is not in the statement's snapshot: the
    cases' tickets are counted again afterwards, and locked too, until none is missing; once
    every ticket of a case is locked, no other can join it (joining locks the lead's row).
    """
    ids = {t.id for t in given if t.id is not None}
    locked: set[int] = set()
    for _ in range(REGROUP_TRIES):
        mine = select(Ticket.case_id).where(Ticket.id.in_(ids)).scalar_subquery()
        wanted = set(session.execute(select(Ticket.id).where(
            or_(Ticket.id.in_(ids), Ticket.case_id.in_(mine)))).scalars())
        if wanted <= locked:
            return
        locked |= wanted
        session.execute(tickets.for_change(
            select(Ticket).where(Ticket.id.in_(locked)).order_by(Ticket.id))).scalars().all()
    raise RuntimeError("the tickets' cases kept changing while they were being locked")


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
