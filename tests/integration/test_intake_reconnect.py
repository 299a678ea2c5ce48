"""Without the pool's ping, a connection the database dropped costs the webhook nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select, text

from sms_gateway.config import Config
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate
from sms_gateway.store.models import InboundMessage
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms

pytestmark = pytest.mark.integration


class _Held(InlineDispatcher):
    """Keeps jobs unrun: only the intake is under test."""

    def enqueue(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        return None


@pytest.fixture
def no_ping(prod_config: Config) -> Iterator[Services]:
    config = replace(prod_config, database=replace(prod_config.database, pool_pre_ping=False))
    migrate.upgrade(config)
    services = build_services(config, dispatcher=_Held())
    yield services
    services.close()


def _sms(i: int) -> IncomingSms:
    return IncomingSms(f"SM{i}", "+6281234567890", "1708", f"jalan rusak nomor {i}", {})


def test_a_dropped_pooled_connection_is_replaced_and_the_message_stored(
        no_ping: Services) -> None:
    assert not no_ping.engine.pool._pre_ping  # noqa: SLF001 - the setting under test
    store_inbound(no_ping, "twilio", "twilio", _sms(1))  # leaves one connection in the pool
    with no_ping.engine.connect() as conn:
        pooled = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    # The database drops that connection (a restart, an idle timeout, a failover).
    with no_ping.engine.pool._creator() as killer:  # noqa: SLF001 - a connection outside the pool
        killer.execute("SELECT pg_terminate_backend(%s)", (pooled,))
        killer.commit()
    stored = store_inbound(no_ping, "twilio", "twilio", _sms(2))
    again = store_inbound(no_ping, "twilio", "twilio", _sms(2))  # the provider's retry
    with no_ping.sessions() as session:
        count = session.execute(select(func.count()).select_from(InboundMessage)).scalar_one()
    assert (stored.created, again.created, again.message_id, count) == (
        True, False, stored.message_id, 2)
