"""Step 2 of an SMS: understand it and act: a ticket, a command, or the review queue.

The job entry points are in `sms_gateway.jobs.inbound`; this module is what they do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parsers import ParseResult
from sms_gateway.agency.deliveries import enqueue_deliveries
from sms_gateway.agency.dispositions import forward_many
from sms_gateway.complaints import abuse
from sms_gateway.complaints.chunk import Chunk
from sms_gateway.complaints.context import Context
from sms_gateway.complaints.intents import HANDLERS, case_place, handle_unknown
from sms_gateway.store.db import utcnow
from sms_gateway.store.ids import assign_ids
from sms_gateway.store.models import (
    FAILED,
    PROCESSED,
    RECEIVED,
    Citizen,
    InboundMessage,
    Ticket,
)
from sms_gateway.store.pii import mask_phone
from sms_gateway.telco.intake_batch import queue_ids
from sms_gateway.telco.sending import send_many

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
    # together (claimed in one statement, telco/sending.send_many) so the provider's latency
    # does not hold up the next message; the forwards run here, all in one transaction
    # (agency/dispositions.py). The rows are committed, so a crash from here on loses nothing.
    send_many(services, [i for ctx in contexts for i in ctx.outbound_ids])
    forward_many(services, [i for ctx in contexts for i in ctx.forward_ids])
    enqueue_deliveries(services, [i for ctx in contexts for i in ctx.delivery_ids])


def process_batch(services: Services, message_ids: list[int]) -> None:
    """Process messages the webhooks queued together (intake_batch.py), PROCESS_CHUNK to a
    transaction.

    A chunk is claimed and read in one statement, its citizens locked and the new ones created
    in one or three, each message handled in arrival order with look-ups made once for the
    chunk (complaints/chunk.py), and its new rows written by one flush and one UPDATE: a few
    statements a chunk, none a message. If any message fails, the chunk is rolled back and
    each message is processed on its own (`process`): the failing one is recorded on itself
    (attempts, last error) and stays `received` for the sweeper, the others go through. Past
    half the job timeout (slow agencies, say) the rest goes back to the queue as a new batch
    rather than be cut off by the worker.
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


def _process(services: Services, message_id: int) -> Context | None:
    """Process one message on its own: a chunk of one."""
    contexts = _process_together(services, [message_id], alone=True)
    return contexts[0] if contexts else None


def _process_together(services: Services, message_ids: list[int], *,
                      alone: bool = False) -> list[Context]:
    """Claim, parse and handle the messages in one transaction (see complaints/chunk.py)."""
    # Before the transaction: this may ask the database for the active model version.
    live = services.parser.current()
    with services.sessions.begin() as session:
        # The claim: only the transaction that flips a row does its work.
        messages = sorted(session.execute(
            update(InboundMessage)
            .where(InboundMessage.id.in_(message_ids), InboundMessage.state == RECEIVED)
            .values(state=PROCESSED, processed_at=utcnow())
            .returning(InboundMessage)).scalars().all(), key=lambda m: m.id)
        if not messages:
            return []
        chunk = Chunk(services, session, messages, citizens_for(session, services, messages),
                      alone=alone)
        default_region = services.config.parser.default_region or None
        results = [live.parser.parse(m.text or "", default_region=default_region)
                   for m in messages]
        chunk.case_places = {place for place in map(partial(case_place, services), results)
                             if place is not None}
        contexts = [_handle(services, chunk, message, result, live.version)
                    for message, result in zip(messages, results, strict=True)]
        _write(chunk, contexts)
        return contexts


def _handle(services: Services, chunk: Chunk, message: InboundMessage, result: ParseResult,
            model_version: int | str | None) -> Context:
    """Act on one parsed message of the chunk, in arrival order."""
    citizen = chunk.citizens[message.sender_hash]
    ctx = Context(chunk, message, citizen, result)
    handler = HANDLERS.get(result.intent, handle_unknown)
    # Spam, floods and repeats stop here (abuse.py); everything else goes to its handler.
    outcome = abuse.screen(ctx) or handler(ctx)
    parse = result.as_dict() | {"model_version": model_version}  # which model decided
    message.citizen_id, message.parse, message.outcome = citizen.id, parse, outcome
    return ctx


