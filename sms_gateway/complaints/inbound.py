"""Step 2 of an SMS: understand it and act: a ticket, a command, or the review queue.

The job entry points are in `sms_gateway.jobs.inbound`; this module is what they do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sms_gateway.agency.deliveries import enqueue_deliveries
from sms_gateway.agency.dispositions import forward_many
from sms_gateway.complaints import abuse
from sms_gateway.complaints.context import Context
from sms_gateway.complaints.intents import HANDLERS, handle_unknown
from sms_gateway.complaints.live_parser import Current
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import FAILED, PROCESSED, RECEIVED, Citizen, InboundMessage
from sms_gateway.store.pii import mask_phone
from sms_gateway.telco.intake_batch import queue_ids
from sms_gateway.telco.sending import send_soon

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)

MAX_PROCESS_ATTEMPTS = 3
# Messages handled in one transaction by process_batch.
PROCESS_CHUNK = 50


def process(services: Services, message_id: int) -> None:
    """Parse one stored message and act on it, exactly once whatever the retries."""
    try:
        ctx = _process(services, message_id)
    except Exception as exc:
        _record_failure(services, message_id, exc)
        raise
    if ctx is not None:
        _follow_ups(services, ctx)


def _follow_ups(services: Services, *contexts: Context) -> None:
    """After the commit: the replies, the forwards, the agency deliveries."""
    # The replies first: the citizens are waiting for them. They go to the process's send pool
    # (telco/send_pool.py) so the provider's latency does not hold up the next message; the
    # forwards run here, all in one transaction (agency/dispositions.py). The rows are
    # committed, so a crash from here on loses nothing.
    for ctx in contexts:
        for outbound_id in ctx.outbound_ids:
            send_soon(services, outbound_id)
    forward_many(services, [i for ctx in contexts for i in ctx.forward_ids])
    enqueue_deliveries(services, [i for ctx in contexts for i in ctx.delivery_ids])


def process_batch(services: Services, message_ids: list[int]) -> None:
    """Process messages the webhooks queued together (intake_batch.py) in one transaction.

    The batch is claimed, read and its new citizens created in a few statements, then each
    message is handled and the whole batch committed once. If any message fails, the batch is
    rolled back and each message is processed on its own (`process`): the failing one is
    recorded on itself (attempts, last error) and stays `received` for the sweeper, the others
    go through. Past half the job timeout (slow agencies, say) the rest goes back to the queue
    as a new batch rather than be cut off by the worker.
    """
    budget = services.config.queue.job_timeout_seconds / 2
    started = time.monotonic()
    ids = [int(i) for i in message_ids]
    for start in range(0, len(ids), PROCESS_CHUNK):
        if start and time.monotonic() - started > budget:
            log.warning("batch over its time budget; %d messages queued again",
                        len(ids) - start)
            queue_ids(services.dispatcher, ids[start:], fresh=False)
            return
        chunk = ids[start:start + PROCESS_CHUNK]
        try:
            contexts = _process_together(services, chunk)
        except Exception:  # noqa: BLE001 - rolled back; each is tried alone below
            log.warning("a batch of %d inbound messages failed together; processing each "
                        "on its own", len(chunk), exc_info=True)
            _one_by_one(services, chunk)
            continue
        _follow_ups(services, *contexts)


def _one_by_one(services: Services, message_ids: list[int]) -> None:
    for message_id in message_ids:
        try:
            process(services, message_id)
        except Exception:  # noqa: BLE001 - recorded by process; the rest go on
            log.exception("inbound message %s failed in a batch", message_id)


def _process_together(services: Services, message_ids: list[int]) -> list[Context]:
    # Before the transaction: this may ask the database for the active model version.
    live = services.parser.current()
    with services.sessions.begin() as session:
        claimed = session.execute(
            update(InboundMessage)
            .where(InboundMessage.id.in_(message_ids), InboundMessage.state == RECEIVED)
            .values(state=PROCESSED, processed_at=utcnow())
            .returning(InboundMessage.id)
            .execution_options(synchronize_session=False)).scalars().all()
        if not claimed:
            return []
        messages = session.execute(select(InboundMessage).where(
            InboundMessage.id.in_(claimed)).order_by(InboundMessage.id)).scalars().all()
        citizens = citizens_for(session, services, messages)
        contexts = []
        for message in messages:
            contexts.append(_handle(services, session, message, citizens[message.sender_hash],
                                    live))
            # abuse.py counts and compares with Core statements, which do not autoflush: the
            # next message of the same sender must see this one's ticket.
            session.flush()
        return contexts


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
        return _handle(services, session, message, citizen_for(session, services, message),
                       live)


def _handle(services: Services, session: Session, message: InboundMessage,
            citizen: Citizen, live: Current) -> Context:
    """Parse one claimed message and act on it, inside the caller's transaction."""
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


def citizens_for(session: Session, services: Services,
                 messages: Sequence[InboundMessage]) -> dict[str, Citizen]:
    """The citizens who sent these messages by phone hash, the new ones created in one INSERT."""
    hashes = {m.sender_hash for m in messages}
    found = {c.phone_hash: c for c in session.execute(
        select(Citizen).where(Citizen.phone_hash.in_(hashes))).scalars()}
    new = {m.sender_hash: m for m in messages if m.sender_hash not in found}
    if new:
        language = services.config.sms.language
        rows = [{"phone_hash": h, "phone_enc": m.sender_enc, "language": language,
                 "phone_masked": mask_phone(services.vault.decrypt(m.sender_enc))}
                for h, m in new.items()]
        # Another worker may create some of them meanwhile: theirs are kept.
        session.execute(_insert(session)(Citizen).values(rows).on_conflict_do_nothing(
            index_elements=[Citizen.phone_hash]))
        found.update((c.phone_hash, c) for c in session.execute(
            select(Citizen).where(Citizen.phone_hash.in_(list(new)))).scalars())
    return found


def _insert(session: Session) -> Any:
    """INSERT with ON CONFLICT for this database (Postgres in production, SQLite embedded)."""
    from sqlalchemy.dialects import postgresql, sqlite

    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert
