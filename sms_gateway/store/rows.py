"""A chunk's new history entries and replies as plain rows, inserted by Core, not the ORM.

A chunk of inbound messages (complaints/chunk.py) writes about three ticket_events rows and
one outbound_messages row a message, and reads none of them back as objects. Building each
as an ORM object, tracking it and letting the unit of work sort and insert it cost about a
fifth of a worker's CPU; a row here is a dict, inserted with the others of its table by one
executemany of a fixed statement (store/ids.py says why that one is cheap), after the ORM
flush that gave the chunk's new tickets their ids.

While a session carries a Rows (`attach`), `store.tickets.queue_event` appends to it instead
of adding a TicketEvent to the session. The rows reach the database in the order they were
queued, numbered in that order, as the unit of work inserted them: at the chunk's end,
or earlier when a handler needs them there (`flush`: a history entry's id, or a query that
reads the history). An ORM autoflush does not write them; the readers call `flush` first.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from sms_gateway.store.db import Base
from sms_gateway.store.models import OutboundMessage, Ticket, TicketEvent

_KEY = "sms_gateway.rows"
# The columns each row has, so that a table's rows go in one executemany of one statement.
EVENT_COLUMNS = ("ticket_id", "at", "kind", "actor", "from_status", "to_status", "detail")
REPLY_COLUMNS = ("citizen_id", "ticket_id", "inbound_message_id", "dedupe_key", "purpose",
                 "priority", "body", "encoding", "segments", "channel", "status", "attempts",
                 "created_at", "updated_at")


class Row(dict[str, Any]):
    """One new row: its columns, `id` once known, and the Ticket whose id is its ticket_id
    (a ticket of this transaction may have none before the flush)."""

    __slots__ = ("ticket",)

    def __init__(self, ticket: Ticket | None, **columns: Any) -> None:
        super().__init__(columns, id=None)
        self.ticket = ticket


class Rows:
    """New ticket_events and outbound_messages rows of one transaction, not inserted yet."""

    def __init__(self) -> None:
        self.pending: dict[type[Base], list[Row]] = {TicketEvent: [], OutboundMessage: []}

    def add(self, model: type[Base], row: Row) -> Row:
        self.pending[model].append(row)
        return row

    def counts(self) -> dict[type[Base], int]:
        """How many ids the pending rows need, by model: none for a table's only row,
        which its INSERT numbers (a short statement, as the ORM would send)."""
        return {model: len(rows) for model, rows in self.pending.items() if len(rows) > 1}

    def give_ids(self, ids: dict[type[Base], list[int]]) -> None:
        """Ids taken for `counts()`, in the order the rows were queued."""
        for model, taken in ids.items():
            if model in self.pending:
                for row, id_ in zip(self.pending[model], taken, strict=True):
                    row["id"] = id_

    def write(self, session: Session) -> None:
        """Insert the pending rows, a table's in one statement: with their ids (given by
        `give_ids`) one executemany, else one INSERT that returns the ids (one statement, as
        the ORM would send for them)."""
        connection = session.connection()
        for model, rows in self.pending.items():
            if not rows:
                continue
            table = cast(Table, model.__table__)
            values = [_values(row) for row in rows]
            if any(row["id"] is None for row in rows):
                for each in values:
                    del each["id"]
                ids = connection.execute(
                    insert(table).returning(table.c.id, sort_by_parameter_order=True),
                    values).scalars().all()
                for row, id_ in zip(rows, ids, strict=True):
                    row["id"] = id_
            else:
                connection.execute(insert(table), values)
            rows.clear()


def _values(row: Row) -> dict[str, Any]:
    values = dict(row)
    if row.ticket is not None:
        values["ticket_id"] = row.ticket.id
        if row.ticket.id is None:  # the ORM flush before this inserts the session's tickets
            raise RuntimeError("a history entry or reply for a ticket not inserted yet")
    return values


def attach(session: Session) -> Rows:
    """Collect the session's new history entries and replies as rows from now on."""
    rows = Rows()
    session.info[_KEY] = rows
    return rows


def detach(session: Session) -> None:
    session.info.pop(_KEY, None)


def of(session: Session) -> Rows | None:
    """The session's Rows, None if it has none (the ORM inserts its history entries)."""
    return cast("Rows | None", session.info.get(_KEY))


def flush(session: Session) -> None:
    """Flush the session, then insert its pending rows: the database has them all."""
    session.flush()
    rows = of(session)
    if rows is not None:
        rows.write(session)
