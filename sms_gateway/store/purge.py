"""Blanking what citizens wrote or read, wherever a copy is kept; counts and codes stay.

Retention (`complaints/retention.py`, by age) and the right to erasure (`complaints/erasure.py`,
by citizen) both go through these functions, so a new copy of a text is added in one place.
Each takes rows already loaded in the caller's session and changes them in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from sms_gateway.store.agency import AgencyResponse
from sms_gateway.store.channels import ChannelLog, InboundPart
from sms_gateway.store.console import LabelledExample
from sms_gateway.store.models import InboundMessage, OutboundMessage, Ticket, TicketEvent

# Parse fields that repeat what the citizen wrote; the rest (intent, category, region) stays.
PARSE_TEXT_FIELDS = ("description",)
# History detail keys holding free text (a citizen's INFO, an agency's answer, a status note).
HISTORY_TEXT_KEYS = ("text", "response", "note")
# What stands in for an erased phone number's hash: unique, and no hash of any number.
TOMBSTONE = "erased:"


def parse_without_text(parse: dict[str, Any] | None) -> dict[str, Any] | None:
    """A parse result without the fields that repeat the citizen's words."""
    if parse is None:
        return None
    return {k: v for k, v in parse.items() if k not in PARSE_TEXT_FIELDS}


def blank_message(message: InboundMessage) -> None:
    """An inbound message without its text, raw payload and the text in its parse."""
    message.text = None
    message.raw_enc = None
    message.parse = parse_without_text(message.parse)


def blank_labels(session: Session, message_ids: Iterable[int]) -> int:
    """The console's labelled examples of these messages without their text."""
    ids = list(message_ids)
    if not ids:
        return 0
    result = session.execute(update(LabelledExample).where(
        LabelledExample.inbound_message_id.in_(ids), LabelledExample.text != "")
        .values(text=""))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def blank_part(part: InboundPart) -> None:
    """One part of a long SMS without its text and raw payload."""
    part.text = ""
    part.raw_enc = None


def blank_log(log: ChannelLog) -> None:
    """A channel log without its bodies, headers and the query string of its URL."""
    log.request_body = ""
    log.response_body = ""
    log.request_headers = None
    log.url = log.url.split("?", 1)[0]


LOG_HAS_TEXT = or_(ChannelLog.request_body != "", ChannelLog.response_body != "",
                   ChannelLog.url.contains("?"))


def blank_logs_of(session: Session, *, inbound_ids: Iterable[int] = (),
                  outbound_ids: Iterable[int] = ()) -> int:
    """Blank the channel logs of these messages; returns how many were blanked."""
    inbound, outbound = list(inbound_ids), list(outbound_ids)
    if not inbound and not outbound:
        return 0
    logs = session.execute(select(ChannelLog).where(
        LOG_HAS_TEXT, or_(ChannelLog.inbound_message_id.in_(inbound),
                          ChannelLog.outbound_message_id.in_(outbound)))).scalars().all()
    for log in logs:
        blank_log(log)
    return len(logs)


def blank_outbound(message: OutboundMessage) -> None:
    """An SMS to a citizen without its body (encoding, segments and status stay)."""
    message.body = ""


def blank_event(event: TicketEvent) -> bool:
    """A history entry without its free text; False when it had none."""
    if not event.detail or not any(k in event.detail for k in HISTORY_TEXT_KEYS):
        return False
    event.detail = {k: v for k, v in event.detail.items() if k not in HISTORY_TEXT_KEYS}
    return True


def blank_ticket(session: Session, ticket: Ticket) -> None:
    """A ticket without its description, publication, history texts and agency answers."""
    ticket.description = ""
    ticket.text_published_at = None
    ticket.text_published_by = None
    for event in session.execute(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id)).scalars():
        blank_event(event)
    session.execute(update(AgencyResponse).where(AgencyResponse.ticket_id == ticket.id)
                    .values(text=""))
