"""Checks across keys: values a type cannot express, and what stops start-up."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from sms_gateway.config.sections import Config, ConfigError

LANGUAGES = ("id", "en")  # the console's and the replies' languages
BUILT_IN_CHANNELS = ("console", "twilio")


def check_values(config: Config) -> None:
    """Values that can never work, each named by its key (types are checked by _build)."""
    if not 1 <= config.server.port <= 65535:
        raise ConfigError(f"server.port: {config.server.port} is not a TCP port (1-65535)")
    for key, value in (("console.language", config.console.language),
                       ("sms.language", config.sms.language)):
        if value not in LANGUAGES:
            raise ConfigError(f"{key}: {value!r} is not a language of the gateway "
                              f"({', '.join(LANGUAGES)})")
    for key, number in (("console.session_idle_minutes", config.console.session_idle_minutes),
                        ("console.session_max_hours", config.console.session_max_hours),
                        ("console.login_window_minutes", config.console.login_window_minutes),
                        ("console.page_size", config.console.page_size),
                        ("database.pool_size", config.database.pool_size),
                        ("sms.max_send_attempts", config.sms.max_send_attempts)):
        if number <= 0:
            raise ConfigError(f"{key}: must be greater than 0, got {number}")
    public = config.server.public_url
    if public and not _absolute_http_url(public):
        raise ConfigError(f"server.public_url: {public!r} is not an absolute http(s) URL such as "
                          "https://gateway.example.id (webhook signatures are checked against "
                          "it, so every signed webhook would get 403)")
    if config.server.trusted_proxies < 0:
        raise ConfigError(f"server.trusted_proxies: must be 0 or more, got "
                          f"{config.server.trusted_proxies}")
    for channel_name, channel in config.channels.items():
        bounds: tuple[tuple[str, float], ...] = (
            ("rate_limit", channel.rate_limit), ("burst", channel.burst),
            ("send_concurrency", channel.send_concurrency))
        for option, bound in bounds:
            if bound < 0:
                raise ConfigError(f"channels.{channel_name}.{option}: must be 0 or more, "
                                  f"got {bound}")
    known = (*BUILT_IN_CHANNELS, *config.channels)
    for key, name in (("sms.outbound", config.sms.outbound),
                      *(("sms.failover", n) for n in config.sms.failover)):
        if name not in known:
            raise ConfigError(f"{key}: unknown channel {name!r} (known: {', '.join(known)})")


def _absolute_http_url(url: str) -> bool:
    """scheme://host[:port][/path] and nothing else: what a signature is checked against is
    this text plus the request's path, byte for byte (so no spaces, no "?", "#" or user:pw@,
    which the 403 warning would print)."""
    if any(c.isspace() or not c.isprintable() for c in url) or "?" in url or "#" in url:
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return False
    return url.startswith(("http://", "https://")) and bool(parts.hostname) \
        and "@" not in parts.netloc


def startup_problem(config: Config) -> str | None:
    """Why a process with this configuration cannot work, in one line; None when it can.

    Checked by the composition root before anything is built, so that `serve`, `worker` and
    every command refuse to start instead of failing at the first SMS.
    """
    url = config.database.url
    if url.startswith("sqlite") and ":memory:" not in url:
        parent = Path(url.split("///", 1)[-1]).parent
        if not parent.is_dir():
            return (f"database.url: the directory {parent} does not exist; create it first "
                    "(the gateway creates only its own var directory)")
    if config.production:
        missing = [var for var, value in (("SMS_GATEWAY_PII_KEY", config.privacy.key),
                                          ("SMS_GATEWAY_SECRET_KEY", config.server.secret_key))
                   if not value]
        if missing:
            return (f"production mode (DATABASE_URL/REDIS_URL set) needs {' and '.join(missing)}"
                    " (the same value on every host; see docs/security.md)")
        if "console" in (config.sms.outbound, *config.sms.failover):
            return ("sms.outbound: the console channel exists only in the embedded mode; set "
                    "SMS_GATEWAY_OUTBOUND to a real channel (twilio or a [channels.*] table)")
    twilio = config.twilio
    if "twilio" in (config.sms.outbound, *config.sms.failover):
        missing = [var for var, value in (("TWILIO_ACCOUNT_SID", twilio.account_sid),
                                          ("TWILIO_AUTH_TOKEN", twilio.auth_token),
                                          ("TWILIO_FROM", twilio.from_)) if not value]
        if missing:
            return f"sms.outbound uses twilio but {', '.join(missing)} is not set"
    return None


def startup_warnings(config: Config) -> list[str]:
    """What works but should not be so in production, each in one line (logged at start)."""
    public = config.server.public_url
    if config.production and config.twilio.auth_token and public.startswith("http://"):
        return [f"server.public_url {public} is plain HTTP: a signed Twilio webhook read on the "
                "way can be re-cut into other fields with the same signature; serve HTTPS "
                "(docs/security.md, TLS)"]
    return []


def check_startup(config: Config) -> None:
    """Raise ConfigError with the one-line reason when this configuration cannot work."""
    problem = startup_problem(config)
    if problem:
        raise ConfigError(problem)
