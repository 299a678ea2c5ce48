"""Channel logs: every HTTP exchange with a provider, masked, linked to its message, kept N days."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from sms_gateway.store.channels import ChannelLog
from sms_gateway.store.db import utcnow
from sms_gateway.telco.providers.base import WebRequest
from sms_gateway.telco.providers.transport import MAX_BODY_CHARS, Exchange, Redactor

if TYPE_CHECKING:
    from sms_gateway.services import Services

SEND, RECEIVE, STATUS = "send", "receive", "status"


def redactor(services: Services, channel: str) -> Redactor:
    """The masking rules of one channel: its passwords and shared secrets."""
    provider = services.channels.get(channel)
    return _redactor(provider.secrets() if provider is not None else ())


@lru_cache(maxsize=64)
def _redactor(secrets: tuple[str, ...]) -> Redactor:
    # Built once per set of secrets: each webhook's channel log needs one (about 1/50 of the
    # web process's CPU per webhook when built per call, issue 16). Redactors are not changed.
    return Redactor(secrets)


def add(session: Session, channel: str, kind: str, exchanges: Iterable[Exchange], *,
        outbound_id: int | None = None, inbound_id: int | None = None) -> None:
    """Store exchanges (already masked) for one message."""
    for ex in exchanges:
        session.add(ChannelLog(**row(channel, kind, ex, outbound_id=outbound_id,
                                     inbound_id=inbound_id)))


def add_sends(session: Session, sends: Iterable[tuple[str, int, Iterable[Exchange]]]) -> int:
    """Store the send exchanges of many outbound messages, (channel, outbound id, exchanges)
    each, in one executemany INSERT; returns how many."""
    rows = [row(channel, SEND, ex, outbound_id=outbound_id)
            for channel, outbound_id, exchanges in sends for ex in exchanges]
    if rows:
        session.execute(insert(ChannelLog), rows)
    return len(rows)


def row(channel: str, kind: str, ex: Exchange, *, outbound_id: int | None = None,
        inbound_id: int | None = None) -> dict[str, Any]:
    """The columns of one exchange's channel log (created_at aside: the table's default)."""
    return {"channel": channel, "kind": kind, "outbound_message_id": outbound_id,
            "inbound_message_id": inbound_id, "method": ex.method[:8], "url": ex.url,
            "request_headers": ex.request_headers, "request_body": ex.request_body,
            "status": ex.status, "response_body": ex.response_body, "error": ex.error,
            "elapsed_ms": ex.elapsed_ms}


def webhook_exchange(services: Services, channel: str, web: WebRequest, status: int,
                     body: str, started: float) -> Exchange:
    """A provider's call to one of our webhooks as a masked exchange."""
    red = redactor(services, channel)
    request_body = web.body.decode("utf-8", errors="replace")[:MAX_BODY_CHARS]
    return Exchange(web.method, red.text(web.url), red.headers(_plain(web.headers)),
                    red.text(request_body), status, red.text(body[:MAX_BODY_CHARS]),
                    int((time.monotonic() - started) * 1000))


def _plain(headers: Mapping[str, str]) -> dict[str, str]:
    skip = {"host", "content-length", "connection", "accept-encoding"}
    return {k: v for k, v in headers.items() if k.lower() not in skip}


def for_message(session: Session, *, outbound_id: int | None = None,
                inbound_id: int | None = None) -> list[ChannelLog]:
    """The channel logs of one outbound and/or inbound message, oldest first (console view)."""
    conditions = []
    if outbound_id is not None:
        conditions.append(ChannelLog.outbound_message_id == outbound_id)
    if inbound_id is not None:
        conditions.append(ChannelLog.inbound_message_id == inbound_id)
    if not conditions:
        return []
    return list(session.execute(select(ChannelLog).where(or_(*conditions))
                                .order_by(ChannelLog.created_at, ChannelLog.id)).scalars())


def recent(session: Session, channel: str | None = None, limit: int = 100) -> list[ChannelLog]:
    """The newest channel logs, optionally of one channel (console list)."""
    stmt = select(ChannelLog).order_by(ChannelLog.id.desc()).limit(limit)
    if channel:
        stmt = stmt.where(ChannelLog.channel == channel)
    return list(session.execute(stmt).scalars())


def purge(session: Session, days: int) -> int:
    """Delete channel logs older than `days`; returns how many went."""
    cutoff = utcnow() - timedelta(days=days)
    result: Any = session.execute(delete(ChannelLog).where(ChannelLog.created_at < cutoff))
    return int(result.rowcount)
