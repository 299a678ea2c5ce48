"""The effective configuration as the settings page shows it: every section, secrets masked."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sms_gateway.config import CHANNEL_ENV_KEYS, ENV_OVERRIDES, ChannelConfig, Config, ConfigError
from sms_gateway.telco.providers import REGISTRY

MASK = "****"
# A field, table key or query parameter with one of these in its name holds a secret.
SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|auth|sig|credential", re.IGNORECASE)
# Tables whose entries map our names onto a provider's: their values are names, not secrets.
NAME_TABLES = frozenset({"send_fields", "incoming_fields", "status_fields", "status_mapping"})


@dataclass(frozen=True)
class Row:
    """One configuration key: its shown value, whether it is a secret, and its env variable."""

    key: str
    value: str
    secret: bool = False
    is_set: bool = False
    env: str = ""


@dataclass(frozen=True)
class Section:
    name: str
    rows: tuple[Row, ...]


def is_secret_name(name: str) -> bool:
    """True when a key's name says it holds a secret (password, token, key, ...)."""
    return bool(SECRET_NAME.search(name))


def mask_url(value: str) -> str:
    """The URL without its password and without secret-looking query parameters."""
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return value
    if not (parts.scheme and parts.netloc):
        return value
    netloc = parts.netloc
    if password is not None:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if is_secret_name(k) else v) for k, v in pairs],
                          safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _secrets_in_url(value: str) -> list[str]:
    try:
        parts = urlsplit(value)
        found = [parts.password] if parts.password else []
    except ValueError:
        return []
    found += [v for k, v in parse_qsl(parts.query) if is_secret_name(k) and v]
    return found


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return ", ".join(_text(v) for v in value)
    return mask_url(value) if isinstance(value, str) else str(value)


class _Masker:
    """Builds rows and remembers every secret it hid, to scrub them from the other values."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def row(self, key: str, name: str, value: Any, env: str = "") -> Row:
        if is_secret_name(name):
            if isinstance(value, str) and value:
                self.secrets.add(value)
            return Row(key, "", secret=True, is_set=bool(value), env=env)
        if isinstance(value, Mapping):
            shown = []
            for k, v in value.items():
                if is_secret_name(str(k)) and name not in NAME_TABLES:
                    self.secrets.add(str(v))
                    v = MASK
                shown.append(f"{k}={_text(v)}")
            return Row(key, "; ".join(shown), env=env)
        if isinstance(value, str):
            self.secrets.update(_secrets_in_url(value))
        return Row(key, _text(value), env=env)

    def scrub(self, rows: Iterable[Row]) -> tuple[Row, ...]:
        """Defence in depth: a secret value that also shows up elsewhere is hidden there too."""
        known = sorted((s for s in self.secrets if len(s) >= 4), key=len, reverse=True)
        out = []
        for row in rows:
            value = row.value
            for secret in known:
                value = value.replace(secret, MASK)
            out.append(dataclasses.replace(row, value=value))
        return tuple(out)


def _env_names() -> dict[tuple[str, str], str]:
    return {(section, key): var for var, (section, key) in ENV_OVERRIDES.items()}


def sections(config: Config) -> list[Section]:
    """Every section of the configuration, in file order, each secret masked."""
    masker, env, raw = _Masker(), _env_names(), []
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            rows = [masker.row(g.name.rstrip("_"), g.name, getattr(value, g.name),
                               env.get((f.name, g.name), ""))
                    for g in dataclasses.fields(value)]
            raw.append((f.name, rows))
        elif f.name == "channels":
            for name, channel in sorted(value.items()):
                prefix = f"SMS_GATEWAY_CHANNEL_{name.upper().replace('-', '_')}_"
                rows = [masker.row(key, field_name, v,
                                   prefix + key.upper() if key in CHANNEL_ENV_KEYS else "")
                        for key, field_name, v in _channel_keys(name, channel)]
                raw.append((f"channels.{name}", rows))
    return [Section(name, masker.scrub(rows)) for name, rows in raw]


def _channel_keys(name: str, channel: ChannelConfig) -> list[tuple[str, str, Any]]:
    """(table key, field name, value) of a channel: the common keys, then its provider's
    options with their defaults (as written when the provider cannot parse them)."""
    out = [(g.name, g.name, getattr(channel, g.name)) for g in dataclasses.fields(channel)
           if g.name != "options"]
    kind = REGISTRY.get(channel.provider)
    try:
        options = kind.parse(name, channel) if kind is not None else None
    except ConfigError:
        options = None
    if options is None or kind is None:
        return out + [(k, k, v) for k, v in channel.options.items()]
    table_key = {option: key for key, option in kind.aliases.items()}
    for g in dataclasses.fields(options):
        key = table_key.get(g.name, g.name.rstrip("_"))
        out.append((key, g.name, getattr(options, g.name)))
    return out
