"""Step 3 of an SMS: send outbound messages, each once, retrying only retryable failures.

The job entry point is `sms_gateway.jobs.outbound.send_sms` (one message); the processing
step hands the replies of a whole batch to `send_many`. Rows are claimed many in one
statement, sent one per pool thread, and their results written down together
(telco/send_records.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, bindparam, select, update

from sms_gateway.dispatch import SEND_SMS, RetryPolicy, run_or_queue
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import PRIORITY_REPLY, Citizen, OutboundMessage
from sms_gateway.telco import channels
from sms_gateway.telco.providers.base import OutgoingSms, Provider, SendResult
from sms_gateway.telco.providers.errors import SendError, SendErrorKind
from sms_gateway.telco.providers.transport import Exchange, recording
from sms_gateway.telco.send_pool import SendPool
from sms_gateway.telco.send_records import (
    Sent,
    hand_back,
    record_failed_try,
    record_send_error,
    record_sent,
    write_sent,
)

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
class Claimed:
    """An outbound row this process has flipped to `sending`: what its send needs."""

    outbound_id: int
    phone: str
    body: str
    channel: str | None
    attempts: int
    reply: bool
    at: float = field(default_factory=time.monotonic)  # when it was claimed (monotonic)


def open_pool(services: Services, size: int) -> SendPool:
    """A send pool whose sends' results are written down together (send_records.write_sent)."""
    return SendPool(size, partial(write_sent, services))


def send_soon(services: Services, outbound_id: int, *, reply: bool = True) -> None:
    """The `send_sms` job's hand-over to the send pool: claimed here, sent there.

    A claim that fails raises, so the job's own retry policy runs it again.
    """
    send_many(services, [outbound_id], reply=reply, queue_claim_errors=False)


def send_many(services: Services, outbound_ids: Sequence[int], *, reply: bool = True,
              queue_claim_errors: bool = True) -> None:
    """Hand sends to this process's send pool and return; without a pool, send each here.

    The pool's free threads are reserved first (waiting for one if none is free), then as many
    rows claimed in one statement, so a row is `sending` only once a thread will send it. A
    send that fails in the pool, or a claim that fails, is queued for a retry after the
    policy's first interval, like a follow-up job that failed (dispatch.run_or_queue).
    """
    ids = list(dict.fromkeys(outbound_ids))
    pool = services.send_pool
    while ids and pool is not None:
        slots = pool.reserve(len(ids))
        if not slots:  # the pool stopped: the rest is sent here
            break
        chunk, ids = ids[:slots], ids[slots:]
        try:
            claimed = claim(services, chunk)
        except Exception as exc:  # noqa: BLE001 - queued for a retry, as a failed send
            pool.release(slots)
            if not queue_claim_errors:
                raise
            for outbound_id in chunk:
                _queue_retry(services, outbound_id, reply, exc)
            continue
        pool.release(slots - len(claimed))
        for c in claimed:
            if not pool.run(partial(deliver, services, c, pool.record),
                            partial(_queue_retry, services, c.outbound_id, c.reply)):
                _deliver_here(services, c)  # stopped meanwhile: sent here, the row is ours
    retry = send_retry(services)
    for outbound_id in ids:
        if pool is None:
            run_or_queue(services.dispatcher, SEND_SMS, outbound_id,
                         job_id=f"send-{outbound_id}", retry=retry, at_front=reply)
        # The pool takes no more sends: sent here (its job would hand it back).
        elif not queue_claim_errors:  # the send job: a failure raises for its own retry
            send(services, outbound_id)
        else:
            try:
                send(services, outbound_id)
            except Exception as exc:  # noqa: BLE001 - recorded by deliver, then retried
                _queue_retry(services, outbound_id, reply, exc)


def _deliver_here(services: Services, claimed: Claimed) -> None:
    try:
        deliver(services, claimed)
    except Exception as exc:  # noqa: BLE001 - recorded by deliver, then retried from the queue
        _queue_retry(services, claimed.outbound_id, claimed.reply, exc)


def _queue_retry(services: Services, outbound_id: int, reply: bool, exc: Exception) -> None:
    log.warning("send of outbound %s failed in the pool (%s); queued for a retry",
                outbound_id, type(exc).__name__)
    retry = send_retry(services)
    services.dispatcher.enqueue(SEND_SMS, outbound_id, job_id=f"send-{outbound_id}",
                                retry=retry, at_front=reply, delay=retry.delay(1))


def send(services: Services, outbound_id: int) -> None:
    """Send one queued SMS; a duplicate or late job finds it claimed or done and does nothing."""
    for c in claim(services, [outbound_id]):
        deliver(services, c)


