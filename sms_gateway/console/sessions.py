"""Server-side console sessions that expire, and the CSRF token every form carries."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import session as cookie
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sms_gateway.config import ConsoleConfig
from sms_gateway.store.console import ConsoleSession, ConsoleUser, LoginAttempt
from sms_gateway.store.db import utcnow

# Touching last_seen on every request would write on every page view; once a minute is enough.
TOUCH_EVERY = timedelta(minutes=1)
ATTEMPTS_KEPT = timedelta(days=1)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db: Session, user: ConsoleUser, config: ConsoleConfig) -> str:
    """Open a session for a user; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(ConsoleSession(token_hash=_hash(token), user_id=user.id, created_at=now,
                          last_seen_at=now,
                          expires_at=now + timedelta(hours=config.session_max_hours)))
    # Old sessions and login attempts of anyone are cleaned up here rather than by another
    # periodic job (throttling looks back minutes, not days).
    db.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    db.execute(delete(LoginAttempt).where(LoginAttempt.at < now - ATTEMPTS_KEPT))
    db.flush()
    return token


def resume(db: Session, token: str, config: ConsoleConfig) -> ConsoleUser | None:
    """Return the user of a live session (touching it), or None when expired or unknown."""
    row = db.execute(select(ConsoleSession).where(
        ConsoleSession.token_hash == _hash(token))).scalar_one_or_none()
    if row is None:
        return None
    now = utcnow()
    idle = timedelta(minutes=config.session_idle_minutes)
    if now >= row.expires_at or now - row.last_seen_at >= idle:
        db.delete(row)
        return None
    user = db.get(ConsoleUser, row.user_id)
    if user is None or not user.active:
        db.delete(row)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return user


def end(db: Session, token: str) -> None:
    """Close a session (logout)."""
    db.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _hash(token)))


def end_all(db: Session, user_id: int) -> None:
    """Close every session of a user (deactivation, password change)."""
    db.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))


def csrf_token() -> str:
    """The CSRF token of this browser session, created on first use."""
    token = cookie.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        cookie[CSRF_FIELD] = token
    return str(token)


def rotate_csrf() -> None:
    """Issue a fresh CSRF token (on login and logout)."""
    cookie[CSRF_FIELD] = secrets.token_urlsafe(32)


def csrf_ok(sent: str | None) -> bool:
    """True when the token sent with a request is this session's token."""
    expected = cookie.get(CSRF_FIELD)
    return bool(sent and expected and hmac.compare_digest(str(sent), str(expected)))
