"""Fixtures for the provider tables: every channel configured, HTTP faked, secrets watched."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from sms_gateway.config import ChannelConfig, Config
from sms_gateway.services import Services
from sms_gateway.telco.providers import build_channels
from tests.providers.harness import PUBLIC_URL, FakeAdapter, stored_logs
from tests.support.channels import channel_config
from tests.support.config import make_config

TWILIO_SID = "AC" + "0123456789abcdef" * 2
SECRETS = {
    "twilio": "twilio-auth-token-0001",
    "kannel_password": "kannel-pass-0002",
    "kannel_secret": "kannel-shared-0003",
    "jasmin_password": "jasmin-pass-0004",
    "jasmin_secret": "jasmin-shared-0005",
}
HOSTS = frozenset({"api.twilio.com", "kannel.test:13013", "jasmin.test:1401"})


def kannel_channel(**overrides: object) -> ChannelConfig:
    values: dict[str, object] = {
        "url": "http://kannel.test:13013/cgi-bin/sendsms",
        "username": "gateway", "password": SECRETS["kannel_password"],
        "secret": SECRETS["kannel_secret"], "from_": "1708"}
    values.update(overrides)
    return channel_config("kannel", **values)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    cfg = make_config(tmp_path, server={"public_url": PUBLIC_URL},
                      twilio={"account_sid": TWILIO_SID, "auth_token": SECRETS["twilio"],
                              "from_": "+6221708"})
    channels = {
        "kannel": kannel_channel(),
        "kannel_ip": kannel_channel(secret="", allow_ips=("10.1.2.0/24",)),
        "jasmin": channel_config("http", preset="jasmin",
                                url="http://jasmin.test:1401/send", username="gw",
                                password=SECRETS["jasmin_password"],
                                secret=SECRETS["jasmin_secret"], from_="1708"),
    }
    return replace(cfg, channels=channels)


@pytest.fixture
def fake_http(services: Services) -> Iterator[FakeAdapter]:
    """Replace real HTTP for every channel; fails the test on an unmocked host."""
    adapter = FakeAdapter(HOSTS)
    services.channels = build_channels(services.config, adapter=adapter)
    yield adapter
    assert adapter.unmocked == [], f"requests to unmocked hosts: {adapter.unmocked}"
    leaks = [(name, t) for t in stored_logs(services) for name, s in SECRETS.items() if s in t]
    assert leaks == [], f"secrets in channel logs: {leaks[:3]}"


@pytest.fixture(autouse=True)
def no_secret_leaks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail when a secret shows up in a log record (channel logs: see `fake_http`)."""
    caplog.set_level(logging.DEBUG)
    yield
    texts = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    leaks = [(name, t) for t in texts for name, s in SECRETS.items() if s in t]
    assert leaks == [], f"secrets in logs: {leaks[:3]}"
