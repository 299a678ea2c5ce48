"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from sms_gateway.store import migrate
from sms_gateway.store.db import Base, make_engine
from sms_gateway.store.migrate import load_models
from tests.support.config import make_config


def _diff(url: str) -> list[object]:
    load_models()
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)
    engine.dispose()
    return list(diff)


def test_migrations_match_the_models_on_sqlite(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    migrate.upgrade(config)
    assert _diff(config.database_url) == []


@pytest.mark.integration
def test_migrations_match_the_models_on_postgres(tmp_path: Path, pg_url: str) -> None:
    config = make_config(tmp_path, database={"url": pg_url})
    migrate.upgrade(config)
    assert _diff(config.database_url) == []


@pytest.mark.integration
def test_migrations_downgrade_and_upgrade_again_on_postgres(tmp_path: Path, pg_url: str) -> None:
    config = make_config(tmp_path, database={"url": pg_url})
    migrate.upgrade(config)
    command.downgrade(migrate.alembic_config(config), "base")
    migrate.upgrade(config)
    assert _diff(config.database_url) == []


def test_there_is_one_head(tmp_path: Path) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(make_config(tmp_path)))
    assert len(script.get_heads()) == 1
