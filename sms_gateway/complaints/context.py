"""What the handling of one inbound message works with, inside its chunk's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

import parsers
from sms_gateway.complaints import outbox
from sms_gateway.complaints.chunk import Chunk
from sms_gateway.store import rows
from sms_gateway.store.models import Citizen, InboundMessage, Ticket

if TYPE_CHECKING:
    from sms_gateway.services import Services


@dataclass
class Context:
    """What one inbound message's handling works with, inside its chunk's transaction.

    New tickets and replies get their ids from the chunk's flush: `outbound_ids` and
    `forward_ids` are read after it.
    """

    chunk: Chunk
    message: InboundMessage
    citizen: Citizen
    result: parsers.ParseResult
    replies: list[rows.Row] = field(default_factory=list)  # outbound_messages rows
    forwards: list[Ticket] = field(default_factory=list)
    delivery_ids: list[int] = field(default_factory=list)

    @property
    def services(self) -> Services:
        return self.chunk.services

    @property
    def session(self) -> Session:
        return self.chunk.session

    @property
    def language(self) -> str:
        return outbox.language_of(self.services, self.citizen)

    @property
    def ticket(self) -> Ticket | None:
        """The ticket this message belongs to (opened, joined or followed up), if any."""
        return self.chunk.ticket_of.get(self.message.id)

    def attach(self, ticket: Ticket) -> None:
        """This message belongs to the ticket (its ticket_id, written at the chunk's end)."""
        self.chunk.ticket_of[self.message.id] = ticket

    def forward(self, ticket: Ticket) -> None:
        """Forward the routed ticket to its agency once the chunk is committed."""
        self.forwards.append(ticket)
        self.chunk.forwarding.append(ticket)

    @property
    def outbound_ids(self) -> list[int]:
        return [row["id"] for row in self.replies]

    @property
    def forward_ids(self) -> list[int]:
        return [ticket.id for ticket in self.forwards]

    def reply(self, template: str, *, ticket: Ticket | None = None, **values: str) -> None:
        """Queue the one reply this inbound message gets (a template of replies.py)."""
        key = f"reply:{self.message.id}"
        # In a batch the message was claimed by this transaction, so nothing replied to it
        # yet (and the unique key would fail the batch, which is then processed one by one).
        # Alone, a reply queued already is one of its rows, or one of an earlier try's.
        if self.chunk.alone and (any(row["dedupe_key"] == key for row in self.replies)
                                 or outbox.is_queued(self.session, key)):
            return
        row = outbox.add_reply(self.services, self.session, self.citizen, template=template,
                               values=values, dedupe_key=key, ticket=ticket,
                               inbound_message_id=self.message.id)
        self.replies.append(row)
        self.chunk.replies.append(row)
