"""/metrics: a bearer token when one is configured, and database counts at most every 30 s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sms_gateway.app import create_app
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import build_services
from sms_gateway.store import migrate
from sms_gateway.store.models import Ticket
from tests.support.config import make_config

TOKEN = "metrics-7f3a"


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[Any]:
    config = make_config(tmp_path, server={"metrics_token": TOKEN})
    migrate.upgrade(config)
    services = build_services(config, dispatcher=InlineDispatcher())
    yield create_app(services=services, start_background=False).test_client()
    services.close()


@pytest.mark.parametrize("header", [None, "Bearer wrong", TOKEN, f"Basic {TOKEN}"],
                         ids=["missing", "wrong", "no_scheme", "basic"])
def test_metrics_without_the_token_is_401(guarded: Any, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    answer = guarded.get("/metrics", headers=headers)
    assert (answer.status_code, b"sms_gateway_" in answer.data) == (401, False)


def test_metrics_with_the_token_answers(guarded: Any) -> None:
    answer = guarded.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert (answer.status_code, b"sms_gateway_tickets_total" in answer.data) == (200, True)


def test_metrics_token_comes_from_the_environment() -> None:
    from sms_gateway.config import load_config

    config = load_config(env={"SMS_GATEWAY_METRICS_TOKEN": TOKEN})
    assert config.server.metrics_token == TOKEN


def _tickets_line(client: Any) -> list[str]:
    return [line for line in client.get("/metrics").get_data(as_text=True).splitlines()
            if line.startswith("sms_gateway_tickets_total{")]


def _add_ticket(services: Any) -> None:
    with services.sessions.begin() as session:
        session.add(Ticket(number="1234567", category="lainnya", status="belum_terverifikasi"))


def test_database_counts_are_cached_between_scrapes(client: Any, services: Any) -> None:
    first = _tickets_line(client)
    _add_ticket(services)
    assert (first, _tickets_line(client)) == ([], [])


def test_database_counts_are_fresh_without_a_cache(tmp_path: Path) -> None:
    config = make_config(tmp_path, server={"metrics_cache_seconds": 0.0})
    migrate.upgrade(config)
    services = build_services(config, dispatcher=InlineDispatcher())
    try:
        client = create_app(services=services, start_background=False).test_client()
        _tickets_line(client)
        _add_ticket(services)
        line = _tickets_line(client)
    finally:
        services.close()
    assert line == ['sms_gateway_tickets_total{status="belum_terverifikasi"} 1']
