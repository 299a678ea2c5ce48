"""Forwarding a routed ticket to its agency."""

from __future__ import annotations

from sms_gateway import tickets
from sms_gateway.models import Ticket
from sms_gateway.services import current


def forward_ticket(ticket_id: int) -> None:
    """Record the disposition of a routed ticket to its agency (delivery channels: issue 4)."""
    services = current()
    with services.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id, with_for_update=True)
        if ticket is None or ticket.agency_code is None or ticket.status != "terverifikasi":
            return
        tickets.set_status(session, ticket, "terdisposisi", agency_code=ticket.agency_code)
