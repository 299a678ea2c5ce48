"""`sms-gateway agency token|revoke|sync`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sms_gateway.cli.main import main
from sms_gateway.store.pii import new_key


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "c.toml").write_text(f'[server]\nvar_dir = "{tmp_path / "var"}"\n')
    values = {"DATABASE_URL": "", "REDIS_URL": "", "SMS_GATEWAY_PII_KEY": new_key(),
              "SMS_GATEWAY_CONFIG": str(tmp_path / "c.toml")}
    assert CliRunner().invoke(main, ["init"], env=values).exit_code == 0
    return values


def test_token_command_prints_a_token(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["agency", "token", "dinas_pupr:35.78"], env=env)
    assert result.output.startswith("lpr_")


def test_token_for_unknown_agency_fails(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["agency", "token", "dinas_bulan:35.78"], env=env)
    assert result.exit_code == 1


def test_revoke_counts_the_active_tokens(env: dict[str, str]) -> None:
    CliRunner().invoke(main, ["agency", "token", "dinas_pupr:35.78"], env=env)
    result = CliRunner().invoke(main, ["agency", "revoke", "dinas_pupr:35.78"], env=env)
    assert "revoked 1 token(s)" in result.output


def test_sync_copies_the_directory(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["agency", "sync"], env=env)
    assert int(result.output.split()[0]) > 9000
