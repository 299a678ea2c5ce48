"""Engine and session construction; the declarative base shared by all models."""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False,
                pre_ping: bool = True) -> Engine:
    """Create the engine; SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE transactions.

    Statement parameters are kept out of error messages (hide_parameters): they hold SMS
    texts and raw provider payloads with phone numbers in clear, and errors are logged."""
    engine = _make_engine(url, pool_size=pool_size, echo=echo, pre_ping=pre_ping)
    _own_pool_after_fork(engine)
    return engine


def _own_pool_after_fork(engine: Engine) -> None:
    """A process forked from this one starts with an empty pool of its own.

    `sms-gateway worker --fork` forks RQ's work horse per job (and its scheduler) while the
    sweeper thread keeps connections in the engine's pool: the child would check out those
    very connections, its statements and the parent's on one socket. What SQLAlchemy's docs
    prescribe (engine.dispose(close=False)): the child drops the inherited pool without
    closing its connections, which stay the parent's (psycopg closes a connection only in
    the process that opened it), and opens its own.
    """
    ref = weakref.ref(engine)  # an engine disposed of and dropped is not kept alive

    def in_child() -> None:
        forked = ref()
        if forked is not None:
            forked.dispose(close=False)

    os.register_at_fork(after_in_child=in_child)


def _make_engine(url: str, *, pool_size: int, echo: bool, pre_ping: bool) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, hide_parameters=True,
                               connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, decide when transactions begin.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers queue on the database lock up front instead of failing mid-transaction.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size * 2,
                           hide_parameters=True)
    if pre_ping:
        _ping_on_checkout(engine)
    return engine


_unpinged: ContextVar[bool] = ContextVar("unpinged", default=False)


@contextmanager
def without_pre_ping() -> Iterator[None]:
    """Connections checked out in this block skip the pool's ping (`[database] pool_pre_ping`).

    Only for a caller that retries on a connection the database dropped by itself (the
    webhook's intake): it saves a round trip per checkout on the busiest path.
    """
    token = _unpinged.set(True)
    try:
        yield
    finally:
        _unpinged.reset(token)


def _ping_on_checkout(engine: Engine) -> None:
    """SQLAlchemy's pool_pre_ping as a checkout listener, so without_pre_ping can skip it: the
    same ping, and a failed one invalidates the pool and checks out a new connection."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if _unpinged.get():
            return
        if not dialect._do_ping_w_event(dbapi_connection):  # noqa: SLF001 - pool_pre_ping's own
            raise exc.InvalidatePoolError()


def make_sessionmaker(engine: Engine) -> sessionmaker[Any]:
    """A session factory whose sessions keep loaded attributes after commit."""
    return sessionmaker(engine, expire_on_commit=False)


DEADLOCK_TRIES = 3


def retrying_deadlocks(run: Callable[[], T], *, tries: int = DEADLOCK_TRIES) -> T:
    """Run a whole transaction again when Postgres ended it to break a deadlock (SQLSTATE
    40P01). An operator's merge of two cases locks many tickets; a worker's chunk joining
    reporters to several leads locks them in message order, so the two can meet head on;
    Postgres aborts one, and the operator's is simply tried again (the chunk's own failure
    sends its messages through one by one, complaints/inbound.process_batch)."""
    attempt = 1
    while True:
        try:
            return run()
        except exc.OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != "40P01" or attempt >= tries:
                raise
            attempt += 1
