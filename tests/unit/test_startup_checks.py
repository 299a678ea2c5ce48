"""Configuration that cannot work stops start-up with one line naming it (as an operator tries)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sms_gateway.cli.main import main
from sms_gateway.store.pii import new_key


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run a command in an empty directory with a config file and environment variables."""
    monkeypatch.chdir(tmp_path)
    for var in ("DATABASE_URL", "REDIS_URL", "SMS_GATEWAY_OUTBOUND", "SMS_GATEWAY_PII_KEY",
                "SMS_GATEWAY_SECRET_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                "TWILIO_FROM", "PORT"):
        monkeypatch.delenv(var, raising=False)

    def invoke(toml: str = "", args: tuple[str, ...] = ("init",), **env: str) -> tuple[int, str]:
        (tmp_path / "c.toml").write_text(toml)
        result = CliRunner().invoke(main, list(args),
                                    env={"SMS_GATEWAY_CONFIG": str(tmp_path / "c.toml"), **env})
        return result.exit_code, result.output.strip()
    return invoke


@pytest.mark.parametrize(("toml", "env", "named"), [
    ("", {"SMS_GATEWAY_OUTBOUND": "twilio"}, "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN"),
    ('[sms]\noutbound = "twiliio"\n', {}, "sms.outbound: unknown channel 'twiliio'"),
    ("[server]\nport = 99999\n", {}, "server.port: 99999 is not a TCP port"),
    ('[console]\nlanguage = "jv"\n', {}, "console.language: 'jv'"),
    ("[console]\nsession_idle_minutes = -5\n", {},
     "console.session_idle_minutes: must be greater than 0"),
    ('[database]\nurl = "sqlite:////nonexistent/dir/x.db"\n', {},
     "the directory /nonexistent/dir does not exist"),
], ids=["twilio-without-credentials", "unknown-outbound", "port", "language", "idle-minutes",
        "sqlite-dir"])
def test_unworkable_configuration_stops_start_up_with_one_line(
        run, toml: str, env: dict[str, str], named: str) -> None:  # type: ignore[no-untyped-def]
    code, output = run(toml, **env)
    assert (code, output.count("\n"), named in output) == (1, 0, True), output


def test_sqlite_in_a_missing_directory_creates_nothing(run) -> None:  # type: ignore[no-untyped-def]
    run('[database]\nurl = "sqlite:////nonexistent/dir/x.db"\n')
    assert not Path("/nonexistent").exists()


@pytest.mark.parametrize("command", [("serve",), ("worker", "--burst"), ("init",)])
def test_unreachable_database_is_one_line(run, command: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    code, output = run("", command, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
                       REDIS_URL="redis://127.0.0.1:1/0", SMS_GATEWAY_PII_KEY=new_key(),
                       SMS_GATEWAY_SECRET_KEY=new_key(), SMS_GATEWAY_OUTBOUND="twilio",
                       TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="t",
                       TWILIO_FROM="1708")
    assert (code, output.count("\n"), output.startswith("Error: cannot reach the database")) \
        == (1, 0, True), output


def test_a_port_already_in_use_is_one_line(run) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = run("", ("serve", "--host", "127.0.0.1", "--port", str(port)))
    assert (code, output.count("\n"), f"server.port: cannot listen on 127.0.0.1:{port}"
            in output) == (1, 0, True), output


def test_a_worker_with_unreachable_redis_is_one_line_without_the_password(run) -> None:  # type: ignore[no-untyped-def]
    code, output = run("", ("worker", "--burst"), REDIS_URL="redis://:sekret@127.0.0.1:1/0",
                       SMS_GATEWAY_PII_KEY=new_key(), SMS_GATEWAY_SECRET_KEY=new_key(),
                       SMS_GATEWAY_OUTBOUND="twilio", TWILIO_ACCOUNT_SID="AC" + "0" * 32,
                       TWILIO_AUTH_TOKEN="t", TWILIO_FROM="1708")
    assert (code, output.count("\n")) == (1, 0), output
    assert output.startswith("Error: queue error: cannot reach Redis at redis://127.0.0.1:1/0")
    assert "sekret" not in output


@pytest.mark.parametrize("url", ["redis://127.0.0.1:1/9?password=sekret", "redis://sekret@127.0.0.1:1",
                                 "redis://127.0.0.1:abc/0", "redis://[::1]:1/0"])
def test_a_worker_never_shows_a_redis_secret_and_says_it_in_one_line(run, url: str) -> None:  # type: ignore[no-untyped-def]
    code, output = run("", ("worker", "--burst"), REDIS_URL=url,
                       SMS_GATEWAY_PII_KEY=new_key(), SMS_GATEWAY_SECRET_KEY=new_key(),
                       SMS_GATEWAY_OUTBOUND="twilio", TWILIO_ACCOUNT_SID="AC" + "0" * 32,
                       TWILIO_AUTH_TOKEN="t", TWILIO_FROM="1708")
    assert (code, output.count("\n"), "sekret" in output) == (1, 0, False), output
    assert output.startswith("Error: queue error: cannot reach Redis at ")
