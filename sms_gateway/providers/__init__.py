"""Provider adapters behind one Protocol, and the explicit registry that builds them."""

from __future__ import annotations

from collections.abc import Callable

from sms_gateway.config import Config
from sms_gateway.providers.base import Provider
from sms_gateway.providers.console import ConsoleProvider
from sms_gateway.providers.twilio import TwilioProvider


def _twilio(config: Config) -> Provider:
    t = config.twilio
    return TwilioProvider(t.account_sid, t.auth_token, t.from_, t.api_base_url,
                          t.timeout_seconds)


def _console(config: Config) -> Provider:
    return ConsoleProvider()


# Channel name -> factory. Explicit: nothing registers itself on import.
REGISTRY: dict[str, Callable[[Config], Provider]] = {
    "console": _console,
    "twilio": _twilio,
}


def build_channels(config: Config) -> dict[str, Provider]:
    """Build every channel the configuration can serve, keyed by channel name."""
    channels = {name: factory(config) for name, factory in REGISTRY.items()}
    if config.sms.outbound not in channels:
        raise ValueError(f"sms.outbound names an unknown channel: {config.sms.outbound!r}")
    return channels
