"""Step 2 of an SMS: understand it and act: a ticket, a command, or the review queue.

The job entry points are in `sms_gateway.jobs.inbound`; this module is what they do.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sms_gateway.agency.deliveries import enqueue_deliveries
from sms_gateway.complaints import abuse
from sms_gateway.complaints.context import Context
from sms_gateway.complaints.intents import HANDLERS, handle_unknown
from sms_gateway.dispatch import FORWARD_TICKET, run_or_queue
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import FAILED, PROCESSED, RECEIVED, Citizen, InboundMessage
from sms_gateway.store.pii import mask_phone
from sms_gateway.telco.intake_batch import queue_ids
from sms_gateway.telco.sending import send_soon

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)

MAX_PROCESS_ATTEMPTS = 3


def process(services: Services, message_id: int) -> None:
    """Parse one stored message and act on it, exactly once whatever the retries."""
    try:
        ctx = _process(services, message_id)
    except Exception as exc:
        _record_failure(services, message_id, exc)
        raise
    if ctx is None:
        return
    # The reply first: the citizen is waiting for it. It goes to the process's send pool
    # (telco/send_pool.py) so the provider's latency does not hold up the next message; the
    # forward runs here unless queueing is cheaper (dispatch.run_or_queue). The rows are
    # committed, so a crash from here on loses nothing.
    for outbound_id in ctx.outbound_ids:
        send_soon(services, outbound_id)
    for ticket_id in ctx.forward_ids:
        run_or_queue(services.dispatcher, FORWARD_TICKET, ticket_id,
                     job_id=f"forward-{ticket_id}")
    enqueue_deliveries(services, ctx.delivery_ids)


def process_batch(services: Services, message_ids: list[int]) -> None:
    """Process messages the webhooks queued together (intake_batch.py), each on its own.

    One message's failure is recorded on it (attempts, last error) and does not stop the
    others; it stays `received`, so the sweeper queues it again like a failed single job.
    Past half the job timeout (slow sends, say) the rest goes back to the queue as a new
    batch rather than be cut off by the worker.
    """
    budget = services.config.queue.job_timeout_seconds / 2
    started = time.monotonic()
    for n, message_id in enumerate(message_ids):
        if n and time.monotonic() - started > budget:
            rest = [int(i) for i in message_ids[n:]]
            log.warning("batch over its time budget; %d messages queued again", len(rest))
            queue_ids(services.dispatcher, rest, fresh=False)
            return
        try:
            process(services, int(message_id))
        except Exception:  # noqa: BLE001 - recorded by process; the rest go on
            log.exception("inbound message %s failed in a batch", message_id)


def _process(services: Services, message_id: int) -> Context | None:
    # Before the claim's transaction: this may ask the database for the active model version.
    live = services.parser.current()
    with services.sessions.begin() as session:
        # The claim: only the transaction that flips this row does the work.
        claimed = session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == message_id, InboundMessage.state == RECEIVED)
            .values(state=PROCESSED, processed_at=utcnow())).rowcount
        if not claimed:
            return None
        message = session.get(InboundMessage, message_id)
        assert message is not None
        citizen = citizen_for(session, services, message)
        result = live.parser.parse(message.text or "",
                                   default_region=services.config.parser.default_region or None)
        ctx = Context(services, session, message, citizen, result)
        handler = HANDLERS.get(result.intent, handle_unknown)
        # Spam, floods and repeats stop here (abuse.py); everything else goes to its handler.
        outcome = abuse.screen(ctx) or handler(ctx)
        # Set last, so that the handlers' queries do not flush the row once more before this.
        parse = result.as_dict() | {"model_version": live.version}  # which model decided
        message.citizen_id, message.parse, message.outcome = citizen.id, parse, outcome
        return ctx


def _record_failure(services: Services, message_id: int, exc: Exception) -> None:
    """Count a failed try; after a few, stop retrying and hand the message to an operator."""
    with services.sessions.begin() as session:
        message = session.get(InboundMessage, message_id)
        if message is None or message.state != RECEIVED:
            return
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= MAX_PROCESS_ATTEMPTS:
            message.state = FAILED
            message.review_status = "pending"
            message.review_reason = "processing_failed"


def citizen_for(session: Session, services: Services, message: InboundMessage) -> Citizen:
    """The citizen who sent this message, created on first contact."""
    citizen = session.execute(select(Citizen).where(
        Citizen.phone_hash == message.sender_hash)).scalar_one_or_none()
    if citizen is not None:
        return citizen
    phone = services.vault.decrypt(message.sender_enc)
    citizen = Citizen(phone_hash=message.sender_hash, phone_enc=message.sender_enc,
                      phone_masked=mask_phone(phone), language=services.config.sms.language)
    try:
        with session.begin_nested():
            session.add(citizen)
            session.flush()
    except IntegrityError:  # another worker created this citizen first
        return session.execute(select(Citizen).where(
            Citizen.phone_hash == message.sender_hash)).scalar_one()
    return citizen
