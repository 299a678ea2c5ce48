"""Provider adapters behind one Protocol, and the explicit registry that builds channels.

A channel is one configured account with one provider, reached at /sms/<channel>. The
built-in `console` and `twilio` channels come from their own sections; every
`[channels.<name>]` table adds one more, built by the factory its `provider` names.
"""

from __future__ import annotations

from collections.abc import Callable

from requests.adapters import BaseAdapter

from sms_gateway.config import ChannelConfig, Config
from sms_gateway.telco.providers.base import Provider
from sms_gateway.telco.providers.console import ConsoleProvider
from sms_gateway.telco.providers.http import PRESETS, HttpAggregatorProvider
from sms_gateway.telco.providers.kannel import KannelProvider
from sms_gateway.telco.providers.transport import make_session
from sms_gateway.telco.providers.twilio import TwilioProvider

Factory = Callable[[str, ChannelConfig, BaseAdapter | None], Provider]


def _twilio(name: str, c: ChannelConfig, adapter: BaseAdapter | None) -> Provider:
    provider = TwilioProvider(c.username, c.password, c.from_,
                              c.url or "https://api.twilio.com", c.timeout_seconds)
    provider.name = name
    provider.http_session = make_session((c.password,), adapter)
    return provider


def _console(name: str, c: ChannelConfig, adapter: BaseAdapter | None) -> Provider:
    return ConsoleProvider(name=name)


def _kannel(name: str, c: ChannelConfig, adapter: BaseAdapter | None) -> Provider:
    return KannelProvider(name, c.url, c.username, c.password, c.from_, c.secret, c.allow_ips,
                          c.dlr_mask, c.smsc, c.status_url, c.timeout_seconds,
                          make_session((c.password, c.secret), adapter))


def _http(name: str, c: ChannelConfig, adapter: BaseAdapter | None) -> Provider:
    if c.preset and c.preset not in PRESETS:
        raise ValueError(f"channels.{name}.preset: unknown preset {c.preset!r}")
    base = PRESETS.get(c.preset, {})
    keys = ("method", "send_fields", "send_extra", "success_pattern", "throttled_pattern",
            "unicode", "gsm_coding", "incoming_fields", "incoming_reply", "status_fields",
            "status_mapping", "status_reply")
    # Configured values win over the preset's; empty ones fall back to it.
    options = {k: getattr(c, k) or base[k] for k in keys if getattr(c, k) or k in base}
    return HttpAggregatorProvider(
        name, c.url, username=c.username, password=c.password, from_=c.from_, secret=c.secret,
        allow_ips=c.allow_ips, timeout_seconds=c.timeout_seconds,
        session=make_session((c.password, c.secret), adapter), **options)


# Provider kind -> factory. Explicit: nothing registers itself on import.
REGISTRY: dict[str, Factory] = {
    "console": _console,
    "twilio": _twilio,
    "kannel": _kannel,
    "http": _http,
}


def channel_configs(config: Config) -> dict[str, ChannelConfig]:
    """Every channel's settings: the built-in console and twilio, then `[channels.*]`.

    The console channel takes SMS from anyone who can reach it (for `simulate` and local
    tests): it exists only in the embedded mode, never where DATABASE_URL or REDIS_URL is set.
    """
    t = config.twilio
    configs = {
        "twilio": ChannelConfig(provider="twilio", url=t.api_base_url, username=t.account_sid,
                                password=t.auth_token, from_=t.from_,
                                timeout_seconds=t.timeout_seconds),
    }
    if not config.production:
        configs["console"] = ChannelConfig(provider="console")
    for name, c in config.channels.items():
        if c.provider == "console" and config.production:
            raise ValueError(f"channels.{name}: the console provider exists only in the "
                             "embedded mode (no DATABASE_URL/REDIS_URL)")
        if c.provider not in REGISTRY:
            raise ValueError(f"channels.{name}.provider: unknown provider {c.provider!r} "
                             f"(known: {', '.join(sorted(REGISTRY))})")
        configs[name] = c
    return configs


def build_channels(config: Config, adapter: BaseAdapter | None = None) -> dict[str, Provider]:
    """Build every configured channel, keyed by name; `adapter` replaces real HTTP (tests)."""
    channels = {name: REGISTRY[c.provider](name, c, adapter)
                for name, c in channel_configs(config).items()}
    for name in (config.sms.outbound, *config.sms.failover):
        if name not in channels:
            raise ValueError(f"sms.outbound/failover names an unknown channel: {name!r}")
    return channels
