"""The intake skips the pool's ping (a round trip per SMS): a connection the database dropped
costs the webhook nothing all the same; other checkouts still ping when pool_pre_ping is on."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from sms_gateway.app import create_app
from sms_gateway.config import Config
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import InboundMessage
from sms_gateway.telco.inbox import Stored
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms
from tests.support.twilio_signing import PUBLIC_URL, inbound_form, signed

pytestmark = pytest.mark.integration


class _Held(InlineDispatcher):
    """Keeps jobs unrun: only the intake is under test."""

    def enqueue(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        return None


@pytest.fixture(params=[False, True], ids=["pool_pre_ping=false", "pool_pre_ping=true"])
def no_ping(prod_config: Config, request: pytest.FixtureRequest) -> Iterator[Services]:
    config = replace(prod_config,
                     database=replace(prod_config.database, pool_pre_ping=request.param))
    migrate.upgrade(config)
    services = build_services(config, dispatcher=_Held())
    yield services
    services.close()


def _drop_pooled_connection(services: Services) -> None:
    """The database drops the pooled connection (a restart, an idle timeout, a failover)."""
    with services.engine.connect() as conn:
        pooled = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    _terminate(services, [pooled])


def _terminate(services: Services, backend_pids: list[int]) -> None:
    with services.engine.pool._creator() as killer:  # noqa: SLF001 - a connection outside the pool
        for pid in backend_pids:
            killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
        killer.commit()


def _sms(i: int) -> IncomingSms:
    return IncomingSms(f"SM{i}", "+6281234567890", "1708", f"jalan rusak nomor {i}", {})


def _log() -> dict[str, object]:
    """A webhook's channel log (inbox.LOG_COLUMNS)."""
    return {"channel": "twilio", "kind": "receive", "outbound_message_id": None,
            "method": "POST", "url": "u", "request_headers": {}, "request_body": "",
            "status": 200, "response_body": "", "error": None, "elapsed_ms": 0,
            "created_at": utcnow()}


# Without a channel log the message is stored in a transaction; with one (a webhook's), as the
# plain DBAPI execute of one statement (store.raw).
@pytest.mark.parametrize("logged", [False, True], ids=["transaction", "one-statement"])
def test_a_dropped_pooled_connection_is_replaced_and_the_message_stored(
        no_ping: Services, caplog: pytest.LogCaptureFixture, logged: bool) -> None:
    def store(i: int) -> Stored:
        return store_inbound(no_ping, "twilio", "twilio", _sms(i),
                             channel_log=_log() if logged else None)

    store(1)  # leaves one connection in the pool
    _drop_pooled_connection(no_ping)
    stored = store(2)
    # Found by the INSERT, not by a ping (none even with pool_pre_ping on), and retried.
    assert "database connection was dropped" in caplog.text
    again = store(2)  # the provider's retry
    with no_ping.sessions() as session:
        count = session.execute(select(func.count()).select_from(InboundMessage)).scalar_one()
    assert (stored.created, again.created, again.message_id, count) == (
        True, False, stored.message_id, 2)


def test_a_restart_that_dropped_every_pooled_connection_costs_one_failed_try(
        no_ping: Services, caplog: pytest.LogCaptureFixture) -> None:
    """The one-statement intake (store.raw) marks every pooled connection older than the one
    found dropped as stale, as a Core execute does (the pool's `_invalidate`): the retry gets a
    new connection, not the next dropped one. Invalidating only the connection at hand
    (the public `PoolProxiedConnection.invalidate`) would fail the retry here."""
    with no_ping.engine.connect() as one, no_ping.engine.connect() as two:
        pids = [c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in (one, two)]
    _terminate(no_ping, pids)  # the database restarted: both pooled connections are gone
    stored = store_inbound(no_ping, "twilio", "twilio", _sms(1), channel_log=_log())
    assert "database connection was dropped" in caplog.text
    assert stored.created


@pytest.mark.parametrize("pre_ping", [True, False])
def test_other_checkouts_ping_as_configured(prod_config: Config, pre_ping: bool) -> None:
    config = replace(prod_config, database=replace(prod_config.database, pool_pre_ping=pre_ping))
    services = build_services(config, dispatcher=_Held())
    try:
        _drop_pooled_connection(services)
        with services.engine.connect() as conn:
            if pre_ping:  # the ping found the dropped connection and took a new one
                assert conn.execute(text("SELECT 1")).scalar_one() == 1
            else:
                with pytest.raises(DBAPIError) as failed:
                    conn.execute(text("SELECT 1"))
                assert failed.value.connection_invalidated
    finally:
        services.close()


def test_a_database_refusing_connections_is_answered_retry_later(prod_config: Config) -> None:
    """The database down (restarting): the webhook's new connection is refused, and the provider
    is told to retry (503), as for any other storage error; not a 500."""
    with socket.socket() as closed:  # bound, never listening: connections to it are refused
        closed.bind(("127.0.0.1", 0))
        url = make_url(prod_config.database.url).set(host="127.0.0.1",
                                                     port=closed.getsockname()[1])
        config = replace(
            prod_config,
            database=replace(prod_config.database,
                             url=url.render_as_string(hide_password=False)),
            server=replace(prod_config.server, public_url=PUBLIC_URL),
            twilio=replace(prod_config.twilio, auth_token="test-auth-token-0123456789abcdef"))
        services = build_services(config, dispatcher=_Held())
        try:
            client = create_app(services=services, start_background=False).test_client()
            form = inbound_form("SM1", "jalan rusak di depan pasar")
            answer = client.post("/sms/twilio", data=form, headers=signed(form))
        finally:
            services.close()
    assert (answer.status_code, answer.text) == (
        503, "temporarily unable to store the message; retry later\n")


def test_the_one_statement_returns_its_connection_idle_without_a_rollback(
        no_ping: Services) -> None:
    """store.raw hands the connection back as a Core Connection does after its transaction:
    the pool's reset listeners hear that no transaction is open, and the rollback is skipped;
    the connection is back in the pool's mode (not autocommit) and idle."""
    from sqlalchemy import event

    resets: list[bool] = []
    event.listen(no_ping.engine.pool, "reset", lambda conn, rec, state: resets.append(
        state.transaction_was_reset))
    stored = store_inbound(no_ping, "twilio", "twilio", _sms(1), channel_log=_log())
    assert (stored.created, resets, no_ping.engine.pool.checkedout()) == (True, [True], 0)
    raw = no_ping.engine.raw_connection()  # the same connection, the pool's only one
    try:
        driver = raw.driver_connection
        assert (driver.autocommit, driver.info.transaction_status.name) == (False, "IDLE")
    finally:
        raw.close()
