"""Reading the gateway's database in assertions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, func, select

from sms_gateway.services import Services


def count(services: Services, model: Any, *where: Any) -> int:
    """How many rows of `model` match every condition in `where`."""
    with services.sessions() as session:
        return int(session.execute(select(func.count()).select_from(model).where(*where))
                   .scalar_one())


@contextmanager
def sql_statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement the engine sends to the database meanwhile (SQLite's explicit BEGIN
    too), whitespace collapsed; the list is complete once the block is left."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *rest: object) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
