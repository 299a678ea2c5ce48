"""Login backoff per account and per client, and the client's address behind a proxy."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select

from sms_gateway.app import create_app
from sms_gateway.services import Services
from sms_gateway.store.console import AuditEntry
from tests.unit.console.conftest import add_user, csrf_of, sign_in


def _bad_logins(client: Any, email: str, times: int) -> list[int]:
    return [sign_in(client, email, "wrong password!").status_code for _ in range(times)]


def test_thirty_bad_logins_for_one_account_do_not_stop_another(client: Any,
                                                                services: Services) -> None:
    add_user(services, "a@example.id")
    add_user(services, "b@example.id")
    _bad_logins(client, "a@example.id", 30)
    assert sign_in(client, "b@example.id").status_code == 302


def test_an_account_under_attack_backs_off(client: Any, services: Services) -> None:
    add_user(services, "a@example.id")
    codes = _bad_logins(client, "a@example.id", 7)
    assert (codes[:5], codes[5]) == ([401] * 5, 429)


def test_a_client_trying_many_accounts_backs_off(client: Any, services: Services) -> None:
    limit = services.config.console.login_max_failures_per_ip
    for n in range(limit):
        sign_in(client, f"nobody{n}@example.id", "wrong password!")
    add_user(services, "b@example.id")
    assert sign_in(client, "b@example.id").status_code == 429


def test_behind_a_trusted_proxy_the_audit_log_shows_the_client_address(
        services: Services) -> None:
    config = replace(services.config,
                     server=replace(services.config.server, trusted_proxies=1))
    services.config = config
    app = create_app(services=services, start_background=False)
    add_user(services, "op@example.id")
    client = app.test_client()
    headers = {"X-Forwarded-For": "203.0.113.9"}
    token = csrf_of(client)
    client.post("/console/login", data={"csrf_token": token, "email": "op@example.id",
                                        "password": "correct horse battery"},
                headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    with services.sessions() as session:
        addresses = session.execute(select(AuditEntry.remote_addr).where(
            AuditEntry.action == "login")).scalars().all()
    assert addresses == ["203.0.113.9"]


def test_without_trusted_proxies_a_forwarded_address_is_ignored(app: Any,
                                                                 services: Services) -> None:
    add_user(services, "op@example.id")
    client = app.test_client()
    token = csrf_of(client)
    client.post("/console/login", data={"csrf_token": token, "email": "op@example.id",
                                        "password": "correct horse battery"},
                headers={"X-Forwarded-For": "203.0.113.9"},
                environ_base={"REMOTE_ADDR": "127.0.0.1"})
    with services.sessions() as session:
        addresses = session.execute(select(AuditEntry.remote_addr).where(
            AuditEntry.action == "login")).scalars().all()
    assert addresses == ["127.0.0.1"]
