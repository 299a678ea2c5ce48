"""Provider adapters behind one Protocol, and the explicit registry that builds channels.

A channel is one configured account with one provider, reached at /sms/<channel>. The
built-in `console` and `twilio` channels come from their own sections; every
`[channels.<name>]` table adds one more, its options parsed by the options dataclass and built
by the factory of the kind its `provider` names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from requests.adapters import BaseAdapter

from sms_gateway.config import ChannelConfig, Config, ConfigError
from sms_gateway.telco.providers.base import Provider, parse_options
from sms_gateway.telco.providers.console import ConsoleOptions, ConsoleProvider
from sms_gateway.telco.providers.http import HttpAggregatorProvider, HttpOptions
from sms_gateway.telco.providers.kannel import KannelOptions, KannelProvider
from sms_gateway.telco.providers.transport import make_session
from sms_gateway.telco.providers.twilio import CHANNEL_KEYS, TwilioOptions, TwilioProvider


@dataclass(frozen=True)
class ProviderKind:
    """One provider kind: its options dataclass and the factory of a channel's adapter."""

    options: type[Any]
    build: Callable[[str, Any, BaseAdapter | None], Provider]
    # A channel table's generic key -> the option it sets (twilio: username is account_sid).
    aliases: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def parse(self, name: str, c: ChannelConfig) -> Any:
        """The typed options of one channel table; unknown key: a ConfigError."""
        return parse_options(self.options, name, c.provider, c.options, self.aliases)


def _twilio(name: str, o: TwilioOptions, adapter: BaseAdapter | None) -> Provider:
    return TwilioProvider(o, name=name, http_session=make_session((o.auth_token,), adapter))


def _console(name: str, o: ConsoleOptions, adapter: BaseAdapter | None) -> Provider:
    return ConsoleProvider(name=name)


def _kannel(name: str, o: KannelOptions, adapter: BaseAdapter | None) -> Provider:
    return KannelProvider.from_options(name, o, make_session((o.password, o.secret), adapter))


def _http(name: str, o: HttpOptions, adapter: BaseAdapter | None) -> Provider:
    return HttpAggregatorProvider.from_options(name, o,
                                               make_session((o.password, o.secret), adapter))


# Provider kind -> options and factory. Explicit: nothing registers itself on import.
REGISTRY: dict[str, ProviderKind] = {
    "console": ProviderKind(ConsoleOptions, _console),
    "twilio": ProviderKind(TwilioOptions, _twilio, CHANNEL_KEYS),
    "kannel": ProviderKind(KannelOptions, _kannel),
    "http": ProviderKind(HttpOptions, _http),
}


def channel_configs(config: Config) -> dict[str, ChannelConfig]:
    """Every channel's common settings: the built-in twilio (and console, embedded mode only),
    then `[channels.*]`."""
    builtin = {"twilio": ChannelConfig(provider="twilio")}
    if not config.production:
        builtin["console"] = ChannelConfig(provider="console")
    return {**builtin, **config.channels}


def channel_options(config: Config) -> dict[str, tuple[ProviderKind, Any]]:
    """Every channel's provider kind and typed options; a ConfigError names a wrong key.

    The console channel takes SMS from anyone who can reach it (for `simulate` and local
    tests): it exists only in the embedded mode, never where DATABASE_URL or REDIS_URL is set.
    """
    found: dict[str, tuple[ProviderKind, Any]] = {
        "twilio": (REGISTRY["twilio"], TwilioOptions(**dataclasses.asdict(config.twilio))),
    }
    if not config.production:
        found["console"] = (REGISTRY["console"], ConsoleOptions())
    for name, c in config.channels.items():
        if c.provider == "console" and config.production:
            raise ConfigError(f"channels.{name}: the console provider exists only in the "
                              "embedded mode (no DATABASE_URL/REDIS_URL)")
        kind = REGISTRY.get(c.provider)
        if kind is None:
            raise ConfigError(f"channels.{name}.provider: unknown provider {c.provider!r} "
                              f"(known: {', '.join(sorted(REGISTRY))})")
        found[name] = (kind, kind.parse(name, c))
    return found


def build_channels(config: Config, adapter: BaseAdapter | None = None) -> dict[str, Provider]:
    """Build every configured channel, keyed by name; `adapter` replaces real HTTP (tests)."""
    channels = {name: kind.build(name, options, adapter)
                for name, (kind, options) in channel_options(config).items()}
    for name in (config.sms.outbound, *config.sms.failover):
        if name not in channels:
            raise ValueError(f"sms.outbound/failover names an unknown channel: {name!r}")
    return channels
