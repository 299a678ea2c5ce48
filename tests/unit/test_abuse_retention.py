"""Retention: old message texts are erased, tickets and statistics stay."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from sms_gateway.complaints import retention
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.jobs.retention import purge_message_text
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import InboundMessage, Ticket
from sms_gateway.sweeper import periodic_tasks
from sms_gateway.telco.inbox import enqueue_inbound
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms
from tests.support.config import make_config

OLD = timedelta(days=200)
TEXT = "jalan rusak parah di kota bandung"


def _gateway(tmp_path: Path, **cfg: Any) -> Services:
    config = make_config(tmp_path, retention={"message_text_days": 180, **cfg})
    migrate.upgrade(config)
    return build_services(config, dispatcher=InlineDispatcher())


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Services]:
    services = _gateway(tmp_path)
    yield services
    services.close()


def send(services: Services, age: timedelta = timedelta(0), text: str = TEXT,
         sender: str | None = None) -> int:
    received: datetime = utcnow() - age
    sender = sender or f"+62812{uuid.uuid4().int % 10**8:08d}"
    sms = IncomingSms(f"r-{uuid.uuid4().hex}", sender, "1708", text, {"Body": text},
                      received_at=received)
    stored = store_inbound(services, "console", "console", sms)
    enqueue_inbound(services, stored.message_id)
    return stored.message_id


def message(services: Services, message_id: int) -> InboundMessage:
    with services.sessions() as session:
        row = session.get(InboundMessage, message_id)
        assert row is not None
        return row


def test_purge_erases_the_text_of_old_messages(gateway: Services) -> None:
    old = send(gateway, OLD)
    purge_message_text(force=True)
    assert message(gateway, old).text is None


def test_purge_erases_the_encrypted_raw_payload(gateway: Services) -> None:
    old = send(gateway, OLD)
    purge_message_text(force=True)
    assert message(gateway, old).raw_enc is None


def test_purge_drops_the_free_text_from_the_parse_but_keeps_the_category(
        gateway: Services) -> None:
    old = send(gateway, OLD)
    purge_message_text(force=True)
    parse = message(gateway, old).parse or {}
    assert ("description" in parse, parse.get("category")) == (False, "jalan_drainase")


def test_purge_keeps_recent_messages(gateway: Services) -> None:
    recent = send(gateway, timedelta(days=10))
    purge_message_text(force=True)
    assert message(gateway, recent).text == TEXT


def test_purge_keeps_tickets_and_their_statistics(gateway: Services) -> None:
    for _ in range(3):
        send(gateway, OLD)

    def stats() -> list[tuple[str, int]]:
        with gateway.sessions() as session:
            return [tuple(r) for r in session.execute(  # type: ignore[misc]
                select(Ticket.category, func.count()).group_by(Ticket.category)).all()]

    before = stats()
    purge_message_text(force=True)
    assert (stats(), before) == ([("jalan_drainase", 3)], [("jalan_drainase", 3)])


def test_purge_works_in_batches_until_done(tmp_path: Path) -> None:
    services = _gateway(tmp_path, batch_size=2)
    try:
        for _ in range(5):
            send(services, OLD)
        assert purge_message_text(force=True) == 5
    finally:
        services.close()


def test_zero_days_keeps_everything(tmp_path: Path) -> None:
    services = _gateway(tmp_path, message_text_days=0)
    try:
        old = send(services, OLD)
        purge_message_text(force=True)
        assert message(services, old).text == TEXT
    finally:
        services.close()


def test_purge_runs_at_most_once_per_interval(gateway: Services,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention, "_last_run", 0.0)
    purge_message_text()
    late = send(gateway, OLD)
    purge_message_text()
    assert message(gateway, late).text == TEXT


def test_purge_is_one_of_the_sweepers_periodic_tasks() -> None:
    assert purge_message_text in periodic_tasks()


def test_migrations_create_the_partial_index_the_purge_walks(gateway: Services) -> None:
    names = {ix["name"] for ix in inspect(gateway.engine).get_indexes("inbound_messages")}
    assert "ix_inbound_unpurged" in names
