"""The operator console's tables: users, sessions, login attempts, audit log, locks, labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from sms_gateway.store.db import Base, utcnow

ROLES = ("admin", "operator", "agency", "viewer")


class ConsoleUser(Base):
    """A person who signs in to the console; agency users carry their agency's code."""

    __tablename__ = "console_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    agency_code: Mapped[str | None] = mapped_column(String(64), index=True)
    # Seeing a citizen's full phone number is a separate grant, not part of any role but admin.
    can_reveal_phone: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class ConsoleSession(Base):
    """A signed-in session; the cookie holds a random token, the row only its hash."""

    __tablename__ = "console_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LoginAttempt(Base):
    """One login try, by a hashed key (e-mail or client address), for throttling."""

    __tablename__ = "console_login_attempts"
    __table_args__ = (Index("ix_console_login_attempts_key_at", "key_hash", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(default=False)


class AuditEntry(Base):
    """Append-only record of sensitive console actions (phone reveals, decisions, users)."""

    __tablename__ = "console_audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id"), index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str | None] = mapped_column(String(24))
    target_id: Mapped[str | None] = mapped_column(String(40))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def add_audit(session: Session, actor: str, action: str, *, user_id: int | None = None,
              target_type: str | None = None, target_id: object = None,
              remote_addr: str | None = None, **detail: Any) -> AuditEntry:
    """Append one entry to the audit log: the console's users, an agency, `cli`, `config`.
    Values longer than their columns are cut (an e-mail address as target is often over 40
    characters; Postgres would refuse the row, and the action with it)."""
    entry = AuditEntry(at=utcnow(), user_id=user_id, actor=actor[:254], action=action[:40],
                       target_type=None if target_type is None else target_type[:24],
                       target_id=None if target_id is None else str(target_id)[:40],
                       remote_addr=None if remote_addr is None else remote_addr[:64],
                       detail=detail or None)
    session.add(entry)
    session.flush()
    return entry


class ReviewLock(Base):
    """Who is handling a review-queue message, until when; one row per message."""

    __tablename__ = "console_review_locks"
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"),
                                                    primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id"))
    locked_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LabelledExample(Base):
    """An operator's decision on a message, kept so the parser can learn from it."""

    __tablename__ = "console_labelled_examples"
    id: Mapped[int] = mapped_column(primary_key=True)
    # None for an imported example (`parser labels import`).
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"),
                                                           unique=True)
    text: Mapped[str] = mapped_column(Text)
    # review: a review-queue decision; correction: a ticket's category corrected; import.
    source: Mapped[str] = mapped_column(String(24), default="review")
    actor: Mapped[str | None] = mapped_column(String(254))  # e-mail, or import:<file name>
    # An imported row's identity (text, category, region): importing a file twice adds nothing.
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    decision: Mapped[str] = mapped_column(String(24))
    category: Mapped[str | None] = mapped_column(String(40))  # None: spam, not a complaint
    region_code: Mapped[str | None] = mapped_column(String(16))
    parser_category: Mapped[str | None] = mapped_column(String(40))
    parser_region_code: Mapped[str | None] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("console_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
