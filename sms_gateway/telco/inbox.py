"""Stored inbound messages: the insert that deduplicates on the provider's id, and the hand-over
to the workers. Used by intake (one SMS) and multipart (a long SMS joined from its parts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Insert, Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.orm import Session

from sms_gateway.store.channels import ChannelLog
from sms_gateway.store.models import InboundMessage
from sms_gateway.store.raw import Compiled, scalar_autocommit
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


# The columns store_inbound sets, and those of a webhook's channel log (inbound_message_id aside).
MESSAGE_COLUMNS = ("channel", "provider", "provider_message_id", "sender_hash", "sender_enc",
                   "recipient", "text", "raw_enc", "received_at", "state", "attempts")
LOG_COLUMNS = ("channel", "kind", "outbound_message_id", "method", "url", "request_headers",
               "request_body", "status", "response_body", "error", "elapsed_ms", "created_at")


@cache
def _insert_logged_statement() -> Insert:
    """WITH stored AS (INSERT the message ON CONFLICT DO NOTHING RETURNING id)
    INSERT INTO channel_logs (..., inbound_message_id) SELECT ..., stored.id FROM stored
    RETURNING inbound_message_id -- built once: Core's cache key of a new statement per call
    costs as much as executing it. The log's parameters are named log_<column>."""
    msg = InboundMessage.__table__
    logs = ChannelLog.__table__
    assert isinstance(msg, Table) and isinstance(logs, Table)
    stored = (postgresql.insert(msg)
              .values({c: bindparam(c, type_=msg.c[c].type) for c in MESSAGE_COLUMNS})
              .on_conflict_do_nothing(index_elements=["channel", "provider_message_id"])
              .returning(msg.c.id).cte("stored"))
    row = select(*[bindparam("log_" + c, type_=logs.c[c].type) for c in LOG_COLUMNS],
                 stored.c.id)
    return (insert(logs).from_select([*LOG_COLUMNS, "inbound_message_id"], row)
            .returning(logs.c.inbound_message_id))


@lru_cache(maxsize=4)
def _compiled_logged_statement(dialect: Dialect) -> Compiled:
    """_insert_logged_statement compiled once per dialect (an engine's)."""
    return Compiled.of(_insert_logged_statement(), dialect)


def insert_logged_message(engine: Engine, values: Mapping[str, Any],
                          log: Mapping[str, Any]) -> int | None:
    """Postgres: the message and its channel log (`log`: LOG_COLUMNS) in one statement, so in
    autocommit one round trip stores both or neither. Returns the new message's id, or None
    when the message exists already (nothing stored: the caller takes insert_message's way).
    A plain DBAPI execute of the statement compiled once (store.raw): on the webhook's hot
    path a Core execute cost as much CPU as the round trip (docs/performance.md)."""
    params = dict(values)
    params.update({"log_" + k: v for k, v in log.items()})
    new_id = scalar_autocommit(engine, _compiled_logged_statement(engine.dialect), params)
    return None if new_id is None else int(new_id)


def insert_log(conn: Connection, log: Mapping[str, Any], message_id: int) -> None:
    """The webhook's channel log of an inbound message, as one Core INSERT."""
    conn.execute(insert(ChannelLog.__table__), {**log, "inbound_message_id": message_id})  # type: ignore[arg-type]


def enqueue_inbound(services: Services, message_id: int, *, fresh: bool = False) -> bool:
    """Hand the stored message to the workers; on failure the sweeper will find it later.

    `fresh`: the message was stored just now, so no job for it can exist yet (one Redis round
    trip less on the webhook's hot path); with a batcher it goes with the next batch.
    """
    if fresh and services.batcher is not None:
        services.batcher.add(message_id)
        return True
    return queue_ids(services.dispatcher, [message_id], fresh=fresh)
