"""Schema migrations with Alembic, driven from the gateway's configuration."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from sms_gateway.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

# Every module that defines tables (add yours here); importing one registers its tables.
MODEL_MODULES = [
    "sms_gateway.store.models",
    "sms_gateway.store.console",
    "sms_gateway.store.agency",
    "sms_gateway.store.abuse",
    "sms_gateway.store.parser_models",
    "sms_gateway.store.channels",
]


def load_models() -> None:
    """Import every model module so Base.metadata knows all tables."""
    for module in MODEL_MODULES:
        importlib.import_module(module)


def alembic_config(config: Config) -> AlembicConfig:
    """An Alembic config pointing at our migrations and database."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", config.database_url.replace("%", "%%"))
    return cfg


def upgrade(config: Config) -> None:
    """Bring the database to the newest schema (every branch head).

    Alembic's INFO lines ("Context impl ...", one per revision) are shown only when the
    process logs at DEBUG (`sms-gateway -v`); warnings always are.
    """
    alembic_log = logging.getLogger("alembic")
    quiet = not logging.getLogger().isEnabledFor(logging.DEBUG)
    previous = alembic_log.level
    if quiet:
        alembic_log.setLevel(logging.WARNING)
    try:
        command.upgrade(alembic_config(config), "heads")
    finally:
        alembic_log.setLevel(previous)


def revision(config: Config, message: str) -> None:
    """Autogenerate a migration from the models (development helper)."""
    command.revision(alembic_config(config), message=message, autogenerate=True)
