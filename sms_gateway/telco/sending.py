"""Step 3 of an SMS: send one outbound message, once, retrying only retryable failures.

The job entry point is `sms_gateway.jobs.outbound.send_sms`; this module is what it does.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from sms_gateway.dispatch import SEND_SMS, RetryPolicy
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import OUTBOUND_RANK, PRIORITY_REPLY, Citizen, OutboundMessage
from sms_gateway.telco import channel_logs, channels
from sms_gateway.telco.providers.base import OutgoingSms, SendResult
from sms_gateway.telco.providers.errors import SendError, SendErrorKind
from sms_gateway.telco.providers.transport import Exchange, Redactor, recording
from sms_gateway.telco.status_reports import apply_pending, apply_status

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)


def send_retry(services: Services) -> RetryPolicy:
    """Queue-side retries matching the configured send attempts."""
    sms = services.config.sms
    return RetryPolicy.for_attempts(sms.max_send_attempts, sms.retry_intervals_seconds)


def enqueue_send(services: Services, outbound_id: int, *, reply: bool | None = None) -> None:
    """Queue the send job for one outbound row; replies go ahead of bulk notifications."""
    if reply is None:
        with services.sessions() as session:
            priority = session.execute(select(OutboundMessage.priority).where(
                OutboundMessage.id == outbound_id)).scalar()
        reply = priority is not None and priority <= PRIORITY_REPLY
    services.dispatcher.enqueue(SEND_SMS, outbound_id, job_id=f"send-{outbound_id}",
                                retry=send_retry(services), at_front=reply)


def send(services: Services, outbound_id: int) -> None:
    """Send one queued SMS; a duplicate or late job finds it claimed or done and does nothing.

    The channels are tried in failover order; each waits for its throttle, and every HTTP
    exchange is stored as a channel log of this message.
    """
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
        reply = out.priority <= PRIORITY_REPLY
    public = services.config.server.public_url.rstrip("/")
    error: SendError | None = None
    unexpected: Exception | None = None
    for channel in channels.send_chain(services, channel_name):
        wait = channels.wait_for_token(services, channel.name, reply=reply)
        if wait > 0:
            _hand_back(services, outbound_id, wait)
            return
        callback = f"{public}/sms/{channel.name}/status" if public else None
        sms = OutgoingSms(phone, body, f"out-{outbound_id}", callback)
        with recording() as exchanges:
            try:
                result = channel.send(sms)
            except SendError as exc:
                error = exc
            except Exception as exc:  # recorded, then re-raised below (never swallowed)
                unexpected = exc
                # Nobody knows how far it got: as safe as a lost answer.
                error = SendError(SendErrorKind.UNCERTAIN, f"{type(exc).__name__}: {exc}")
            else:
                error = None
        if error is None:  # the log goes in with the result: one transaction less
            _record_sent(services, outbound_id, channel.name, result, exchanges)
            return
        with services.sessions.begin() as session:
            channel_logs.add(session, channel.name, channel_logs.SEND, exchanges,
                             outbound_id=outbound_id)
        log.warning("send of outbound %s through %s failed: %s", outbound_id, channel.name,
                    error.kind.label)
        if error.kind is SendErrorKind.UNCERTAIN:
            if channel.idempotent_send:  # the channel drops a resend of the same reference
                error = SendError(SendErrorKind.NETWORK, error.detail, status=error.status)
            break  # never fail over: the first channel may have sent it
        if error.retryable:
            channels.mark_failing(services, channel.name)
        elif error.kind is not SendErrorKind.CONFIG:
            break  # the SMS itself was refused: another channel would refuse it too
    assert error is not None
    _record_send_error(services, outbound_id, attempts, error)
    if unexpected is not None:
        raise unexpected
    if error.retryable and attempts < services.config.sms.max_send_attempts:
        raise error  # the queue's retry policy runs the job again later


def _record_sent(services: Services, outbound_id: int, channel: str, result: SendResult,
                 exchanges: list[Exchange]) -> None:
    with services.sessions.begin() as session:
        channel_logs.add(session, channel, channel_logs.SEND, exchanges, outbound_id=outbound_id)
        values = {"provider_message_id": result.provider_message_id, "sent_at": utcnow(),
                  "updated_at": utcnow(), "channel": channel, "last_error": None}
        session.execute(update(OutboundMessage).where(OutboundMessage.id == outbound_id)
                        .values(status="sent", **values))
        if OUTBOUND_RANK.get(result.status, 0) > OUTBOUND_RANK["sent"]:
            apply_status(session, channel, result.provider_message_id, result.status)
        # Delivery reports that overtook this very record.
        apply_pending(session, channel, result.provider_message_id)


def _hand_back(services: Services, outbound_id: int, wait: float) -> None:
    """The channel is saturated: give the SMS back (uncounted) for the sweeper to requeue."""
    log.info("outbound %s throttled; handed back for %.1fs", outbound_id, wait)
    with services.sessions.begin() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.id == outbound_id).values(
            status="queued", attempts=OutboundMessage.attempts - 1,
            next_attempt_at=utcnow() + timedelta(seconds=wait),
            updated_at=utcnow() - timedelta(seconds=services.config.queue.stuck_after_seconds)))


def _record_send_error(services: Services, outbound_id: int, attempts: int,
                       exc: SendError) -> None:
    final = not exc.retryable or attempts >= services.config.sms.max_send_attempts
    # Maybe sent: settle as "unknown" for an operator rather than risk a second SMS.
    status = "unknown" if exc.kind is SendErrorKind.UNCERTAIN else "failed"
    delay = send_retry(services).delay(attempts)
    log.warning("send of outbound %s failed (try %d, %s): %s", outbound_id, attempts,
                "final" if final else "will retry", exc.kind.label)
    with services.sessions.begin() as session:
        session.execute(
            update(OutboundMessage).where(OutboundMessage.id == outbound_id).values(
                status=status if final else "queued",
                # Provider error texts may quote the number (Twilio 21211): mask it.
                last_error=Redactor().text(str(exc))[:2000], updated_at=utcnow(),
                next_attempt_at=None if final else utcnow() + timedelta(seconds=delay)))

