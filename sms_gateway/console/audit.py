"""The console's audit log: who did what sensitive thing, when and from where."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sms_gateway.store.console import AuditEntry, ConsoleUser, add_audit


def record(session: Session, user: ConsoleUser | None, action: str, *,
           target_type: str | None = None, target_id: object = None,
           remote_addr: str | None = None, actor: str = "-", **detail: Any) -> AuditEntry:
    """Append one entry to the audit log: by a console user, else by `actor` (`cli:<name>`)."""
    return add_audit(session, user.email if user else actor, action,
                     user_id=user.id if user else None, target_type=target_type,
                     target_id=target_id, remote_addr=remote_addr, **detail)


def recent(session: Session, *, limit: int = 200, action: str | None = None) -> list[AuditEntry]:
    """The newest audit entries first, optionally of one action."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.execute(query).scalars())
