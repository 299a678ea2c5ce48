"""Forwarding on Postgres + RQ to real local receivers: signed webhooks, retries, failures, SMTP."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sms_gateway.agency.deliveries import dispose, enqueue_deliveries
from sms_gateway.agency.records import directory_for
from sms_gateway.agency.transport import verify
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate, tickets
from sms_gateway.store.agency import AgencyAlert, AgencyDelivery, AgencyRecord, ForwardAttempt
from tests.support.agency import (
    PHONE,
    PUPR_SURABAYA,
    SECRET_ENV,
    SURABAYA_ROAD,
    overrides_file,
    sms_in,
    smtp_server,
    webhook_receiver,
)
from tests.support.config import make_config
from tests.support.net import free_port
from tests.support.rq import run_worker

pytestmark = pytest.mark.integration
SECRET = "test-secret-" + "x" * 20
DUKCAPIL = "disdukcapil:35.78"


@pytest.fixture
def build(tmp_path: Path, pg_url: str, redis_url: str,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Services]]:
    """Build Postgres + RQ services whose agencies have the given channels."""
    from redis import Redis

    monkeypatch.setenv(SECRET_ENV, SECRET)
    queue = f"test-{uuid.uuid4().hex[:10]}"
    built: list[Services] = []

    def factory(channels: list[dict[str, str]], **agency: Any) -> Services:
        values = {"routing_overrides": str(overrides_file(tmp_path, channels)),
                  "retry_intervals_seconds": (0,), "max_attempts": 3,
                  "webhook_timeout_seconds": 5.0, "smtp_security": "none", **agency}
        config = make_config(tmp_path, database={"url": pg_url},
                             queue={"redis_url": redis_url, "name": queue}, agency=values)
        migrate.upgrade(config)
        services = build_services(config)
        built.append(services)
        return services

    yield factory
    for services in built:
        services.close()
    conn = Redis.from_url(redis_url)
    keys = list(conn.scan_iter(match=f"*{queue}*", count=1000))
    if keys:
        conn.delete(*keys)
    conn.close()


def _webhook(url: str, agency: str = PUPR_SURABAYA) -> dict[str, str]:
    return {"agency": agency, "kind": "webhook", "url": url, "secret": SECRET_ENV}


def _forward(services: Services, category: str = "jalan_drainase", *, run: bool = True) -> int:
    with services.sessions.begin() as session:
        ticket = tickets.open_ticket(session, category=category, region_code="35.78",
                                     description="Jalan berlubang")
        tickets.apply_route(session, ticket, directory=directory_for(services))
        ids = dispose(services, session, ticket)
        ticket_id = ticket.id
    enqueue_deliveries(services, ids)
    if run:
        run_worker(services)
    return ticket_id


def _deliveries(services: Services) -> dict[str, tuple[str, int]]:
    with services.sessions() as session:
        rows = session.execute(select(AgencyDelivery.agency_code, AgencyDelivery.state,
                                      AgencyDelivery.attempts)).all()
    return {code: (state, attempts) for code, state, attempts in rows}


def test_webhook_signature_verifies_with_the_agencys_secret(build: Any) -> None:
    with webhook_receiver() as receiver:
        _forward(build([_webhook(receiver.url)]))
    got = receiver.requests[0]
    headers = got["headers"]
    assert verify(SECRET, headers["X-Lapor-Timestamp"], got["body"],
                  headers["X-Lapor-Signature"], now=time.time())


def test_webhook_carries_the_ticket(build: Any) -> None:
    with webhook_receiver() as receiver:
        _forward(build([_webhook(receiver.url)]))
    doc = json.loads(receiver.requests[0]["body"])
    assert (doc["event"], doc["ticket"]["category"]) == ("ticket.disposisi", "jalan_drainase")


def test_server_errors_are_retried_until_delivered(build: Any) -> None:
    with webhook_receiver(500, 500) as receiver:
        services = build([_webhook(receiver.url)])
        _forward(services)
    assert _deliveries(services) == {PUPR_SURABAYA: ("delivered", 3)}


def test_every_try_is_recorded(build: Any) -> None:
    with webhook_receiver(503, 200) as receiver:
        services = build([_webhook(receiver.url)])
        _forward(services)
    with services.sessions() as session:
        tries = session.execute(select(ForwardAttempt.http_status, ForwardAttempt.ok)
                                .order_by(ForwardAttempt.id)).all()
    assert tries == [(503, False), (200, True)]


def test_client_error_is_not_retried(build: Any) -> None:
    with webhook_receiver(410) as receiver:
        services = build([_webhook(receiver.url)])
        _forward(services)
    assert _deliveries(services) == {PUPR_SURABAYA: ("failed", 1)}


def test_repeated_failures_raise_one_alert(build: Any) -> None:
    with webhook_receiver(*[500] * 6) as receiver:
        services = build([_webhook(receiver.url)], alert_after_failures=2)
        _forward(services)
        _forward(services)
    with services.sessions() as session:
        alerts = session.execute(select(AgencyAlert.agency_code)).scalars().all()
    assert alerts == [PUPR_SURABAYA]


def test_the_alert_is_e_mailed_to_the_operators_once(build: Any) -> None:
    from sms_gateway.jobs.alerts import notify_alerts

    with webhook_receiver(*[500] * 6) as receiver, smtp_server() as sink:
        services = build([_webhook(receiver.url)], alert_after_failures=2,
                         alert_emails=("ops@lapor.example.go.id",), smtp_port=sink.port)
        _forward(services)
        _forward(services)
        sent = [notify_alerts(), notify_alerts()]
    assert (sent, [m.rcpt_tos for m in sink.messages]) == (
        [1, 0], [["ops@lapor.example.go.id"]])


def test_failures_are_counted_per_agency(build: Any) -> None:
    with webhook_receiver(*[500] * 3) as receiver:
        services = build([_webhook(receiver.url)])
        _forward(services)
    with services.sessions() as session:
        assert session.get(AgencyRecord, PUPR_SURABAYA).consecutive_failures == 3


def test_a_dead_agency_does_not_block_another(build: Any) -> None:
    dead = f"http://127.0.0.1:{free_port()}/hook"
    with webhook_receiver() as receiver:
        services = build([_webhook(dead), _webhook(receiver.url, DUKCAPIL)])
        _forward(services, run=False)  # queued first, failing on every try
        _forward(services, category="adminduk", run=False)
        run_worker(services)
    assert _deliveries(services) == {PUPR_SURABAYA: ("failed", 3), DUKCAPIL: ("delivered", 1)}


def test_anonymous_sms_reaches_the_agency_without_the_phone(build: Any) -> None:
    with webhook_receiver() as receiver:
        services = build([_webhook(receiver.url)])
        sms_in(services, "ANONIM " + SURABAYA_ROAD)
        run_worker(services)
    body = receiver.requests[0]["body"].decode()
    assert ("Ketintang" in body, PHONE[3:] in body) == (True, False)


def test_named_sms_reaches_the_agency_with_the_phone(build: Any) -> None:
    with webhook_receiver() as receiver:
        services = build([_webhook(receiver.url)])
        sms_in(services, SURABAYA_ROAD)
        run_worker(services)
    doc = json.loads(receiver.requests[0]["body"])
    assert doc["ticket"]["reporter"] == {"phone": PHONE}


def test_email_channel_delivers_through_smtp(build: Any) -> None:
    with smtp_server() as sink:
        services = build([{"agency": PUPR_SURABAYA, "kind": "email",
                           "address": "pengaduan@pu.example.go.id"}],
                         smtp_host="127.0.0.1", smtp_port=sink.port)
        _forward(services)
    assert [m.rcpt_tos for m in sink.messages] == [["pengaduan@pu.example.go.id"]]


def test_email_names_the_ticket(build: Any) -> None:
    with smtp_server() as sink:
        services = build([{"agency": PUPR_SURABAYA, "kind": "email",
                           "address": "pengaduan@pu.example.go.id"}],
                         smtp_port=sink.port)
        _forward(services)
    assert b"Tiket #" in sink.messages[0].content


def test_unreachable_smtp_is_retried_then_failed(build: Any) -> None:
    services = build([{"agency": PUPR_SURABAYA, "kind": "email",
                       "address": "pengaduan@pu.example.go.id"}], smtp_port=free_port())
    _forward(services)
    assert _deliveries(services) == {PUPR_SURABAYA: ("failed", 3)}
