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
    case until this transaction ends: joining writes its row). A ticket of a case: the case's
    tickets are locked in id order (lock_cases), then the ticket read afresh.
    """
    alone: Ticket | None = session.execute(
        tickets.for_change(query.where(Ticket.case_id.is_(None)))).scalar_one_or_none()
    if alone is not None:
        return alone
    found = session.execute(query.with_only_columns(Ticket.id)).first()
    if found is None:
        return None
    lock_cases(session, {found.id})
    ticket: Ticket | None = session.execute(tickets.for_change(query)).scalar_one_or_none()
    return ticket


def for_regroup(session: Session, *given: Ticket) -> None:
    """Lock the given tickets and every ticket of their cases, read afresh: an operator is
    about to move tickets between cases (complaints/cases merge and split)."""
    lock_cases(session, {t.id for t in given if t.id is not None})


LOCK_TRIES = 5


class CaseLockError(RuntimeError):
    """The tickets' cases kept changing while they were being locked."""


def lock_cases(session: Session, ids: set[int]) -> None:
    """Lock the tickets `ids` and every ticket of their cases in one statement, in id order
    (the order every action on a case locks in), each read afresh.

    A ticket that joined one of the cases, or a case merged into one of them, while that
    statement waited is not in its snapshot: the cases' tickets are counted again after it.
    If some are missing, the locks are given back (a savepoint rolled back) and all of them
    taken again in id order, rather than the missing ones after the others: taking a lower id
    while holding higher ones is how two lockers deadlock. Once every ticket of a case is
    locked, no other can join it (joining locks the lead's row) nor be merged in (merging
    locks every ticket it moves).
    """
    wanted = _with_cases(session, ids)
    for _ in range(LOCK_TRIES):
        savepoint = session.begin_nested()
        session.execute(tickets.for_change(
            select(Ticket).where(Ticket.id.in_(wanted)).order_by(Ticket.id))).scalars().all()
        now = _with_cases(session, ids)
        if now <= wanted:
            savepoint.commit()
            return
        savepoint.rollback()
        wanted = now
    raise CaseLockError(f"the cases of tickets {sorted(ids)} kept changing")


def _with_cases(session: Session, ids: set[int]) -> set[int]:
    """The tickets ids and every ticket of their cases, as stored now."""
    theirs = select(Ticket.case_id).where(Ticket.id.in_(ids), Ticket.case_id.is_not(None))
    return set(session.execute(select(Ticket.id).where(
        or_(Ticket.id.in_(ids), Ticket.case_id.in_(theirs)))).scalars())


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

    The caller holds the ticket's row locked with its case read afresh (complaints/cases: a
    join reads the lead so, a merge locks both cases first): another transaction (a chunk of
    another worker) may have opened a case for it since it was loaded, and that case is the
    one to join, where writing our own would move the ticket out of it.
    """
    if ticket.case_id is None:
        case = TicketCase(created_by=actor)
        session.add(case)
        session.flush()
        ticket.case_id = case.id
    return ticket.case_id
