"""Step 1 of an SMS: store it durably (deduplicated on the provider's id), then enqueue it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sms_gateway import multipart
from sms_gateway.db import utcnow
from sms_gateway.intake_batch import queue_ids
from sms_gateway.models import InboundMessage
from sms_gateway.phone import normalise
from sms_gateway.providers.base import IncomingSms, InvalidRequest
from sms_gateway.services import Services

log = logging.getLogger(__name__)



@dataclass(frozen=True, slots=True)
class Stored:
    """The stored message's id and whether this call created it (False: a repeat)."""

    message_id: int
    created: bool
    # True for one part of a long SMS still waiting for the others (message_id is then the
    # part's id in inbound_parts; nothing is to be processed yet).
    held: bool = False


def store_inbound(services: Services, channel: str, provider: str, sms: IncomingSms, *,
                  also: Callable[[Connection, int], None] | None = None) -> Stored:
    """Store one inbound SMS; a repeated provider id returns the first one's id.

    `also(connection, message_id)` runs in the same transaction (the webhook's channel log: one
    commit per SMS); it is not called for a part of a long SMS held for the others.
    Raises InvalidRequest for identifiers that are not text, phone.InvalidPhoneNumber for an
    impossible sender, and SQLAlchemy errors when the database cannot store it (the caller must
    then not acknowledge the provider).
    """
    _check_identifiers(sms)
    sender = normalise(sms.sender, services.config.sms.default_phone_region)
    part = multipart.part_of(sms)
    if part is not None:
        return multipart.hold(services, channel, provider, sms, sender, part)
    vault = services.vault
    # NUL cannot live in a Postgres text column; the encrypted raw payload keeps the exact bytes.
    text = sms.text.replace("\x00", "\ufffd")
    values = {
        "channel": channel,
        "provider": provider,
        "provider_message_id": sms.provider_message_id,
        "sender_hash": vault.digest(sender),
        "sender_enc": vault.encrypt(sender),
        "recipient": sms.recipient[:32],
        "text": text,
        "raw_enc": vault.encrypt(json.dumps(dict(sms.raw), ensure_ascii=False)),
        "received_at": sms.received_at or utcnow(),
        "state": "received",
        "attempts": 0,
    }
    # A Core connection, not a Session: nothing here needs the ORM, and its transaction
    # bookkeeping costs as much as the INSERT (docs/performance.md).
    for attempt in (1, 2):
        try:
            with services.engine.begin() as conn:
                stored = insert_message(conn, values)
                if also is not None:
                    also(conn, stored.message_id)
                return stored
        except DBAPIError as exc:
            # A pooled connection the database dropped (a restart): SQLAlchemy has discarded
            # the pool; one more try on a new connection. The INSERT is idempotent.
            if attempt == 2 or not exc.connection_invalidated:
                raise
            log.warning("database connection was dropped; storing again on a new one")
    raise AssertionError("unreachable")


def insert_message(session: Session | Connection, values: dict[str, Any]) -> Stored:
    """Insert one inbound message unless its (channel, provider id) exists; say which."""
    conn = session.connection() if isinstance(session, Session) else session
    dialect = conn.dialect.name
    upsert: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if upsert is not None:
        # Core on the table with the values as parameters: the ORM's statement handling and
        # per-call cache keys of inlined values cost more than the INSERT itself on the
        # webhook's hot path (docs/performance.md).
        table = InboundMessage.__table__
        result = conn.execute(
            upsert(table).on_conflict_do_nothing(index_elements=["channel", "provider_message_id"])
            .returning(table.c.id), values)
        new_id = result.scalar()
    else:  # pragma: no cover - other databases: rely on the unique constraint
        new_id = conn.execute(insert(InboundMessage).values(**values)
                              .returning(InboundMessage.id)).scalar()
    if new_id is not None:
        return Stored(int(new_id), True)
    existing = conn.execute(
        select(InboundMessage.id).where(
            InboundMessage.channel == values["channel"],
            InboundMessage.provider_message_id == values["provider_message_id"])).scalar_one()
    return Stored(int(existing), False)


def _check_identifiers(sms: IncomingSms) -> None:
    """Ids and numbers must be clean text (raw bytes from %b-style fields are refused)."""
    for name, value in (("message id", sms.provider_message_id), ("sender", sms.sender),
                        ("recipient", sms.recipient)):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidRequest(f"{name} is not valid UTF-8 text") from None
        if "\x00" in value or len(value) > 128:
            raise InvalidRequest(f"{name} is not a plausible identifier")


def enqueue_inbound(services: Services, message_id: int, *, fresh: bool = False) -> bool:
    """Hand the stored message to the workers; on failure the sweeper will find it later.

    `fresh`: the message was stored just now, so no job for it can exist yet (one Redis round
    trip less on the webhook's hot path); with a batcher it goes with the next batch.
    """
    if fresh and services.batcher is not None:
        services.batcher.add(message_id)
        return True
    return queue_ids(services.dispatcher, [message_id], fresh=fresh)
