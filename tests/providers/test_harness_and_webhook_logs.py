"""The harness itself refuses unmocked hosts; webhooks leave masked channel logs."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sms_gateway.store.models import InboundMessage
from sms_gateway.telco import channel_logs
from sms_gateway.telco.providers.transport import make_session
from tests.providers.conftest import SECRETS
from tests.providers.harness import FakeAdapter, UnmockedRequest


def test_fake_adapter_refuses_an_unmocked_host() -> None:
    session = make_session((), FakeAdapter(frozenset({"kannel.test:13013"})))
    with pytest.raises(UnmockedRequest):
        session.get("http://api.example.com/steal")


def test_inbound_webhook_is_logged_with_its_secret_masked(client: Any, services: Any,
                                                          fake_http: Any) -> None:
    client.get("/sms/kannel", query_string={
        "secret": SECRETS["kannel_secret"], "id": "w1", "from": "081234567890",
        "text": "jalan rusak"})
    with services.sessions() as session:
        message_id = session.execute(select(InboundMessage.id)).scalar_one()
        logs = channel_logs.for_message(session, inbound_id=message_id)
    assert [(log.kind, "secret=***" in log.url, "0812*****890" in log.url)
            for log in logs] == [("receive", True, True)]