# The columns of a message the handling writes: one UPDATE of them for the whole chunk.
_WRITTEN = ("citizen_id", "parse", "outcome", "ticket_id", "review_status", "review_reason")


def _write(chunk: Chunk, contexts: list[Context]) -> None:
    """Insert the chunk's new rows in one flush and one executemany each for its history
    entries and replies (a statement per table), then write the messages' own columns in one
    executemany UPDATE."""
    session = chunk.session
    for ctx in contexts:
        changed = inspect(ctx.message).committed_state.keys()  # the attributes set since loaded
        if not changed <= set(_WRITTEN):  # a handler wrote a column that would be lost
            raise RuntimeError(f"message columns {sorted(changed)} not written by _write")
        session.expunge(ctx.message)  # so that the flush does not UPDATE it a row at a time
    # Ids for the new objects, so that the flush INSERTs a table's rows in one executemany
    # (store/ids.py), and in the same statement for the history entries and replies, which
    # go as plain rows (store/rows.py) once the flush has inserted their tickets. A message
    # alone has a few, which one INSERT ... RETURNING each table numbers: no statement more.
    chunk.rows.give_ids(assign_ids(session, {} if chunk.alone else chunk.rows.counts()))
    session.flush()
    chunk.rows.write(session)
    session.execute(update(InboundMessage), [
        {"id": ctx.message.id, **{key: getattr(ctx.message, key) for key in _WRITTEN},
         "ticket_id": ctx.ticket.id if ctx.ticket is not None else ctx.message.ticket_id}
        for ctx in contexts])


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
    """The citizens who sent these messages by phone hash, the new ones created in one INSERT.

    Their rows are locked (in id order, one statement) until the transaction ends: one worker
    at a time judges a sender's messages (SQLite: BEGIN IMMEDIATE does it). Then, before any
    ticket is read, the tickets that wait for their answers (complaints/chunk.py
    waiting_tickets): what the handlers decide on them is written on them as they were read.

    FOR NO KEY UPDATE, not FOR UPDATE: it keeps other workers' chunks of these senders out
    all the same, but not the foreign-key checks of others' rows that name a citizen. An
    operator's or agency's action on a ticket locks the ticket, then queues the citizen's
    SMS: under FOR UPDATE that SMS waited for this chunk while the chunk waited for the
    ticket, a deadlock (tests/integration/test_chunk_races_postgres.py); now the action waits
    for the ticket, or the chunk does, and sees what the other wrote.
    """
    hashes = {m.sender_hash for m in messages}
    found = {c.phone_hash: c for c in session.execute(
        select(Citizen).where(Citizen.phone_hash.in_(hashes))
        .order_by(Citizen.id).with_for_update(key_share=True)).scalars()}
    new = {m.sender_hash: m for m in messages if m.sender_hash not in found}
    if new:
        language = services.config.sms.language
        rows = [{"phone_hash": h, "phone_enc": m.sender_enc, "language": language,
                 "phone_masked": mask_phone(services.vault.decrypt(m.sender_enc))}
                for h, m in sorted(new.items())]
        # Another worker may create some of them meanwhile: theirs are kept. In hash order,
        # so two chunks with the same new senders wait for each other instead of deadlocking.
        # An executemany of one short statement, which psycopg parses once (store/ids.py).
        session.execute(_insert(session)(Citizen).on_conflict_do_nothing(
            index_elements=[Citizen.phone_hash]), rows)
        found.update((c.phone_hash, c) for c in session.execute(
            select(Citizen).where(Citizen.phone_hash.in_(list(new)))
            .order_by(Citizen.id).with_for_update(key_share=True)).scalars())
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Ticket.id).where(
            Ticket.citizen_id.in_([c.id for c in found.values()]), Ticket.awaiting.is_not(None))
            .order_by(Ticket.id).with_for_update(key_share=True))
    return found


def _insert(session: Session) -> Any:
    """INSERT with ON CONFLICT for this database (Postgres in production, SQLite embedded)."""
    from sqlalchemy.dialects import postgresql, sqlite

    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert
