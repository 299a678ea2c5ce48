"""Cases in the console: one ticket's case with its reporters, and the largest open cases."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing import lifecycle
from sms_gateway.store import cases
from sms_gateway.store.models import Ticket


@dataclass(frozen=True)
class CaseRow:
    """A case as the dashboard lists it: its first ticket and how many reported it."""

    case_id: int
    number: str
    category: str
    region_name: str | None
    agency_name: str | None
    status: str
    reporters: int


def panel(session: Session, ticket: Ticket) -> dict[str, object] | None:
    """The ticket's case for its page: id, reporter count and every ticket with its text."""
    if ticket.case_id is None:
        return None
    return {"id": ticket.case_id, "reporters": cases.reporters(session, ticket.case_id),
            "tickets": cases.members(session, ticket.case_id)}


def largest_open(session: Session, limit: int = 10) -> list[CaseRow]:
    """The open cases with the most reporters, largest first."""
    open_statuses = [s for s in lifecycle.STATUSES
                     if s not in lifecycle.TERMINAL and s != lifecycle.SELESAI]
    counts = (select(Ticket.case_id, func.count().label("n"), func.min(Ticket.id).label("first"))
              .where(Ticket.case_id.is_not(None), Ticket.status.in_(open_statuses))
              .group_by(Ticket.case_id).having(func.count() > 1).subquery())
    rows = session.execute(select(counts.c.case_id, counts.c.n, Ticket)
                           .join(Ticket, Ticket.id == counts.c.first)
                           .order_by(counts.c.n.desc(), counts.c.case_id).limit(limit)).all()
    return [CaseRow(case_id, t.number, t.category, t.region_name, t.agency_name, t.status, n)
            for case_id, n, t in rows]
