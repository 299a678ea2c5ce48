"""On Postgres a webhook stores its SMS and its channel log in one statement, in autocommit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError

from sms_gateway.app import create_app
from sms_gateway.config import Config
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate
from sms_gateway.store.channels import ChannelLog
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import InboundMessage
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms
from tests.support.twilio_signing import PUBLIC_URL, inbound_form, signed

pytestmark = pytest.mark.integration

TOKEN = "test-auth-token-0123456789abcdef"


class _Held(InlineDispatcher):
    """Keeps jobs unrun: only the intake is under test."""

    def enqueue(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        return None


@pytest.fixture
def services(prod_config: Config) -> Iterator[Services]:
    config = replace(prod_config, server=replace(prod_config.server, public_url=PUBLIC_URL),
                     twilio=replace(prod_config.twilio, auth_token=TOKEN))
    migrate.upgrade(config)
    svc = build_services(config, dispatcher=_Held())
    yield svc
    svc.close()


def _statements(services: Services) -> list[str]:
    """Every statement that reaches the driver, whichever way (a Core execute, or the intake's
    plain DBAPI execute): psycopg's cursor_factory on each checked-out connection."""
    seen: list[str] = []

    class Recording(psycopg.Cursor[Any]):
        def execute(self, query: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(query.decode() if isinstance(query, bytes) else str(query))
            return super().execute(query, *args, **kwargs)

    @event.listens_for(services.engine, "checkout")
    def _record(dbapi_connection: Any, *args: Any) -> None:
        dbapi_connection.cursor_factory = Recording

    return seen


def _rows(services: Services) -> tuple[list[int], list[tuple[int | None, str, int | None]]]:
    with services.sessions() as session:
        ids = list(session.execute(select(InboundMessage.id)).scalars())
        logs = [tuple(row) for row in session.execute(
            select(ChannelLog.inbound_message_id, ChannelLog.kind, ChannelLog.status)
            .order_by(ChannelLog.id))]
    return ids, logs  # type: ignore[return-value]


def test_webhook_stores_message_and_log_in_one_statement_and_logs_a_repeat(
        services: Services) -> None:
    client = create_app(services=services, start_background=False).test_client()
    form = inbound_form("SM1", "jalan rusak di depan pasar")
    seen = _statements(services)
    assert client.post("/sms/twilio", data=form, headers=signed(form, token=TOKEN)).status_code \
        == 200
    assert len(seen) == 1 and seen[0].startswith("WITH stored AS")
    (message_id,), logs = _rows(services)
    assert logs == [(message_id, "receive", 200)]
    with services.sessions() as session:
        log = session.execute(select(ChannelLog)).scalar_one()
        message = session.get(InboundMessage, message_id)
    assert message is not None and "81234567890" not in message.sender_enc
    assert "Body=jalan+rusak" in log.request_body and TOKEN not in log.request_body
    assert log.request_headers is not None and "X-Twilio-Signature" in log.request_headers
    assert log.response_body.startswith("<?xml") and log.method == "POST"

    # The provider's retry: nothing new stored but its call is logged, with the first one's id.
    assert client.post("/sms/twilio", data=form, headers=signed(form, token=TOKEN)).status_code \
        == 200
    ids, logs = _rows(services)
    assert ids == [message_id]
    assert logs == [(message_id, "receive", 200), (message_id, "receive", 200)]


def _sms(i: int) -> IncomingSms:
    return IncomingSms(f"SM{i}", "+6281234567890", "1708", "lampu jalan mati", {})


def test_message_and_log_are_stored_both_or_neither(services: Services) -> None:
    sms = _sms(2)
    bad_log = {"channel": "twilio", "kind": "receive", "outbound_message_id": None,
               "method": "POST", "url": "u", "request_headers": {}, "request_body": "",
               "status": 200, "response_body": "", "error": None, "elapsed_ms": 0,
               "created_at": None}  # created_at is NOT NULL: the statement fails
    with pytest.raises(DBAPIError):
        store_inbound(services, "twilio", "twilio", sms, channel_log=bad_log)
    with services.sessions() as session:
        assert session.execute(select(func.count()).select_from(InboundMessage)).scalar_one() \
            == 0
    stored = store_inbound(services, "twilio", "twilio", sms,
                           channel_log={**bad_log, "created_at": utcnow()})
    assert stored.created
    assert _rows(services) == ([stored.message_id], [(stored.message_id, "receive", 200)])



def test_the_connection_goes_back_to_the_pool_out_of_autocommit(services: Services) -> None:
    log = {"channel": "twilio", "kind": "receive", "outbound_message_id": None,
           "method": "POST", "url": "u", "request_headers": {}, "request_body": "",
           "status": 200, "response_body": "", "error": None, "elapsed_ms": 0,
           "created_at": None}  # NOT NULL: the first statement fails, the second stores
    with pytest.raises(DBAPIError):
        store_inbound(services, "twilio", "twilio", _sms(3), channel_log=log)
    store_inbound(services, "twilio", "twilio", _sms(3),
                  channel_log={**log, "created_at": utcnow()})
    assert services.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
    with services.engine.connect() as conn:  # the intake's connection, as the next user gets it
        assert conn.connection.driver_connection.autocommit is False  # type: ignore[union-attr]
