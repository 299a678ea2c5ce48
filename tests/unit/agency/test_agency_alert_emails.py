"""Agency alerts are e-mailed to the operators, once each, through a real local SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import select

from sms_gateway.agency.deliveries import _track
from sms_gateway.agency.records import directory_for, ensure_agency
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.jobs.alerts import notify_alerts
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate
from sms_gateway.store.agency import AgencyAlert, AgencyRecord
from sms_gateway.store.db import utcnow
from sms_gateway.sweeper import periodic_tasks
from sms_gateway.telco.providers.errors import SendError, SendErrorKind
from tests.support.agency import PUPR_SURABAYA, MailSink, smtp_server
from tests.support.config import make_config
from tests.support.net import free_port

OPS = ("ops@lapor.example.go.id", "piket@lapor.example.go.id")


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with smtp_server() as running:
        yield running


def _services(tmp_path: Path, **agency: Any) -> Services:
    config = make_config(tmp_path, server={"public_url": "https://lapor.example.go.id"},
                         agency={"alert_after_failures": 2, "max_attempts": 3,
                                 "smtp_security": "none", **agency})
    migrate.upgrade(config)
    return build_services(config, dispatcher=InlineDispatcher())


@pytest.fixture
def gateway(tmp_path: Path, sink: MailSink) -> Iterator[Services]:
    services = _services(tmp_path, alert_emails=OPS, smtp_port=sink.port)
    yield services
    services.close()


def _fail(services: Services, times: int) -> None:
    """Failed tries of PUPR Surabaya, counted as the forward job counts them."""
    with services.sessions.begin() as session:
        agency = ensure_agency(session, directory_for(services), PUPR_SURABAYA)
        assert agency is not None
        for _ in range(times):
            _track(session, agency, SendError(SendErrorKind.SERVER, "HTTP 503"), utcnow(), 2)


def _alerts(services: Services) -> list[tuple[bool, int, str | None]]:
    with services.sessions() as session:
        rows = session.execute(select(AgencyAlert).order_by(AgencyAlert.id)).scalars().all()
        return [(a.notified_at is not None, a.notify_attempts, a.notify_error) for a in rows]


def test_an_alert_is_e_mailed_once_to_every_operator_address(gateway: Services,
                                                             sink: MailSink) -> None:
    _fail(gateway, 3)
    sent = [notify_alerts(), notify_alerts()]
    [mail] = sink.messages
    message = message_from_bytes(mail.content)
    body = message.get_payload(decode=True).decode()
    page = f"https://lapor.example.go.id/console/admin/agencies/{quote(PUPR_SURABAYA, safe='')}"
    assert (sent, sorted(mail.rcpt_tos), PUPR_SURABAYA in message["Subject"],
            "2 consecutive delivery failures" in body, page in body, _alerts(gateway)) == (
        [1, 0], sorted(OPS), True, True, True, [(True, 1, None)])


def test_a_recovered_agency_that_fails_again_is_e_mailed_again(gateway: Services,
                                                               sink: MailSink) -> None:
    _fail(gateway, 2)
    notify_alerts()
    with gateway.sessions.begin() as session:
        agency = session.get(AgencyRecord, PUPR_SURABAYA)
        _track(session, agency, None, utcnow(), 2)  # delivers again: the alert closes
    _fail(gateway, 2)
    assert (notify_alerts(), len(sink.messages)) == (1, 2)


def test_unreachable_smtp_is_retried_each_round_up_to_max_attempts(tmp_path: Path) -> None:
    services = _services(tmp_path, alert_emails=OPS, smtp_port=free_port())
    try:
        _fail(services, 2)
        rounds = [notify_alerts() for _ in range(4)]
        [(notified, attempts, error)] = _alerts(services)
    finally:
        services.close()
    assert (rounds, notified, attempts, "network" in (error or "")) == (
        [0, 0, 0, 0], False, 3, True)


def test_an_smtp_server_that_comes_back_gets_the_alert(tmp_path: Path) -> None:
    port = free_port()
    services = _services(tmp_path, alert_emails=OPS, smtp_port=port)
    try:
        _fail(services, 2)
        first = notify_alerts()
        from aiosmtpd.controller import Controller

        sink = MailSink(port=port)
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            second = notify_alerts()
        finally:
            controller.stop()
        alerts = _alerts(services)
    finally:
        services.close()
    assert (first, second, len(sink.messages), alerts) == (0, 1, 1, [(True, 2, None)])


def test_without_alert_emails_nothing_is_sent(tmp_path: Path, sink: MailSink) -> None:
    services = _services(tmp_path, smtp_port=sink.port)
    try:
        _fail(services, 2)
        sent = notify_alerts()
        alerts = _alerts(services)
    finally:
        services.close()
    assert (sent, sink.messages, alerts) == (0, [], [(False, 0, None)])


def test_an_alert_older_than_a_day_is_not_e_mailed(gateway: Services, sink: MailSink) -> None:
    _fail(gateway, 2)
    assert (notify_alerts(now=utcnow() + timedelta(days=2)), sink.messages) == (0, [])


def test_the_sweeper_runs_the_alert_e_mails() -> None:
    assert notify_alerts in periodic_tasks()
