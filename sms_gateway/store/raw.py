"""One fixed statement as a plain DBAPI execute on a pooled connection, in autocommit.

For the busiest path only (the webhook's intake, docs/performance.md): a Core execute of a
statement costs about as much CPU as the round trip it makes (a Connection, its execution
context, the compiled-cache look-up, the result's setup, and the isolation level set on
checkout and reset on return). Here the statement is compiled once per dialect and run on
the pool's own connection; errors are SQLAlchemy's, as a Core execute raises them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable


@dataclass(frozen=True)
class Compiled:
    """A Core statement compiled for one dialect: its SQL text and its parameters' bind
    processors (the type conversions a Core execute applies, such as JSON or UTC times)."""

    sql: str
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    # The SQL as the driver sends it, encoded once: psycopg looks up its parsed form by the
    # query's bytes, whose hash a bytes object keeps (a str is encoded anew per execute).
    encoded: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "encoded", self.sql.encode())

    @classmethod
    def of(cls, statement: Executable, dialect: Dialect) -> Compiled:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        processors = []
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors.append((name, process))
        return cls(compiled.string, tuple(processors))

    def parameters(self, values: Mapping[str, Any]) -> dict[str, Any]:
        params = dict(values)
        for name, process in self.processors:
            params[name] = process(params[name])
        return params


def scalar_autocommit(engine: Engine, statement: Compiled, values: Mapping[str, Any]) -> Any:
    """Run `statement` in autocommit on a pooled connection; its first row's first column, or
    None for no row. Raises SQLAlchemy's DBAPIError (connection_invalidated when the database
    dropped the connection: then, as after a Core execute, the pool's connections are
    replaced)."""
    params = statement.parameters(values)
    dialect = engine.dialect
    try:
        pooled = engine.raw_connection()
    except dialect.loaded_dbapi.Error as exc:
        # A new connection refused (the database restarting): SQLAlchemy's error, as
        # Engine.connect raises it; raw_connection raises the driver's own.
        raise DBAPIError.instance(None, None, exc, dialect.loaded_dbapi.Error,
                                  hide_parameters=engine.hide_parameters,
                                  connection_invalidated=dialect.is_disconnect(exc, None, None),
                                  dialect=dialect) from exc
    driver: Any = pooled.driver_connection
    cursor = None
    returned = False
    try:
        driver.autocommit = True
        cursor = driver.cursor()
        cursor.execute(statement.encoded, params)
        row = cursor.fetchone()
        cursor.close()
        driver.autocommit = False  # as the pool hands it out; no round trip outside a transaction
        # Back to the pool without its reset-on-return (a rollback: SQLAlchemy's per-call
        # bookkeeping, though psycopg sends nothing when idle): in autocommit no transaction
        # was opened. As a Core Connection returns one whose transaction it ended.
        pooled._close_special(transaction_reset=True)  # type: ignore[attr-defined]  # noqa: SLF001
        returned = True
    except dialect.loaded_dbapi.Error as exc:
        dropped = dialect.is_disconnect(exc, driver, cursor)
        if dropped:
            # What a Core Connection does on a disconnect: every connection of the pool older
            # than now is replaced on its next checkout, this one at once. SQLAlchemy has no
            # public call for it (PoolProxiedConnection.invalidate drops this one only: the
            # intake's retry would then take the next dead one, test_intake_reconnect.py).
            engine.pool._invalidate(pooled, exc)  # noqa: SLF001
        else:
            _reset_or_invalidate(pooled, driver)
        raise DBAPIError.instance(statement.sql, params, exc, dialect.loaded_dbapi.Error,
                                  hide_parameters=engine.hide_parameters,
                                  connection_invalidated=dropped, dialect=dialect) from exc
    except BaseException:
        _reset_or_invalidate(pooled, driver)
        raise
    finally:
        if not returned:
            pooled.close()
    return None if row is None else row[0]


def _reset_or_invalidate(pooled: Any, driver: Any) -> None:
    """After a statement failed in autocommit: back to the pool's mode, or discarded."""
    try:
        driver.autocommit = False
    except Exception as exc:  # noqa: BLE001 - a connection in an unknown state is not reused
        pooled.invalidate(exc)
