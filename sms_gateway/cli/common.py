"""What every command group shares: the configuration, or one clear line when it is wrong."""

from __future__ import annotations

import click

from sms_gateway.config import Config, ConfigError, load_config


def config() -> Config:
    """The configuration (file + environment); a ClickException naming what is wrong."""
    try:
        return load_config()
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
