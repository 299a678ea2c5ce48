"""Job entry points for agencies (agency/deliveries.py and complaints/actions.py do the work)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from sms_gateway.agency import deliveries
from sms_gateway.complaints.actions import Effects, reroute
from sms_gateway.services import current
from sms_gateway.store import cases
from sms_gateway.store.models import Ticket


def forward_ticket(ticket_id: int) -> None:
    """Disposition a verified ticket to its agency and queue the deliveries (idempotent)."""
    deliveries.forward(current(), ticket_id)


def reroute_ticket(ticket_id: int) -> None:
    """Route a ticket an agency declined (bukan_wewenang) again, then forward it."""
    services = current()
    effects = Effects()
    with services.sessions.begin() as session:
        # Locked with the other tickets of its case, which a re-route takes along.
        ticket = cases.for_change(session, select(Ticket).where(Ticket.id == ticket_id))
        if ticket is None:
            return
        reroute(services, session, ticket, effects)
    effects.run(services)


def deliver(delivery_id: int) -> None:
    """Make one attempt of one delivery; raise on a retryable failure so the queue retries."""
    deliveries.deliver(current(), delivery_id)


def requeue_deliveries(*, now: datetime | None = None) -> int:
    """Queue again deliveries that are due but lost from the queue (a periodic task)."""
    return deliveries.requeue(current(), now=now)