# Built once, Core, not the ORM: a claim runs for every batch of sends and synchronises no
# objects. Its RETURNING reads each row's citizen's number (a correlated scalar subquery).
_outbound = cast(Table, OutboundMessage.__table__)
_citizens = cast(Table, Citizen.__table__)
_CLAIM = (
    update(_outbound)
    .where(_outbound.c.id.in_(bindparam("ids", expanding=True)), _outbound.c.status == "queued")
    .values(status="sending", attempts=_outbound.c.attempts + 1, updated_at=bindparam("now"))
    .returning(_outbound.c.id, _outbound.c.body, _outbound.c.channel, _outbound.c.attempts,
               _outbound.c.priority,
               select(_citizens.c.phone_enc).where(_citizens.c.id == _outbound.c.citizen_id)
               .correlate(_outbound).scalar_subquery().label("phone_enc")))


def claim(services: Services, outbound_ids: Sequence[int]) -> list[Claimed]:
    """Flip these rows from queued to sending in one statement, which also reads what their
    sends need; rows another job has or that are done are left out."""
    if not outbound_ids:
        return []
    # Decrypted inside the transaction: a number that cannot be read leaves the rows queued.
    with services.sessions.begin() as session:
        rows = session.execute(_CLAIM, {"ids": list(outbound_ids), "now": utcnow()}).all()
        claimed = [Claimed(r.id, services.vault.decrypt(r.phone_enc), r.body, r.channel,
                           r.attempts, r.priority <= PRIORITY_REPLY) for r in rows]
    order = {outbound_id: i for i, outbound_id in enumerate(outbound_ids)}
    return sorted(claimed, key=lambda c: order[c.outbound_id])


def deliver(services: Services, claimed: Claimed,
            record: Callable[[Sent], bool] | None = None) -> None:
    """Send one claimed SMS through the channels in failover order, each after its throttle.

    Every HTTP exchange is stored as a channel log of this message. A success goes to `record`
    (the pool's recorder, written with others) or, without one, is written down here.
    """
    outbound_id = claimed.outbound_id
    public = services.config.server.public_url.rstrip("/")
    max_attempts = services.config.sms.max_send_attempts
    error: SendError | None = None
    unexpected: Exception | None = None
    decision: Decision | None = None
    for channel in channels.send_chain(services, claimed.channel):
        wait = channels.wait_for_token(services, channel.name, reply=claimed.reply)
        if wait > 0:
            log.info("outbound %s throttled; handed back for %.1fs", outbound_id, wait)
            hand_back(services, outbound_id, wait)
            return
        callback = f"{public}/sms/{channel.name}/status" if public else None
        sms = OutgoingSms(claimed.phone, claimed.body, f"out-{outbound_id}", callback)
        # The row waits `sending` (throttles, slots, channels that failed): past
        # stuck_after_seconds the sweeper would take it for a send cut off and send it again.
        left = services.config.queue.stuck_after_seconds / 2 - (time.monotonic() - claimed.at)
        with channels.in_flight_slot(services, channel.name, max(left, 0.0)) as free:
            if not free:  # the channel is that far behind: not sent, not counted
                log.info("outbound %s waited too long for %s; handed back", outbound_id,
                         channel.name)
                hand_back(services, outbound_id, 0)
                return
            result, error, unexpected, exchanges = _try(channel, sms)
        if result is not None:
            sent = Sent(outbound_id, channel.name, result, exchanges)
            if record is None or not record(sent):
                record_sent(services, [sent])
            return
        assert error is not None
        record_failed_try(services, channel.name, outbound_id, exchanges)
        log.warning("send of outbound %s through %s failed: %s", outbound_id, channel.name,
                    error.kind.label)
        decision = decide(error.kind, idempotent=channel.idempotent_send,
                          attempts=claimed.attempts, max_attempts=max_attempts)
        if decision.cool_channel:
            channels.mark_failing(services, channel.name)
        if not decision.next_channel:
            break
    assert error is not None and decision is not None  # the chain is never empty
    log.warning("send of outbound %s failed (try %d, %s): %s", outbound_id, claimed.attempts,
                "will retry" if decision.retry else decision.status, error.kind.label)
    delay = send_retry(services).delay(claimed.attempts)
    record_send_error(services, outbound_id, decision.status, error,
                      retry_in=delay if decision.retry else None)
    if unexpected is not None:
        raise unexpected
    if decision.retry:
        raise error  # the queue's retry policy runs the job again later


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
