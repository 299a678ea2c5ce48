"""Production mode (DATABASE_URL or REDIS_URL set): no console channel, keys required, rotation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from sms_gateway.config import Config, ConfigError
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import Services, build_services
from sms_gateway.store.models import Citizen, InboundMessage
from sms_gateway.store.pii import Vault, new_key
from tests.conftest import make_config

TWILIO = {"account_sid": "AC" + "0" * 32, "auth_token": "t0ken", "from_": "1708"}
FORM = {"From": "+6281234567890", "Body": "BATAL 1234567", "MessageId": "m-1"}


def production(tmp_path: Path, **sections: dict[str, Any]) -> Config:
    """Production mode on a SQLite file (DATABASE_URL set), replies through Twilio."""
    values: dict[str, dict[str, Any]] = {
        "database": {"url": f"sqlite:///{tmp_path / 'prod.db'}"},
        "sms": {"outbound": "twilio"}, "twilio": TWILIO}
    values.update(sections)
    return make_config(tmp_path, **values)


@pytest.fixture
def prod_app(tmp_path: Path) -> Iterator[Any]:
    from sms_gateway.app import create_app
    from sms_gateway.store import migrate

    config = production(tmp_path)
    migrate.upgrade(config)
    services = build_services(config, dispatcher=InlineDispatcher())
    app = create_app(services=services, start_background=False)
    yield app
    services.close()


def test_console_channel_is_404_in_production_even_from_loopback(prod_app: Any) -> None:
    response = prod_app.test_client().post("/sms/console", data=FORM,
                                           environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 404


def test_console_channel_still_takes_sms_from_loopback_in_embedded_mode(client: Any) -> None:
    response = client.post("/sms/console", data=FORM, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200


def test_console_as_outbound_in_production_refuses_to_start(tmp_path: Path) -> None:
    config = production(tmp_path, sms={"outbound": "console"})
    with pytest.raises(ConfigError, match="console channel exists only in the embedded mode"):
        build_services(config, dispatcher=InlineDispatcher())


@pytest.mark.parametrize(("blank", "named"), [
    (("key",), "SMS_GATEWAY_PII_KEY"),
    (("secret_key",), "SMS_GATEWAY_SECRET_KEY"),
    (("key", "secret_key"), "SMS_GATEWAY_PII_KEY and SMS_GATEWAY_SECRET_KEY"),
])
def test_production_without_keys_refuses_to_start_naming_them(
        tmp_path: Path, blank: tuple[str, ...], named: str) -> None:
    config = production(tmp_path)
    if "key" in blank:
        config = replace(config, privacy=replace(config.privacy, key=""))
    if "secret_key" in blank:
        config = replace(config, server=replace(config.server, secret_key=""))
    with pytest.raises(ConfigError, match=f"needs {named} "):
        build_services(config, dispatcher=InlineDispatcher())
    assert not (tmp_path / "var" / "pii.key").exists()


def test_cli_without_keys_in_production_prints_one_line(tmp_path: Path) -> None:
    from sms_gateway.cli.main import main

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SMS_GATEWAY_CONFIG": "",
           "REDIS_URL": "", "SMS_GATEWAY_PII_KEY": "", "SMS_GATEWAY_SECRET_KEY": ""}
    result = CliRunner().invoke(main, ["init"], env=env)
    assert (result.exit_code, result.output.strip().count("\n"),
            "SMS_GATEWAY_PII_KEY and SMS_GATEWAY_SECRET_KEY" in result.output) == (1, 0, True)


# -- key rotation ---------------------------------------------------------------------------
def test_a_second_key_decrypts_what_the_first_wrote() -> None:
    old, new = new_key(), new_key()
    token = Vault(old).encrypt("+6281234567890")
    assert Vault(f"{new},{old}").decrypt(token) == "+6281234567890"


def test_look_up_hash_does_not_change_when_a_key_is_added() -> None:
    old, new = new_key(), new_key()
    assert Vault(f"{new},{old}").digest("+6281234567890") == Vault(old).digest("+6281234567890")


def test_look_up_hash_survives_dropping_the_old_key_via_the_hash_key() -> None:
    old, new = new_key(), new_key()
    assert Vault(new, hash_key=old).digest("+62812") == Vault(old).digest("+62812")


def _store_sms(services: Services) -> None:
    from sms_gateway.telco.intake import store_inbound
    from sms_gateway.telco.providers.base import IncomingSms

    for n in range(3):
        store_inbound(services, "console", "console",
                      IncomingSms(f"r-{n}", f"+62812345678{n}0", "1708", "halo", {"x": "y"}))
    with services.sessions.begin() as session:
        message = session.execute(select(InboundMessage)).scalars().first()
        assert message is not None
        session.add(Citizen(phone_hash=message.sender_hash, phone_enc=message.sender_enc,
                            phone_masked="+62***"))


def test_pii_rotate_re_encrypts_every_column_with_the_newest_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sms_gateway.cli.main import main
    from sms_gateway.store import migrate

    old, new = new_key(), new_key()
    (tmp_path / "c.toml").write_text(f'[server]\nvar_dir = "{tmp_path / "var"}"\n')
    env = {"SMS_GATEWAY_CONFIG": str(tmp_path / "c.toml"), "DATABASE_URL": "", "REDIS_URL": "",
           "SMS_GATEWAY_PII_KEY": old}
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    config = make_config(tmp_path, privacy={"key": old})
    migrate.upgrade(config)
    services = build_services(config, dispatcher=InlineDispatcher(), install=False)
    _store_sms(services)
    services.close()
    first = CliRunner().invoke(main, ["pii", "rotate", "--batch-size", "2"],
                               env={"SMS_GATEWAY_PII_KEY": f"{new},{old}"})
    again = CliRunner().invoke(main, ["pii", "rotate"], env={"SMS_GATEWAY_PII_KEY": new})
    only_new = build_services(replace(config, privacy=replace(config.privacy, key=new,
                                                              hash_key=old)),
                              dispatcher=InlineDispatcher(), install=False)
    with only_new.sessions() as session:
        phones = [only_new.vault.decrypt(m.sender_enc) for m in
                  session.execute(select(InboundMessage)).scalars()]
        phones += [only_new.vault.decrypt(c.phone_enc) for c in
                   session.execute(select(Citizen)).scalars()]
    only_new.close()
    assert (first.output.strip(), again.output.strip(), sorted(set(phones))) == (
        "re-encrypted with the newest key: citizens 1, inbound_messages 3, inbound_parts 0",
        "re-encrypted with the newest key: citizens 0, inbound_messages 0, inbound_parts 0",
        ["+6281234567800", "+6281234567810", "+6281234567820"])
