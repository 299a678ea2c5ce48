"""Shared fixtures: embedded services on SQLite, and real Postgres/Redis for integration tests.

Integration fixtures use DATABASE_URL/REDIS_URL when set, else the local default servers
(127.0.0.1:5432 and :6379). Each test gets its own database and queue name. When a server is
missing the tests are skipped with the reason - except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sms_gateway import services as services_module
from sms_gateway.config import Config
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import Services, build_services
from tests.support.config import make_config
from tests.support.fake_twilio import FakeTwilio, fake_twilio
from tests.support.needs import PG_DEFAULT, REDIS_DEFAULT, need

# The gateway's own background threads (job runners, sweeper, intake batcher).
GATEWAY_THREADS = ("jobs-", "sweeper", "intake-batcher", "send")


def pytest_configure(config: pytest.Config) -> None:
    # A job or sweep running after its test's services were closed must fail where it runs,
    # not quietly build services from DATABASE_URL and leave their connections to the
    # garbage collector (a ResourceWarning in whichever later test happens to collect them).
    services_module.build_when_missing = False


@pytest.fixture(autouse=True)
def _no_leftover_gateway_threads() -> Iterator[None]:
    """Each test stops the gateway threads it started (Services.close() does)."""
    before = set(threading.enumerate())
    yield
    left = [t.name for t in threading.enumerate()
            if t not in before and t.is_alive() and t.name.startswith(GATEWAY_THREADS)]
    assert left == [], "the test left gateway threads running"


@pytest.fixture
def embedded_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CLI run in this test reads no DATABASE_URL/REDIS_URL from the environment (CI sets
    them for the integration tests): it is the embedded gateway, as on a developer's laptop."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """An embedded-mode config on a fresh SQLite file."""
    return make_config(tmp_path)


@pytest.fixture
def services(config: Config) -> Iterator[Services]:
    """Embedded services with jobs run inline, migrated and installed as current."""
    from sms_gateway.store import migrate

    migrate.upgrade(config)
    svc = build_services(config, dispatcher=InlineDispatcher())
    yield svc
    svc.close()


@pytest.fixture
def app(services: Services) -> Any:
    from sms_gateway.app import create_app

    flask_app = create_app(services=services, start_background=False)
    flask_app.testing = True
    return flask_app


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A fresh, empty Postgres database, dropped afterwards; yields its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(os.environ.get("DATABASE_URL") or PG_DEFAULT)
    if base.drivername in ("postgres", "postgresql"):
        base = base.set(drivername="postgresql+psycopg")
    need("PostgreSQL", base.host or "127.0.0.1", base.port or 5432)
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty Postgres database for this test, dropped afterwards."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def other_pg_url() -> Iterator[str]:
    """A second fresh Postgres database, for tests that compare two."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    """The Redis server for this test (queue names are unique per test)."""
    from urllib.parse import urlsplit

    url = os.environ.get("REDIS_URL") or REDIS_DEFAULT
    parts = urlsplit(url)
    need("Redis", parts.hostname or "127.0.0.1", parts.port or 6379)
    return url


@pytest.fixture
def prod_config(tmp_path: Path, pg_url: str, redis_url: str) -> Iterator[Config]:
    """Production mode: a fresh Postgres database and a unique RQ queue on Redis."""
    from redis import Redis

    queue = f"test-{uuid.uuid4().hex[:10]}"
    cfg = make_config(tmp_path, database={"url": pg_url},
                      queue={"redis_url": redis_url, "name": queue})
    yield cfg
    conn = Redis.from_url(redis_url)
    keys = list(conn.scan_iter(match=f"*{queue}*", count=1000))
    if keys:
        conn.delete(*keys)
    conn.close()


@pytest.fixture
def prod_services(prod_config: Config) -> Iterator[Services]:
    """Services on Postgres + RQ, migrated and installed as current."""
    from sms_gateway.store import migrate

    migrate.upgrade(prod_config)
    svc = build_services(prod_config)
    yield svc
    svc.close()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    """A local stand-in for Twilio's Messages API (tests/support/fake_twilio.py)."""
    with fake_twilio() as fake:
        yield fake
