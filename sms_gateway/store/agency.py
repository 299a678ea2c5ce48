"""The agency side's stored state: agencies, API tokens, deliveries, responses, breaches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sms_gateway.store.db import Base, utcnow

# Delivery states: pending (queued or retrying), sending (claimed by a job), delivered,
# failed (gave up), available (pull: waiting for the agency to fetch it).
DELIVERY_STATES = ("pending", "sending", "delivered", "failed", "available")


class AgencyRecord(Base):
    """An agency from the routing directory, copied here so tokens and tickets can refer to it."""

    __tablename__ = "agencies"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    agency_type: Mapped[str] = mapped_column(String(40), index=True)
    region_code: Mapped[str | None] = mapped_column(String(16), index=True)
    level: Mapped[str] = mapped_column(String(16))
    parent: Mapped[str | None] = mapped_column(String(64))
    channels: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Failure tracking across all of this agency's deliveries.
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_success_at: Mapped[datetime | None]
    alerted_at: Mapped[datetime | None]


class AgencyToken(Base):
    """A bearer token of one agency, stored as its SHA-256 only."""

    __tablename__ = "agency_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists to tell tokens apart
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AgencyDelivery(Base):
    """One ticket event (disposisi, escalation) to deliver to one agency over one channel."""

    __tablename__ = "agency_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "agency_code", "channel"),
        Index("ix_agency_deliveries_state_next", "state", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # webhook, email, pull
    target: Mapped[str | None] = mapped_column(String(500))  # URL or e-mail address
    secret_ref: Mapped[str | None] = mapped_column(String(80))
    purpose: Mapped[str] = mapped_column(String(16), default="disposisi")
    # The history entry this delivery announces: one delivery per event, agency and channel.
    event_id: Mapped[int] = mapped_column(ForeignKey("ticket_events.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None]


class ForwardAttempt(Base):
    """One try of a delivery: what the agency's endpoint answered, for failure tracking."""

    __tablename__ = "forward_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("agency_deliveries.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(default=False)
    http_status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(default=0)


class AgencyAlert(Base):
    """An alert raised for an agency, e.g. after repeated delivery failures."""

    __tablename__ = "agency_alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The e-mail to the operators ([agency] alert_emails), sent by a periodic task.
    notified_at: Mapped[datetime | None]
    notify_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    notify_error: Mapped[str | None] = mapped_column(Text)


class AgencyResponse(Base):
    """What an agency answered on a ticket (the text the citizen reads by SMS and CEK)."""

    __tablename__ = "agency_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SlaBreach(Base):
    """A deadline missed: which stage, since when, and to whom it was escalated."""

    __tablename__ = "sla_breaches"
    __table_args__ = (UniqueConstraint("ticket_id", "stage", "since"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    stage: Mapped[str] = mapped_column(String(24))
    agency_code: Mapped[str | None] = mapped_column(String(64), index=True)
    since: Mapped[datetime]
    due_at: Mapped[datetime]
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    escalated_to: Mapped[str | None] = mapped_column(String(64), index=True)


class TicketRating(Base):
    """The citizen's 1-5 rating of an answered ticket."""

    __tablename__ = "ticket_ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    agency_code: Mapped[str | None] = mapped_column(String(64), index=True)
    rating: Mapped[int]
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
