"""Primary keys taken before the INSERT, so that many new rows go in one executemany.

A multi-row `INSERT ... VALUES (...), (...) RETURNING id` (what SQLAlchemy emits for a flush
or a bulk insert that must learn the new ids) has a text that differs with the number of rows
and grows with it: psycopg parses such a statement again, in Python, every time (it caches
only short ones), and that parse was a fifth of a worker's CPU. Rows whose ids are known are
inserted by an executemany of one short, fixed statement instead, which psycopg parses and
Postgres prepares once. One statement takes the ids for every table of a write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, func, inspect, select
from sqlalchemy.orm import Session


def take_ids(session: Session, counts: Mapping[Table, int]) -> dict[Table, list[int]]:
    """`n` fresh ids for each table (by its integer primary key `id`), in one statement.

    Postgres draws them from the tables' sequences, as their INSERTs would. SQLite continues
    each table's largest id, as its INSERTs would: the transaction holds the database's write
    lock since BEGIN IMMEDIATE, so no other writer can take them meanwhile.
    """
    tables = [t for t, n in counts.items() if n > 0]
    if not tables:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(select(*(
            select(func.array_agg(func.nextval(func.pg_get_serial_sequence(t.name, "id"))))
            .select_from(func.generate_series(1, counts[t])).scalar_subquery()
            for t in tables))).one()
        return {t: sorted(ids) for t, ids in zip(tables, row, strict=True)}
    row = session.execute(select(*(
        select(func.coalesce(func.max(t.c.id), 0)).scalar_subquery() for t in tables))).one()
    return {t: list(range(last + 1, last + 1 + counts[t]))
            for t, last in zip(tables, row, strict=True)}


def assign_ids(session: Session) -> None:
    """Give the session's new objects their ids, in the order they were added (the order
    their INSERT would number them in), so that its flush inserts each table's rows in one
    executemany; a table's only new row is left to its INSERT."""
    pending: dict[Table, list[Any]] = defaultdict(list)
    for state in sorted(map(inspect, session.new), key=lambda s: s.insert_order):
        if getattr(state.obj(), "id", 0) is None:
            pending[state.mapper.local_table].append(state.obj())
    # A single row's INSERT ... RETURNING is short, and psycopg caches it: no statement more.
    pending = {table: objs for table, objs in pending.items() if len(objs) > 1}
    with session.no_autoflush:  # which would insert them the costly way first
        ids = take_ids(session, {table: len(objs) for table, objs in pending.items()})
    for table, objs in pending.items():
        for obj, id_ in zip(objs, ids[table], strict=True):
            obj.id = id_
