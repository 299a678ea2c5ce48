"""Configurations for tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from sms_gateway.config import Config, load_config
from sms_gateway.store.pii import new_key


def make_config(tmp_path: Path, **sections: dict[str, Any]) -> Config:
    """A config for tests: SQLite under tmp_path, a fresh privacy key, given section values."""
    env = {"SMS_GATEWAY_PII_KEY": new_key()}
    config = load_config(env=env)
    config = replace(config, server=replace(config.server, var_dir=str(tmp_path / "var")))
    for name, values in sections.items():
        config = replace(config, **{name: replace(getattr(config, name), **values)})
    return config
