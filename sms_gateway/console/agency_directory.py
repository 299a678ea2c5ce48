"""The stored agencies as the admin pages show them: search, channels without secrets, tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sms_gateway.console.settings import mask_url
from sms_gateway.store.agency import AgencyAlert, AgencyRecord, AgencyToken
from sms_gateway.store.db import utcnow

LEVELS = ("nasional", "provinsi", "kabkota")


@dataclass(frozen=True)
class ChannelView:
    """One channel as shown: kind, where it goes, and the env variable holding its secret."""

    kind: str
    target: str
    secret_ref: str


@dataclass(frozen=True)
class Row:
    agency: AgencyRecord
    active_tokens: int

    @property
    def open_alert(self) -> bool:
        """An alert stays open until the agency delivers again (the forward job resets it)."""
        return self.agency.alerted_at is not None

    @property
    def channels(self) -> list[ChannelView]:
        return channel_views(self.agency)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def channel_views(agency: AgencyRecord) -> list[ChannelView]:
    """The agency's channels; a URL loses any password, and a secret is named, never shown."""
    views = []
    for channel in agency.channels or [{"kind": "pull"}]:
        target = channel.get("url") or channel.get("address") or ""
        views.append(ChannelView(kind=str(channel.get("kind", "")),
                                 target=mask_url(str(target)),
                                 secret_ref=str(channel.get("secret_ref") or "")))
    return views


def search(session: Session, *, q: str = "", level: str = "", troubled: bool = False,
           page: int = 1, page_size: int = 50) -> tuple[list[Row], int]:
    """One page of stored agencies matching code or name, troubled ones first, and the total."""
    query = select(AgencyRecord)
    for word in q.split():  # every word, in the code or the name: "pupr kota bandung"
        pattern = f"%{_escape(word)}%"
        query = query.where(or_(AgencyRecord.code.ilike(pattern, escape="\\"),
                                AgencyRecord.name.ilike(pattern, escape="\\")))
    if level:
        query = query.where(AgencyRecord.level == level)
    if troubled:
        query = query.where(or_(AgencyRecord.consecutive_failures > 0,
                                AgencyRecord.alerted_at.is_not(None)))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    records = list(session.execute(
        query.order_by(AgencyRecord.consecutive_failures.desc(), AgencyRecord.code)
        .limit(page_size).offset((page - 1) * page_size)).scalars())
    counts = active_token_counts(session, [r.code for r in records])
    return [Row(r, counts.get(r.code, 0)) for r in records], total


def active_token_counts(session: Session, codes: list[str]) -> dict[str, int]:
    if not codes:
        return {}
    rows = session.execute(select(AgencyToken.agency_code, func.count())
                           .where(AgencyToken.agency_code.in_(codes),
                                  AgencyToken.revoked_at.is_(None))
                           .group_by(AgencyToken.agency_code)).all()
    return {code: int(n) for code, n in rows}


def tokens_of(session: Session, code: str) -> list[AgencyToken]:
    """The agency's tokens (hashes never leave this module's callers), newest first."""
    return list(session.execute(select(AgencyToken).where(AgencyToken.agency_code == code)
                                .order_by(AgencyToken.created_at.desc(),
                                          AgencyToken.id.desc())).scalars())


def alerts_of(session: Session, code: str, limit: int = 10) -> list[AgencyAlert]:
    return list(session.execute(select(AgencyAlert).where(AgencyAlert.agency_code == code)
                                .order_by(AgencyAlert.at.desc()).limit(limit)).scalars())


def revoke_one(session: Session, code: str, token_id: int) -> AgencyToken | None:
    """Revoke one active token of this agency; None when there is no such active token."""
    token = session.get(AgencyToken, token_id)
    if token is None or token.agency_code != code or token.revoked_at is not None:
        return None
    token.revoked_at = utcnow()
    return token


def summary(session: Session) -> dict[str, Any]:
    """How many agencies are stored, when they were last synced, and how many are troubled."""
    total, synced = session.execute(select(func.count(), func.max(AgencyRecord.synced_at))).one()
    troubled = session.execute(select(func.count()).where(or_(
        AgencyRecord.consecutive_failures > 0, AgencyRecord.alerted_at.is_not(None)))
    ).scalar_one()
    return {"total": int(total), "synced_at": synced, "troubled": int(troubled)}
