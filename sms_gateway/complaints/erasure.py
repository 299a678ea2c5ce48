"""The right to erasure (UU 27/2022): one citizen's number and every text they wrote or read.

The number (encrypted, masked and its look-up hash) is replaced by a tombstone that is no hash
of any number, so the rows can no longer be tied to the person; what they wrote and what was
sent to them is blanked through `store/purge.py`. Rows stay, so anonymous statistics (counts,
categories, regions, statuses) still add up. Idempotent: a second run finds nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from sms_gateway.store import purge
from sms_gateway.store.channels import InboundPart
from sms_gateway.store.console import add_audit
from sms_gateway.store.models import (
    OUTBOUND_FINAL,
    PROCESSED,
    RECEIVED,
    Citizen,
    InboundMessage,
    OutboundMessage,
    Ticket,
)

if TYPE_CHECKING:
    from sms_gateway.services import Services

ERASED_MASK = "(dihapus)"


@dataclass(frozen=True)
class Erasure:
    """What one erasure blanked, by kind (numbers only: the report itself holds nothing)."""

    citizen_id: int | None
    messages: int
    parts: int
    replies: int
    tickets: int
    logs: int


def erase_citizen(services: Services, e164: str, *, actor: str = "cli") -> Erasure | None:
    """Erase one number's person from the store; None when nothing is held for it."""
    digest = services.vault.digest(e164)
    with services.sessions.begin() as session:
        citizen = session.execute(select(Citizen).where(
            Citizen.phone_hash == digest)).scalar_one_or_none()
        cid = citizen.id if citizen else None
        mine = [InboundMessage.sender_hash == digest]
        if cid is not None:
            mine.append(InboundMessage.citizen_id == cid)
        messages = list(session.execute(select(InboundMessage).where(or_(*mine))).scalars())
        parts = list(session.execute(select(InboundPart).where(
            InboundPart.sender_hash == digest)).scalars())
        if citizen is None and not messages and not parts:
            return None
        tombstone = f"{purge.TOMBSTONE}{uuid.uuid4().hex}"
        for message in messages:
            purge.blank_message(message)
            message.sender_hash, message.sender_enc = tombstone, ""
            if message.state == RECEIVED:  # nobody to answer any more
                message.state, message.outcome = PROCESSED, "erased"
        for part in parts:
            purge.blank_part(part)
            part.sender_hash, part.sender_enc = tombstone, ""
        purge.blank_labels(session, [m.id for m in messages])
        replies: list[OutboundMessage] = []
        tickets: list[Ticket] = []
        if citizen is not None:
            citizen.phone_hash, citizen.phone_enc = tombstone, ""
            citizen.phone_masked = ERASED_MASK
            citizen.opted_out = True  # no notification can reach a number that is gone
            replies = list(session.execute(select(OutboundMessage).where(
                OutboundMessage.citizen_id == citizen.id)).scalars())
            for reply in replies:
                purge.blank_outbound(reply)
                if reply.status not in OUTBOUND_FINAL:
                    reply.status = "suppressed"
            tickets = list(session.execute(select(Ticket).where(
                Ticket.citizen_id == citizen.id)).scalars())
            for ticket in tickets:
                purge.blank_ticket(session, ticket)
        logs = purge.blank_logs_of(session, inbound_ids=[m.id for m in messages],
                                   outbound_ids=[r.id for r in replies])
        erasure = Erasure(cid, len(messages), len(parts), len(replies), len(tickets), logs)
        add_audit(session, actor, "citizen.erase", target_type="citizen", target_id=tombstone,
                  messages=erasure.messages, parts=erasure.parts, replies=erasure.replies,
                  tickets=erasure.tickets, logs=erasure.logs)
    return erasure
