"""What every command group shares: the configuration, or one clear line when it is wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sms_gateway.config import Config, ConfigError, load_config
from sms_gateway.telco.providers import channel_options

if TYPE_CHECKING:
    from sms_gateway.services import Services


def config() -> Config:
    """The configuration (file + environment); a ClickException naming what is wrong."""
    try:
        loaded = load_config()
        channel_options(loaded)  # each channel's provider options: unknown keys, wrong types
        return loaded
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None


def services(cfg: Config | None = None, **kwargs: Any) -> Services:
    """Build the services; a model that cannot be used is one clear line, not a traceback."""
    from sms_gateway.services import build_services

    try:
        return build_services(cfg or config(), **kwargs)
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    except ValueError as exc:  # parsers.modelfile.ModelError names the model
        if type(exc).__name__ != "ModelError":
            raise
        raise click.ClickException(f"model error: {exc}") from None


def check_model(cfg: Config) -> None:
    """Stop here, with one line, when the configured model cannot be used."""
    from sms_gateway.complaints.live_parser import check_model_file

    if cfg.parser.model_path:
        try:
            check_model_file(cfg.parser.model_path)
        except ValueError as exc:
            raise click.ClickException(f"model error: {exc}") from None
