"""Configurations for tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from sms_gateway.config import Config, load_config
from sms_gateway.store.pii import new_key


def make_config(tmp_path: Path, **sections: dict[str, Any]) -> Config:
    """A config for tests: SQLite under tmp_path, fresh privacy and session keys, given values."""
    env = {"SMS_GATEWAY_PII_KEY": new_key(), "SMS_GATEWAY_SECRET_KEY": new_key()}
    config = load_config(env=env)
    config = replace(config, server=replace(config.server, var_dir=str(tmp_path / "var")))
    for name, values in sections.items():
        config = replace(config, **{name: replace(getattr(config, name), **values)})
    if config.production and config.sms.outbound == "console" and "sms" not in sections:
        # No console channel in production: replies go to a Twilio nobody listens on (tests
        # that look at replies point twilio.api_base_url at tests/fake_twilio.py).
        config = replace(config, sms=replace(config.sms, outbound="twilio"), twilio=replace(
            config.twilio, account_sid="AC" + "0" * 32, auth_token="test-token", from_="1708",
            api_base_url="http://127.0.0.1:9"))
    return config
