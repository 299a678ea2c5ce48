"""Queueing SMS to citizens: one row per SMS with its encoding and a unique cause."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sms_gateway.gsm import encoding_of
from sms_gateway.models import Citizen, OutboundMessage

SEND_SMS = "sms_gateway.jobs.outbound.send_sms"

# Replies answer what the citizen just sent; notifications are unsolicited and respect STOP.
PRIORITY_REPLY, PRIORITY_NOTIFICATION = 0, 5


def queue_sms(session: Session, citizen: Citizen, body: str, *, purpose: str, dedupe_key: str,
              channel: str, ticket_id: int | None = None, inbound_message_id: int | None = None,
              notification: bool = False) -> OutboundMessage | None:
    """Add one SMS to the outbox unless its cause already produced one; returns the new row."""
    exists = session.execute(select(OutboundMessage.id)
                             .where(OutboundMessage.dedupe_key == dedupe_key)).scalar()
    if exists is not None:
        return None
    enc = encoding_of(body)
    msg = OutboundMessage(
        citizen_id=citizen.id, ticket_id=ticket_id, inbound_message_id=inbound_message_id,
        dedupe_key=dedupe_key, purpose=purpose, body=body, encoding=enc.name,
        segments=enc.segments, channel=channel,
        priority=PRIORITY_NOTIFICATION if notification else PRIORITY_REPLY,
        status="suppressed" if notification and citizen.opted_out else "queued", attempts=0)
    session.add(msg)
    session.flush()
    return msg
