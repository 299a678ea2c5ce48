"""Stored inbound messages: the insert that deduplicates on the provider's id, and the hand-over
to the workers. Used by intake (one SMS) and multipart (a long SMS joined from its parts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from sms_gateway.store.models import InboundMessage
from sms_gateway.telco.intake_batch import queue_ids

if TYPE_CHECKING:
    from sms_gateway.services import Services


@dataclass(frozen=True, slots=True)
class Stored:
    """The stored message's id and whether this call created it (False: a repeat)."""

    message_id: int
    created: bool
    # True for one part of a long SMS still waiting for the others (message_id is then the
    # part's id in inbound_parts; nothing is to be processed yet).
    held: bool = False


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


def enqueue_inbound(services: Services, message_id: int, *, fresh: bool = False) -> bool:
    """Hand the stored message to the workers; on failure the sweeper will find it later.

    `fresh`: the message was stored just now, so no job for it can exist yet (one Redis round
    trip less on the webhook's hot path); with a batcher it goes with the next batch.
    """
    if fresh and services.batcher is not None:
        services.batcher.add(message_id)
        return True
    return queue_ids(services.dispatcher, [message_id], fresh=fresh)
