"""Configuration: one typed object, unknown keys and wrong types stop start-up by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from sms_gateway.config import ConfigError, load_config

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "gateway.toml"
    path.write_text(text)
    return str(path)


def test_no_configuration_means_embedded_mode() -> None:
    assert load_config(env={}).embedded is True


def test_default_database_is_sqlite_under_var() -> None:
    assert load_config(env={}).database_url == "sqlite:///var/sms_gateway.db"


def test_unknown_key_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"queue\.redis_ur\b"):
        load_config(write(tmp_path, '[queue]\nredis_ur = "redis://x"\n'), env={})


def test_unknown_section_names_the_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown configuration key serverr"):
        load_config(write(tmp_path, "[serverr]\nport = 1\n"), env={})


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"server\.port: expected an integer"):
        load_config(write(tmp_path, '[server]\nport = "eighty"\n'), env={})


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(write(tmp_path, "[server\n"), env={})


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path / "nope.toml"), env={})


def test_file_path_comes_from_sms_gateway_config(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nport = 9001\n")
    assert load_config(env={"SMS_GATEWAY_CONFIG": path}).server.port == 9001


@pytest.mark.parametrize(("var", "value", "attr"), [
    ("DATABASE_URL", "postgresql://u:p@db:5432/x", ("database", "url")),
    ("REDIS_URL", "redis://r:6379/0", ("queue", "redis_url")),
    ("SMS_GATEWAY_PUBLIC_URL", "https://sms.example.id", ("server", "public_url")),
    ("SMS_GATEWAY_OUTBOUND", "twilio", ("sms", "outbound")),
    ("TWILIO_ACCOUNT_SID", "AC123", ("twilio", "account_sid")),
    ("TWILIO_AUTH_TOKEN", "tok", ("twilio", "auth_token")),
    ("TWILIO_FROM", "MG123", ("twilio", "from_")),
    ("TWILIO_API_BASE_URL", "http://127.0.0.1:4010", ("twilio", "api_base_url")),
])
def test_environment_overrides_the_file(tmp_path: Path, var: str, value: str,
                                        attr: tuple[str, str]) -> None:
    path = write(tmp_path, '[database]\nurl = "sqlite:///other.db"\n[sms]\noutbound = "console"\n')
    config = load_config(path, env={var: value})
    assert getattr(getattr(config, attr[0]), attr[1]) == value


def test_port_from_environment_is_an_integer() -> None:
    assert load_config(env={"PORT": "8123"}).server.port == 8123


@pytest.mark.parametrize("url", ["postgres://u:p@h:5432/d", "postgresql://u:p@h:5432/d"])
def test_postgres_urls_use_psycopg3(url: str) -> None:
    config = load_config(env={"DATABASE_URL": url})
    assert config.database_url == "postgresql+psycopg://u:p@h:5432/d"


def test_redis_url_switches_to_production_mode() -> None:
    assert load_config(env={"REDIS_URL": "redis://127.0.0.1:6379/0"}).embedded is False


def test_example_config_file_is_valid() -> None:
    config = load_config(REPO / "config.example.toml", env={})
    assert config.sms.outbound == "console"


def test_example_channels_parse_into_their_providers_options() -> None:
    from sms_gateway.telco.providers import channel_options

    options = channel_options(load_config(REPO / "config.example.toml", env={}))
    assert {name: type(o).__name__ for name, (_, o) in options.items()} == {
        "console": "ConsoleOptions", "twilio": "TwilioOptions", "kannel": "KannelOptions",
        "jasmin": "HttpOptions"}


def test_example_config_documents_every_provider_option() -> None:
    import dataclasses
    import tomllib

    from sms_gateway.telco.providers import REGISTRY

    with open(REPO / "config.example.toml", "rb") as fh:
        data = tomllib.load(fh)
    tables = {t["provider"]: t for t in data["channels"].values()}
    tables["twilio"] = data["twilio"]  # the built-in channel's own section
    missing = [f"{kind}.{f.name.rstrip('_')}" for kind in ("kannel", "http", "twilio")
               for f in dataclasses.fields(REGISTRY[kind].options)
               if f.name.rstrip("_") not in tables[kind]]
    assert missing == []


def _keys(cls: type, prefix: str = "") -> set[str]:
    """Every key a config dataclass accepts; tables of tables (channels) as `name.*.key`."""
    import dataclasses
    import typing

    out: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name == "options":  # a channel's provider options: checked per provider below
            continue
        key, tp = prefix + f.name.rstrip("_"), hints[f.name]
        if dataclasses.is_dataclass(tp):
            out |= _keys(tp, key + ".")  # type: ignore[arg-type]
        elif typing.get_origin(tp) is dict and dataclasses.is_dataclass(typing.get_args(tp)[1]):
            out |= _keys(typing.get_args(tp)[1], key + ".*.")
        else:
            out.add(key)
    return out


def _example_keys(data: dict[str, object], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in data.items():
        if prefix == "channels.":
            key = "*"
        if isinstance(value, dict) and prefix.count(".") < 2:
            out |= _example_keys(value, prefix + key + ".")  # type: ignore[arg-type]
        else:
            out.add(prefix + key)
    return out


def test_example_config_documents_every_key() -> None:
    import tomllib

    from sms_gateway.config import Config

    with open(REPO / "config.example.toml", "rb") as fh:
        example = _example_keys(tomllib.load(fh))
    assert sorted(_keys(Config) - example) == []


def test_a_negative_channel_bound_names_the_channel_and_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"channels\.aggregator\.send_concurrency: must be 0"):
        load_config(write(tmp_path, '[channels.aggregator]\nprovider = "http"\n'
                                    'url = "http://x"\nsend_concurrency = -1\n'), env={})


@pytest.mark.parametrize("value", [-1, 20])
def test_worker_nice_outside_0_to_19_names_the_key(tmp_path: Path, value: int) -> None:
    with pytest.raises(ConfigError, match=r"queue\.worker_nice: expected 0 to 19"):
        load_config(write(tmp_path, f"[queue]\nworker_nice = {value}\n"), env={})


@pytest.mark.parametrize("url", ["127.0.0.1:8702", "gateway.example.id", "ftp://gateway.example.id",
                                 "https://", "https://gateway.example.id/?x=1",
                                 "https://gateway.example.id?", "https://gateway.example.id#",
                                 " https://gateway.example.id", "https://gate way.example.id",
                                 "https://gateway.example.id\n", "https://gateway.example.id:abc",
                                 "https://gateway.example.id:99999", "HTTP://X",
                                 "https://user:pw@gateway.example.id", "https://[::1"])
def test_a_public_url_signatures_cannot_be_checked_against_names_the_key(url: str) -> None:
    with pytest.raises(ConfigError, match=r"server\.public_url: .* is not an absolute http"):
        load_config(env={"SMS_GATEWAY_PUBLIC_URL": url})


@pytest.mark.parametrize("url", ["https://gateway.example.id", "http://127.0.0.1:8702/",
                                 "https://example.id/sms-gateway"])
def test_an_absolute_public_url_is_taken(url: str) -> None:
    assert load_config(env={"SMS_GATEWAY_PUBLIC_URL": url}).server.public_url == url


def test_a_plain_http_public_url_for_twilio_in_production_is_warned_about() -> None:
    from sms_gateway.config import startup_warnings

    env = {"DATABASE_URL": "postgresql://u@h/d", "TWILIO_AUTH_TOKEN": "t",
           "SMS_GATEWAY_PUBLIC_URL": "http://sms.example.go.id"}
    plain = startup_warnings(load_config(env=env))
    tls = startup_warnings(load_config(env={**env, "SMS_GATEWAY_PUBLIC_URL":
                                            "https://sms.example.go.id"}))
    embedded = startup_warnings(load_config(env={"TWILIO_AUTH_TOKEN": "t",
                                                 "SMS_GATEWAY_PUBLIC_URL": "http://127.0.0.1:8000"}))
    assert (len(plain), "plain HTTP" in plain[0], tls, embedded) == (1, True, [], [])
