"""What the handling of one inbound message works with, inside one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

import parsers
from sms_gateway.complaints.outbox import language_of, queue_sms
from sms_gateway.store.models import Citizen, InboundMessage, Ticket

if TYPE_CHECKING:
    from sms_gateway.services import Services


@dataclass
class Context:
    """What one inbound message's handling works with, inside one transaction."""

    services: Services
    session: Session
    message: InboundMessage
    citizen: Citizen
    result: parsers.ParseResult
    outbound_ids: list[int] = field(default_factory=list)
    forward_ids: list[int] = field(default_factory=list)
    delivery_ids: list[int] = field(default_factory=list)

    @property
    def language(self) -> str:
        return language_of(self.services, self.citizen)

    def reply(self, template: str, *, ticket: Ticket | None = None, **values: str) -> None:
        """Queue the one reply this inbound message gets (a template of replies.py)."""
        row = queue_sms(self.services, self.session, self.citizen, purpose=template,
                        dedupe_key=f"reply:{self.message.id}", template=template, values=values,
                        ticket_id=ticket.id if ticket else None,
                        inbound_message_id=self.message.id)
        if row is not None:
            self.outbound_ids.append(row.id)
