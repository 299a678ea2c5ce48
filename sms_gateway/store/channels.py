"""Tables of the telco side: channel logs, early delivery reports, parts of long SMS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sms_gateway.store.db import Base, utcnow


class ChannelLog(Base):
    """One HTTP exchange with a provider, secrets and phone numbers masked, kept N days."""

    __tablename__ = "channel_logs"
    __table_args__ = (Index("ix_channel_logs_created", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # send, receive, status
    outbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="CASCADE"), index=True)
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(Text)
    request_headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[int | None]
    response_body: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    elapsed_ms: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PendingStatus(Base):
    """A delivery report that came before its send was recorded; applied once it is."""

    __tablename__ = "pending_statuses"
    __table_args__ = (Index("ix_pending_statuses_lookup", "channel", "provider_message_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(40))
    provider_message_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundPart(Base):
    """One part of a long SMS, held until its siblings arrive or the window closes."""

    __tablename__ = "inbound_parts"
    __table_args__ = (
        UniqueConstraint("channel", "provider_message_id"),
        Index("ix_inbound_parts_group", "channel", "sender_hash", "reference"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(40))
    provider: Mapped[str] = mapped_column(String(20))
    provider_message_id: Mapped[str] = mapped_column(String(128))
    sender_hash: Mapped[str] = mapped_column(String(64))
    sender_enc: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str] = mapped_column(String(32), default="")
    reference: Mapped[str] = mapped_column(String(64))  # UDH reference or "text:<total>"
    part: Mapped[int]
    total: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    raw_enc: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once the parts are joined into one inbound message.
    joined_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), index=True)
