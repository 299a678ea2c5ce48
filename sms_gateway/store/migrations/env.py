"""Alembic environment: the URL comes from the gateway's own configuration."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from sms_gateway.store.db import Base, make_engine
from sms_gateway.store.migrate import load_models

load_models()  # registers every table on Base.metadata

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set by sms_gateway.store.migrate"
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
