"""Loading: the TOML file, the fixed list of environment overrides, each value checked
against its field's type."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from typing import Any

from sms_gateway.config.checks import check_values
from sms_gateway.config.sections import ChannelConfig, Config, ConfigError

# The environment variables that override the file: a contract outside checks rely on.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "DATABASE_URL": ("database", "url"),
    "REDIS_URL": ("queue", "redis_url"),
    "SMS_GATEWAY_PUBLIC_URL": ("server", "public_url"),
    "SMS_GATEWAY_OUTBOUND": ("sms", "outbound"),
    "SMS_GATEWAY_SECRET_KEY": ("server", "secret_key"),
    "SMS_GATEWAY_PII_KEY": ("privacy", "key"),
    "SMS_GATEWAY_PII_HASH_KEY": ("privacy", "hash_key"),
    "SMS_GATEWAY_METRICS_TOKEN": ("server", "metrics_token"),
    "SMS_GATEWAY_SMTP_USERNAME": ("agency", "smtp_username"),
    "SMS_GATEWAY_SMTP_PASSWORD": ("agency", "smtp_password"),
    "TWILIO_ACCOUNT_SID": ("twilio", "account_sid"),
    "TWILIO_AUTH_TOKEN": ("twilio", "auth_token"),
    "TWILIO_FROM": ("twilio", "from_"),
    "TWILIO_API_BASE_URL": ("twilio", "api_base_url"),
    "PORT": ("server", "port"),
}


def _toml_key(f: dataclasses.Field[Any]) -> str:
    return f.name.rstrip("_")


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Check one value against a field type, converting env strings where unambiguous."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        return _coerce(value, next(a for a in typing.get_args(tp) if a is not type(None)), where)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__}")
        inner = typing.get_args(tp)[0]
        return tuple(_coerce(v, inner, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a table, got {type(value).__name__}")
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is not Any:
            return {str(k): _coerce(v, args[1], f"{where}.{k}") for k, v in value.items()}
        return dict(value)
    if tp is bool:
        if isinstance(value, str) and value.lower() in {"1", "true", "yes", "0", "false", "no"}:
            return value.lower() in {"1", "true", "yes"}
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true/false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise ConfigError(f"{where}: expected a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, where)
    raise ConfigError(f"{where}: unsupported type {tp!r}")  # pragma: no cover


def build_section(cls: Any, data: Any, where: str) -> Any:
    """Build one dataclass from a TOML table: types checked, unknown keys an error."""
    return _build(cls, data, where)


def channel_from_table(table: Mapping[str, Any], where: str = "channel") -> ChannelConfig:
    """Split one `[channels.<name>]` table into the common keys and the provider's options."""
    common = {f.name for f in dataclasses.fields(ChannelConfig)} - {"options"}
    data: dict[str, Any] = {k: v for k, v in table.items() if k in common}
    data["options"] = {k: v for k, v in table.items() if k not in common}
    return _build(ChannelConfig, data, where)  # type: ignore[no-any-return]


def _build(cls: Any, data: Any, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a table, got {type(data).__name__}")
    if cls is ChannelConfig and "options" not in data:
        return channel_from_table(data, where)
    hints = typing.get_type_hints(cls)
    fields = {_toml_key(f): f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        prefix = f"{where}." if where else ""
        raise ConfigError(f"unknown configuration key {prefix}{unknown[0]}")
    kwargs = {}
    for key, value in data.items():
        f = fields[key]
        kwargs[f.name] = _coerce(value, hints[f.name], f"{where}.{key}" if where else key)
    return cls(**kwargs)


# Per-channel secrets and URLs from the environment: SMS_GATEWAY_CHANNEL_<NAME>_<KEY>.
CHANNEL_ENV_KEYS = ("url", "username", "password", "secret")


def _channel_env(data: dict[str, Any], env: Mapping[str, str]) -> None:
    channels = data.get("channels")
    if not isinstance(channels, dict):
        return
    for name, table in channels.items():
        if not isinstance(table, dict):
            continue
        for key in CHANNEL_ENV_KEYS:
            var = f"SMS_GATEWAY_CHANNEL_{name.upper().replace('-', '_')}_{key.upper()}"
            if env.get(var):
                table[key] = env[var]


def load_config(path: str | os.PathLike[str] | None = None,
                env: Mapping[str, str] | None = None) -> Config:
    """Load the TOML file (if any), apply environment overrides, validate everything."""
    env = os.environ if env is None else env
    path = path if path is not None else env.get("SMS_GATEWAY_CONFIG") or None
    data: dict[str, Any] = {}
    if path:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"configuration file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    for var, (section, key) in ENV_OVERRIDES.items():
        if env.get(var):
            data.setdefault(section, {})
            if not isinstance(data[section], dict):
                raise ConfigError(f"{section}: expected a table")
            data[section][key.rstrip("_")] = env[var]
    _channel_env(data, env)
    config: Config = _build(Config, data, "")
    check_values(config)
    return config
