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
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, inspect, select
from sqlalchemy.orm import Session

from sms_gateway.store.db import Base


def take_ids(session: Session, counts: Mapping[type[Base], int]) -> dict[type[Base], list[int]]:
    """`n` fresh ids for each model (by its integer primary key `id`), in one statement.

    Postgres draws them from the tables' sequences, as their INSERTs would. SQLite continues
    each table's largest id, as its INSERTs would: the transaction holds the database's write
    lock since BEGIN IMMEDIATE, so no other writer can take them meanwhile.
    """
    models = tuple(m for m, n in counts.items() if n > 0)
    if not models:
        return {}
    postgres = session.get_bind().dialect.name == "postgresql"
    row = session.execute(_statement(models, postgres=postgres),
                          {f"n{i}": counts[m] for i, m in enumerate(models)}).one()
    if postgres:
        return {m: sorted(ids) for m, ids in zip(models, row, strict=True)}
    return {m: list(range(last + 1, last + 1 + counts[m]))
            for m, last in zip(models, row, strict=True)}


@lru_cache(maxsize=64)
def _statement(models: tuple[type[Base], ...], *, postgres: bool) -> Select[Any]:
    """take_ids' SELECT for these models, built once (the counts are its parameters)."""
    tables = [cast(Table, m.__table__) for m in models]
    if postgres:
        return select(*(
            select(func.array_agg(func.nextval(func.pg_get_serial_sequence(t.name, "id"))))
            .select_from(func.generate_series(1, bindparam(f"n{i}"))).scalar_subquery()
            for i, t in enumerate(tables)))
    return select(*(select(func.coalesce(func.max(t.c.id), 0)).scalar_subquery()
                    for t in tables))


def assign_ids(session: Session, also: Mapping[type[Base], int] | None = None,
               ) -> dict[type[Base], list[int]]:
    """Give the session's new objects their ids, in the order they were added (the order
    their INSERT would number them in), so that its flush inserts each table's rows in one
    executemany; a table's only new row is left to its INSERT. Takes, in the same statement,
    `also` ids for rows the caller inserts itself (store/rows.py), and returns those."""
    pending: dict[type[Base], list[Any]] = defaultdict(list)
    for state in sorted(map(inspect, session.new), key=lambda s: s.insert_order):
        if getattr(state.obj(), "id", 0) is None:
            pending[state.mapper.class_].append(state.obj())
    # A single row's INSERT ... RETURNING is short, and psycopg caches it: no statement more.
    pending = {model: objs for model, objs in pending.items() if len(objs) > 1}
    extra = {model: n for model, n in (also or {}).items() if n > 0}
    if set(pending) & set(extra):
        raise ValueError("rows of one table both as objects and as plain rows")
    with session.no_autoflush:  # which would insert them the costly way first
        ids = take_ids(session, {model: len(objs) for model, objs in pending.items()} | extra)
    for model, objs in pending.items():
        for obj, id_ in zip(objs, ids[model], strict=True):
            obj.id = id_
    return {model: ids[model] for model in extra}
