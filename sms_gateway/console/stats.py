"""The dashboard's numbers: counts per day, category and region, and deadline compliance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing import deadlines, lifecycle
from sms_gateway.store.agency import AgencyRecord, TicketRating
from sms_gateway.store.models import InboundMessage, Ticket, TicketEvent


def _local_day(column: Any, dialect: str) -> Any:
    """The Asia/Jakarta calendar day of a UTC timestamp column, in SQL."""
    if dialect == "postgresql":
        return func.date(func.timezone("Asia/Jakarta", column))
    return func.date(column, "+7 hours")  # SQLite; Jakarta has no daylight saving time


def per_day(session: Session, column: Any, *, days: int, now: datetime) -> list[tuple[str, int]]:
    """Counts per local day for the last `days` days, zeros included, oldest first."""
    dialect = session.get_bind().dialect.name
    day = _local_day(column, dialect)
    since = now - timedelta(days=days)
    rows = session.execute(select(day, func.count()).where(column >= since)
                           .group_by(day)).all()
    counts = {str(d): n for d, n in rows}
    today = deadlines.local_date(now)
    out = []
    for back in range(days - 1, -1, -1):
        d = today - timedelta(days=back)
        out.append((d.strftime("%d/%m"), counts.get(d.isoformat(), 0)))
    return out


def messages_per_day(session: Session, *, days: int, now: datetime) -> list[tuple[str, int]]:
    return per_day(session, InboundMessage.received_at, days=days, now=now)


def tickets_per_day(session: Session, *, days: int, now: datetime) -> list[tuple[str, int]]:
    return per_day(session, Ticket.created_at, days=days, now=now)


def by_category(session: Session, *, since: datetime) -> list[tuple[str, int]]:
    """Tickets per category code, largest first."""
    rows = session.execute(select(Ticket.category, func.count())
                           .where(Ticket.created_at >= since).group_by(Ticket.category)
                           .order_by(func.count().desc())).all()
    return [(c, n) for c, n in rows]


def by_region(session: Session, *, since: datetime, depth: int,
              limit: int = 15) -> list[tuple[str, int]]:
    """Tickets per province (depth 1) or kabupaten/kota (depth 2) code, largest first."""
    width = {1: 2, 2: 5}[depth]
    code = func.substr(Ticket.region_code, 1, width)
    rows = session.execute(
        select(code, func.count())
        .where(Ticket.created_at >= since, Ticket.region_code.is_not(None),
               func.length(Ticket.region_code) >= width)
        .group_by(code).order_by(func.count().desc()).limit(limit)).all()
    return [(c, n) for c, n in rows]


@dataclass
class Compliance:
    """One agency's follow-up deadlines: answered in time, late, and still running."""

    agency_code: str
    agency_name: str
    on_time: int = 0
    late: int = 0
    running: int = 0

    @property
    def share_on_time(self) -> float:
        decided = self.on_time + self.late
        return self.on_time / decided if decided else 1.0


def compliance(session: Session, *, since: datetime, now: datetime,
               limit: int = 15) -> list[Compliance]:
    """Per agency: tickets forwarded since `since` answered within the follow-up deadline."""
    forwarded = session.execute(
        select(Ticket.id, Ticket.agency_code, Ticket.agency_name, func.min(TicketEvent.at))
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(TicketEvent.to_status == "terdisposisi", TicketEvent.at >= since,
               Ticket.agency_code.is_not(None))
        .group_by(Ticket.id, Ticket.agency_code, Ticket.agency_name)).all()
    answered: dict[int, datetime] = dict(session.execute(
        select(TicketEvent.ticket_id, func.min(TicketEvent.at))
        .where(TicketEvent.to_status == "selesai",
               TicketEvent.ticket_id.in_([row[0] for row in forwarded] or [-1]))
        .group_by(TicketEvent.ticket_id)).all())
    withdrawn = set(session.execute(select(Ticket.id).where(
        Ticket.id.in_([row[0] for row in forwarded] or [-1]),
        Ticket.status == lifecycle.DIBATALKAN)).scalars())
    table: dict[str, Compliance] = {}
    for ticket_id, code, name, at in forwarded:
        assert code is not None  # filtered in the query
        entry = table.setdefault(code, Compliance(code, name or code))
        due = deadlines.deadline_for(deadlines.TINDAK_LANJUT, at).due_at
        done = answered.get(ticket_id)
        if done is None and ticket_id in withdrawn:  # no deadline left to keep
            continue
        if done is not None:
            if done <= due:
                entry.on_time += 1
            else:
                entry.late += 1
        elif now > due:
            entry.late += 1
        else:
            entry.running += 1
    # An agency with nothing decided yet has no share to show (not a 0% bar).
    decided = [c for c in table.values() if c.on_time + c.late]
    ranked = sorted(decided, key=lambda c: -(c.on_time + c.late + c.running))
    return ranked[:limit]


@dataclass(frozen=True)
class AgencyRatings:
    """What citizens rated one agency's answers (1-5)."""

    agency_code: str
    agency_name: str
    count: int
    average: float


def ratings(session: Session, *, since: datetime, limit: int = 15) -> list[AgencyRatings]:
    """Per agency: ratings given since `since`, most rated first."""
    rows = session.execute(
        select(TicketRating.agency_code, AgencyRecord.name, func.count(),
               func.avg(TicketRating.rating))
        .outerjoin(AgencyRecord, AgencyRecord.code == TicketRating.agency_code)
        .where(TicketRating.at >= since, TicketRating.agency_code.is_not(None))
        .group_by(TicketRating.agency_code, AgencyRecord.name)
        .order_by(func.count().desc(), TicketRating.agency_code).limit(limit)).all()
    return [AgencyRatings(code, name or code, n, round(float(avg), 2))
            for code, name, n, avg in rows]

