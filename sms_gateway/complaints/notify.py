"""SMS to the citizen when a ticket's status changes in a way that matters to them.

Notifications are unsolicited: they respect STOP (queue_sms(notification=True) stores them
as suppressed) and are keyed on the history entry, so a re-run adds no second SMS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from routing import lifecycle
from sms_gateway.complaints import replies
from sms_gateway.complaints.outbox import language_of, queue_sms
from sms_gateway.store.models import Citizen, Ticket, TicketEvent

if TYPE_CHECKING:
    from sms_gateway.services import Services

# Status -> template; statuses not listed (terverifikasi, terdisposisi right after the
# ticket_created reply, arsip, dibatalkan by the citizen) send nothing.
STATUS_TEMPLATES = {
    lifecycle.DIPROSES: "update_diproses",
    lifecycle.SELESAI: "update_selesai",
    lifecycle.TERTUNDA: "update_tertunda",
}
# Templates ending in "{response}" right after a full stop.
SPACED = frozenset({"update_diproses", "update_arsip"})


class TooLong(ValueError):
    """A text that would not fit in the SMS it travels in (replies.MAX_SEGMENTS at most)."""


def notify_citizen(services: Services, session: Session, ticket: Ticket, event: TicketEvent,
                   template: str, *, response: str = "", agency: str = "") -> int | None:
    """Queue one status SMS for this history entry; returns the outbound id to send, or None."""
    if ticket.citizen_id is None:  # filed through Open311: no phone to write to
        return None
    citizen = session.get(Citizen, ticket.citizen_id)
    if citizen is None:
        return None
    values = {"number": ticket.number}
    fields = replies.fields_of(template, "id")
    if "agency" in fields:
        values["agency"] = agency or ticket.agency_name or ""
    if "response" in fields:
        # A template that ends in "{response}" right after a full stop needs its own space.
        values["response"] = f" {response}" if template in SPACED and response else response
    over = replies.overflow(template, language_of(services, citizen), **values)
    if over:
        raise TooLong(f"the text is {over} characters too long: the SMS to the citizen may "
                      f"take at most {replies.MAX_SEGMENTS} parts "
                      f"({replies.capacity(replies.MAX_SEGMENTS)} characters with the "
                      "ticket number and status)")
    row = queue_sms(services, session, citizen, purpose=template,
                    dedupe_key=f"status:{event.id}", template=template, values=values,
                    ticket_id=ticket.id, notification=True)
    if row is None or row.status != "queued":
        return None
    return row.id
