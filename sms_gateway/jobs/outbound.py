"""Step 3 of an SMS: send one outbound message, once, retrying only retryable failures."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from sms_gateway.db import utcnow
from sms_gateway.dispatch import RetryPolicy
from sms_gateway.models import OUTBOUND_RANK, Citizen, OutboundMessage
from sms_gateway.outbox import SEND_SMS
from sms_gateway.providers.base import OutgoingSms
from sms_gateway.providers.errors import SendError, SendErrorKind
from sms_gateway.services import Services, current

log = logging.getLogger(__name__)


def retry_policy(services: Services) -> RetryPolicy:
    """RQ-side retries matching the configured send attempts."""
    sms = services.config.sms
    return RetryPolicy(max=max(sms.max_send_attempts - 1, 0),
                       intervals=sms.retry_intervals_seconds)


def enqueue_send(services: Services, outbound_id: int) -> None:
    """Queue the send job for one outbound row (replies go ahead of bulk notifications)."""
    services.dispatcher.enqueue(SEND_SMS, outbound_id, job_id=f"send-{outbound_id}",
                                retry=retry_policy(services))


def send_sms(outbound_id: int) -> None:
    """Send one queued SMS; a duplicate or late job finds it claimed or done and does nothing."""
    services = current()
    now = utcnow()
    with services.sessions.begin() as session:
        claimed = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == outbound_id, OutboundMessage.status == "queued")
            .values(status="sending", attempts=OutboundMessage.attempts + 1, updated_at=now)
        ).rowcount
        if not claimed:
            return
        out = session.get(OutboundMessage, outbound_id)
        assert out is not None
        citizen = session.get(Citizen, out.citizen_id)
        assert citizen is not None
        phone = services.vault.decrypt(citizen.phone_enc)
        attempts, body, channel_name = out.attempts, out.body, out.channel
    channel = services.channels.get(channel_name or services.config.sms.outbound,
                                     services.outbound)
    public = services.config.server.public_url.rstrip("/")
    callback = f"{public}/sms/{channel.name}/status" if public else None
    try:
        result = channel.send(OutgoingSms(phone, body, f"out-{outbound_id}", callback))
    except SendError as exc:
        _record_send_error(services, outbound_id, attempts, exc)
        if exc.retryable and attempts < services.config.sms.max_send_attempts:
            raise  # the queue's retry policy runs the job again later
        return
    except Exception as exc:
        _record_send_error(services, outbound_id, attempts,
                           SendError(SendErrorKind.NETWORK, f"{type(exc).__name__}: {exc}"))
        raise
    with services.sessions.begin() as session:
        values = {"provider_message_id": result.provider_message_id, "sent_at": utcnow(),
                  "updated_at": utcnow(), "channel": channel.name, "last_error": None}
        session.execute(update(OutboundMessage).where(OutboundMessage.id == outbound_id)
                        .values(status="sent", **values))
        if OUTBOUND_RANK.get(result.status, 0) > OUTBOUND_RANK["sent"]:
            apply_status(session, channel.name, result.provider_message_id, result.status)


def _record_send_error(services: Services, outbound_id: int, attempts: int,
                       exc: SendError) -> None:
    final = not exc.retryable or attempts >= services.config.sms.max_send_attempts
    intervals = services.config.sms.retry_intervals_seconds or (60,)
    delay = intervals[min(attempts - 1, len(intervals) - 1)]
    log.warning("send of outbound %s failed (try %d, %s): %s", outbound_id, attempts,
                "final" if final else "will retry", exc.kind.label)
    with services.sessions.begin() as session:
        session.execute(
            update(OutboundMessage).where(OutboundMessage.id == outbound_id).values(
                status="failed" if final else "queued",
                last_error=str(exc)[:2000], updated_at=utcnow(),
                next_attempt_at=None if final else utcnow() + timedelta(seconds=delay)))


def apply_status(session: Session, channel: str, provider_message_id: str, status: str) -> int:
    """Move a message's delivery status forward only; returns how many rows changed."""
    rank = OUTBOUND_RANK[status]
    lower = [s for s, r in OUTBOUND_RANK.items() if r < rank]
    values: dict[str, object] = {"status": status, "updated_at": utcnow()}
    if status == "delivered":
        values["delivered_at"] = utcnow()
    result: Any = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.channel == channel,
               OutboundMessage.provider_message_id == provider_message_id,
               OutboundMessage.status.in_(lower))
        .values(**values))
    return int(result.rowcount)
