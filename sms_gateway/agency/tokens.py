"""Agency API tokens: random bearer strings, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from sms_gateway.store.agency import AgencyRecord, AgencyToken
from sms_gateway.store.db import utcnow

PREFIX = "lpr_"


def hash_token(token: str) -> str:
    """Return the stored form of a token (a plain hash suffices: tokens are 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, agency_code: str, label: str = "") -> str:
    """Create a token for an agency already stored; returns the token, shown only this once."""
    if session.get(AgencyRecord, agency_code) is None:
        raise LookupError(f"unknown agency {agency_code!r}")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(AgencyToken(agency_code=agency_code, token_hash=hash_token(token),
                            prefix=token[:10], label=label[:80], created_at=utcnow()))
    session.flush()
    return token


def agency_for_token(session: Session, token: str) -> AgencyRecord | None:
    """Return the agency a valid, unrevoked token belongs to, and note its use."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = session.execute(select(AgencyToken).where(
        AgencyToken.token_hash == hash_token(token),
        AgencyToken.revoked_at.is_(None))).scalar_one_or_none()
    if row is None:
        return None
    row.last_used_at = utcnow()
    return session.get(AgencyRecord, row.agency_code)


def revoke_tokens(session: Session, agency_code: str) -> int:
    """Revoke every token of an agency; returns how many were active."""
    rows = session.execute(select(AgencyToken).where(
        AgencyToken.agency_code == agency_code, AgencyToken.revoked_at.is_(None))).scalars().all()
    for row in rows:
        row.revoked_at = utcnow()
    return len(rows)
