"""The console's audit log: who did what sensitive thing, when and from where."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sms_gateway.store.console import AuditEntry, ConsoleUser
from sms_gateway.store.db import utcnow


def record(session: Session, user: ConsoleUser | None, action: str, *,
           target_type: str | None = None, target_id: object = None,
           remote_addr: str | None = None, **detail: Any) -> AuditEntry:
    """Append one entry to the audit log."""
    entry = AuditEntry(at=utcnow(), user_id=user.id if user else None,
                       actor=user.email if user else "-", action=action,
                       target_type=target_type,
                       target_id=None if target_id is None else str(target_id),
                       remote_addr=remote_addr, detail=detail or None)
    session.add(entry)
    session.flush()
    return entry


def recent(session: Session, *, limit: int = 200, action: str | None = None) -> list[AuditEntry]:
    """The newest audit entries first, optionally of one action."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.execute(query).scalars())
