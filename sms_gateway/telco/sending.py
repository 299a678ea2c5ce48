"""Step 3 of an SMS: send one outbound message, once, retrying only retryable failures.

The job entry point is `sms_gateway.jobs.outbound.send_sms`; this module is what it does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from sms_gateway.dispatch import SEND_SMS, RetryPolicy, run_or_queue
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import OUTBOUND_RANK, PRIORITY_REPLY, Citizen, OutboundMessage
from sms_gateway.telco import channel_logs, channels
from sms_gateway.telco.providers.base import OutgoingSms, Provider, SendResult
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


@dataclass(frozen=True, slots=True)
class Decision:
    """What one failed try on one channel leads to."""

    next_channel: bool  # try the next channel of the chain at once
    cool_channel: bool  # mark this channel as failing, so sends fail over for a while
    status: str  # the row's status if this is the last try: queued (retry), failed, unknown
    retry: bool  # the job is run again later


def decide(kind: SendErrorKind, *, idempotent: bool, attempts: int,
           max_attempts: int) -> Decision:
    """Map a failed try (error kind, channel, attempts so far) onto what happens next."""
    later = attempts < max_attempts
    if kind is SendErrorKind.UNCERTAIN:
        # Never fail over: the first channel may have sent it.
        if idempotent:  # the channel drops a resend of the same reference: a plain retry
            return Decision(False, False, "queued" if later else "failed", later)
        # Maybe sent: the sweeper settles it (asks the provider, or on_uncertain decides).
        return Decision(False, False, "unknown", False)
    if kind.retryable:
        return Decision(True, True, "queued" if later else "failed", later)
    if kind is SendErrorKind.CONFIG:  # this channel cannot send at all: the next one may
        return Decision(True, False, "failed", False)
    # The SMS itself was refused: another channel would refuse it too.
    return Decision(False, False, "failed", False)


@dataclass(frozen=True, slots=True)
class _Claimed:
    phone: str
    body: str
    channel: str | None
    attempts: int
    reply: bool


def send_soon(services: Services, outbound_id: int, *, reply: bool = True) -> None:
    """Hand one send to this process's send pool and return; without a pool, send it here.

    A send that fails in the pool is queued for a retry after the policy's first interval,
    like a follow-up job that failed (dispatch.run_or_queue).
    """
    retry = send_retry(services)
    job_id = f"send-{outbound_id}"

    def queue_retry(exc: Exception) -> None:
        log.warning("send of outbound %s failed in the pool (%s); queued for a retry",
                    outbound_id, type(exc).__name__)
        services.dispatcher.enqueue(SEND_SMS, outbound_id, job_id=job_id, retry=retry,
                                    at_front=reply, delay=retry.delay(1))

    pool = services.send_pool
    if pool is not None and pool.submit(lambda: send(services, outbound_id), queue_retry):
        return
    run_or_queue(services.dispatcher, SEND_SMS, outbound_id, job_id=job_id, retry=retry,
                 at_front=reply)


def send(services: Services, outbound_id: int) -> None:
    """Send one queued SMS; a duplicate or late job finds it claimed or done and does nothing.

    The channels are tried in failover order; each waits for its throttle, and every HTTP
    exchange is stored as a channel log of this message.
    """
    claimed = _claim(services, outbound_id)
    if claimed is None:
        return
    public = services.config.server.public_url.rstrip("/")
    max_attempts = services.config.sms.max_send_attempts
    error: SendError | None = None
    unexpected: Exception | None = None
    decision: Decision | None = None
    for channel in channels.send_chain(services, claimed.channel):
        wait = channels.wait_for_token(services, channel.name, reply=claimed.reply)
        if wait > 0:
            _hand_back(services, outbound_id, wait)
            return
        callback = f"{public}/sms/{channel.name}/status" if public else None
        sms = OutgoingSms(claimed.phone, claimed.body, f"out-{outbound_id}", callback)
        result, error, unexpected, exchanges = _try(channel, sms)
        if result is not None:  # the log goes in with the result: one transaction less
            _record_sent(services, outbound_id, channel.name, result, exchanges)
            return
        assert error is not None
        with services.sessions.begin() as session:
            channel_logs.add(session, channel.name, channel_logs.SEND, exchanges,
                             outbound_id=outbound_id)
        log.warning("send of outbound %s through %s failed: %s", outbound_id, channel.name,
                    error.kind.label)
        decision = decide(error.kind, idempotent=channel.idempotent_send,
                          attempts=claimed.attempts, max_attempts=max_attempts)
        if decision.cool_channel:
            channels.mark_failing(services, channel.name)
        if not decision.next_channel:
            break
    assert error is not None and decision is not None  # the chain is never empty
    _record_send_error(services, outbound_id, claimed.attempts, decision, error)
    if unexpected is not None:
        raise unexpected
    if decision.retry:
        raise error  # the queue's retry policy runs the job again later


def _claim(services: Services, outbound_id: int) -> _Claimed | None:
    """Flip the row from queued to sending; None if another job has it or it is done."""
    with services.sessions.begin() as session:
        row = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == outbound_id, OutboundMessage.status == "queued")
            .values(status="sending", attempts=OutboundMessage.attempts + 1, updated_at=utcnow())
            .returning(OutboundMessage.citizen_id, OutboundMessage.body,
                       OutboundMessage.channel, OutboundMessage.attempts,
                       OutboundMessage.priority)
            .execution_options(synchronize_session=False)).one_or_none()
        if row is None:
            return None
        phone_enc = session.execute(select(Citizen.phone_enc).where(
            Citizen.id == row.citizen_id)).scalar_one()
        return _Claimed(services.vault.decrypt(phone_enc), row.body, row.channel,
                        row.attempts, row.priority <= PRIORITY_REPLY)


def _try(channel: Provider, sms: OutgoingSms) -> tuple[
        SendResult | None, SendError | None, Exception | None, list[Exchange]]:
    """One call to one channel: (result, error, unexpected exception, HTTP exchanges)."""
    with recording() as exchanges:
        try:
            return channel.send(sms), None, None, exchanges
        except SendError as exc:
            return None, exc, None, exchanges
        except Exception as exc:  # recorded, then re-raised by send (never swallowed)
            # Nobody knows how far it got: as safe as a lost answer.
            return None, SendError(SendErrorKind.UNCERTAIN, f"{type(exc).__name__}: {exc}"), \
                exc, exchanges


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
                       decision: Decision, exc: SendError) -> None:
    delay = send_retry(services).delay(attempts)
    log.warning("send of outbound %s failed (try %d, %s): %s", outbound_id, attempts,
                "will retry" if decision.retry else decision.status, exc.kind.label)
    with services.sessions.begin() as session:
        session.execute(
            update(OutboundMessage).where(OutboundMessage.id == outbound_id).values(
                status=decision.status,
                # Provider error texts may quote the number (Twilio 21211): mask it.
                last_error=Redactor().text(str(exc))[:2000], updated_at=utcnow(),
                next_attempt_at=utcnow() + timedelta(seconds=delay) if decision.retry
                else None))
