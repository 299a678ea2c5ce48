"""Per-agency scorecard: tickets received and answered, response time, share within deadline,
and what the citizens rated the answers."""

from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing import deadlines, lifecycle
from sms_gateway.store.agency import AgencyDelivery, AgencyResponse, SlaBreach, TicketRating
from sms_gateway.store.models import Ticket


def ratings(session: Session, agency_code: str) -> dict[str, Any]:
    """The citizens' 1-5 ratings of the agency's answers: how many, the mean, and each count."""
    counts = dict(session.execute(
        select(TicketRating.rating, func.count()).where(TicketRating.agency_code == agency_code)
        .group_by(TicketRating.rating)).all())
    total = sum(counts.values())
    mean = sum(r * n for r, n in counts.items()) / total if total else None
    return {"ratings": total, "average_rating": round(mean, 2) if mean is not None else None,
            "rating_counts": {str(r): counts.get(r, 0) for r in range(1, 6)}}


def scorecard(session: Session, agency_code: str, *, now: datetime) -> dict[str, Any]:
    """Return the agency's scorecard as of now (response times in hours)."""
    received = dict(session.execute(
        select(AgencyDelivery.ticket_id, func.min(AgencyDelivery.created_at))
        .where(AgencyDelivery.agency_code == agency_code,
               AgencyDelivery.purpose == "disposisi")
        .group_by(AgencyDelivery.ticket_id)).all())
    answered = dict(session.execute(
        select(AgencyResponse.ticket_id, func.min(AgencyResponse.at))
        .where(AgencyResponse.agency_code == agency_code,
               AgencyResponse.ticket_id.in_(list(received) or [-1]))
        .group_by(AgencyResponse.ticket_id)).all())
    # A ticket the citizen withdrew before any answer has no deadline left to keep.
    withdrawn = set(session.execute(select(Ticket.id).where(
        Ticket.id.in_(list(received) or [-1]), Ticket.status == lifecycle.DIBATALKAN)).scalars())
    hours, on_time, considered = [], 0, 0
    for ticket_id, since in received.items():
        if ticket_id in withdrawn and ticket_id not in answered:
            continue
        due = deadlines.deadline_for(deadlines.TINDAK_LANJUT, since).due_at
        first = answered.get(ticket_id)
        if first is not None:
            hours.append((first - since).total_seconds() / 3600)
            considered += 1
            on_time += first <= due
        elif now >= due:
            considered += 1
    breaches = session.execute(select(func.count()).where(
        SlaBreach.agency_code == agency_code)).scalar_one()
    return {
        "agency_code": agency_code,
        "received": len(received),
        "answered": len(answered),
        "median_response_hours": round(median(hours), 2) if hours else None,
        "within_deadline_share": round(on_time / considered, 4) if considered else None,
        "breaches": breaches,
        **ratings(session, agency_code),
        "as_of": now.isoformat().replace("+00:00", "Z"),
    }
