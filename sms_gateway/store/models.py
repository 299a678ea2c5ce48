"""The stored state of the gateway: messages, citizens, tickets and their history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Double, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sms_gateway.store.db import Base, utcnow

# Inbound processing states.
RECEIVED, PROCESSED, FAILED = "received", "processed", "failed"
# Outbound delivery states, ranked so that a status only ever moves forward.
OUTBOUND_RANK = {"queued": 0, "sending": 1, "sent": 2, "unknown": 3, "held": 3,
                 "delivered": 4, "undelivered": 4, "failed": 4, "suppressed": 4}
OUTBOUND_FINAL = frozenset({"delivered", "undelivered", "failed", "suppressed"})
# Outbound priorities: replies answer what the citizen just sent and go first; notifications
# are unsolicited and respect STOP.
PRIORITY_REPLY, PRIORITY_NOTIFICATION = 0, 5


class Citizen(Base):
    """A phone number that has written to the gateway, kept encrypted with a keyed hash."""

    __tablename__ = "citizens"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)
    phone_enc: Mapped[str] = mapped_column(Text)
    phone_masked: Mapped[str] = mapped_column(String(32))
    opted_out: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[datetime | None]
    language: Mapped[str] = mapped_column(String(5), default="id")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMessage(Base):
    """One SMS as a provider delivered it, stored before the provider gets its answer."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "provider_message_id"),
        Index("ix_inbound_state_received", "state", "received_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(40))
    provider: Mapped[str] = mapped_column(String(20))
    provider_message_id: Mapped[str] = mapped_column(String(128))
    sender_hash: Mapped[str] = mapped_column(String(64), index=True)
    sender_enc: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str] = mapped_column(String(32), default="")
    text: Mapped[str | None] = mapped_column(Text)
    raw_enc: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default=RECEIVED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    parse: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", use_alter=True),
                                                  index=True)
    review_status: Mapped[str | None] = mapped_column(String(16), index=True)
    review_reason: Mapped[str | None] = mapped_column(String(64))


class TicketCase(Base):
    """One problem many citizens reported: its tickets share it, and the agency answers it once."""

    __tablename__ = "ticket_cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80), default="system")


class Ticket(Base):
    """A complaint: public number, what and where, who handles it, and its status."""

    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(7), unique=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    # Unique: one message never creates two tickets, whatever the workers do.
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id"), unique=True)
    source: Mapped[str] = mapped_column(String(16), default="sms")
    category: Mapped[str] = mapped_column(String(40), index=True)
    region_code: Mapped[str | None] = mapped_column(String(16), index=True)
    region_name: Mapped[str | None] = mapped_column(String(120))
    # A kelurahan that only a street or address suggests (parsers: probable_region): shown to
    # operators and agencies as probable, never used for routing until someone confirms it.
    probable_region_code: Mapped[str | None] = mapped_column(String(16))
    probable_region_name: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[bool] = mapped_column(default=False)
    confidential: Mapped[bool] = mapped_column(default=False)
    # A complaint about officials' own conduct: routed to the oversight body (docs/agencies.md 6).
    about_officials: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(24), default="belum_terverifikasi", index=True)
    agency_code: Mapped[str | None] = mapped_column(String(64), index=True)
    agency_name: Mapped[str | None] = mapped_column(String(200))
    awaiting: Mapped[str | None] = mapped_column(String(16))  # "location", "rating"
    rating: Mapped[int | None]
    # WGS 84 coordinates when the filer gave them (Open311 lat/long); SMS has none.
    latitude: Mapped[float | None] = mapped_column(Double)
    longitude: Mapped[float | None] = mapped_column(Double)
    # An operator approved the description for publication (Open311 shows it redacted).
    text_published_at: Mapped[datetime | None]
    text_published_by: Mapped[str | None] = mapped_column(String(254))
    # The case this ticket shares with other reporters of the same problem (None: alone).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TicketEvent(Base):
    """Append-only history of a ticket: what happened, who did it and when."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(80), default="system")
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Set instead of ticket_id for a ticket not inserted yet: the flush inserts the ticket
    # first and fills ticket_id (batched processing writes a chunk's rows in one flush).
    ticket: Mapped[Ticket] = relationship(lazy="raise_on_sql")


class OutboundMessage(Base):
    """One SMS to a citizen: body, encoding, and a delivery status that only moves forward."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"),
                                                           index=True)
    # Unique per cause ("reply:<inbound id>", "status:<event id>"): a re-run adds no second SMS.
    dedupe_key: Mapped[str] = mapped_column(String(80), unique=True)
    purpose: Mapped[str] = mapped_column(String(24))
    priority: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(String(8))
    segments: Mapped[int] = mapped_column(default=1)
    channel: Mapped[str | None] = mapped_column(String(40))
    provider_message_id: Mapped[str | None] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    # As TicketEvent.ticket: set for a ticket not inserted yet.
    ticket: Mapped[Ticket | None] = relationship(lazy="raise_on_sql")
