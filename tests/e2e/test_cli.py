"""The command line as a newcomer uses it: simulate, init, serve, worker."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from sms_gateway.cli.main import main
from sms_gateway.store.pii import new_key
from tests.support.net import free_port

BIN = Path(sys.executable).parent


@pytest.fixture
def embedded_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A working directory with no configuration at all, as after a fresh clone."""
    monkeypatch.chdir(tmp_path)
    for var in ("DATABASE_URL", "REDIS_URL", "SMS_GATEWAY_CONFIG", "SMS_GATEWAY_OUTBOUND",
                "SMS_GATEWAY_PII_KEY", "SMS_GATEWAY_SECRET_KEY", "SMS_GATEWAY_PII_HASH_KEY"):
        monkeypatch.delenv(var, raising=False)
    return {k: v for k, v in os.environ.items()}


def test_simulate_prints_the_ticket_reply(embedded_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["simulate", "--from", "081234567890",
                                       "jalan rusak parah di kota bandung tolong diperbaiki"])
    assert re.search(r"reply \[sent, gsm7, 1 segment\(s\)\] -> \+6281234567890: .*#\d{7}",
                     result.output), result.output


def test_simulate_cek_from_the_same_phone_shows_the_status(embedded_env: dict[str, str]) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["simulate", "--from", "+6281234567890",
                                 "jalan rusak parah di kota bandung"]).output
    number = re.search(r"#(\d{7})", first).group(1)  # type: ignore[union-attr]
    second = runner.invoke(main, ["simulate", "--from", "+6281234567890", f"cek {number}"]).output
    assert f"Tiket #{number}: " in second


def test_simulate_rejects_an_impossible_number(embedded_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["simulate", "--from", "12", "halo"])
    assert (result.exit_code, "impossible phone number" in result.output or
            "not a phone number" in result.output) == (1, True)


def test_init_creates_the_embedded_database(embedded_env: dict[str, str],
                                            tmp_path: Path) -> None:
    CliRunner().invoke(main, ["init"])
    assert (tmp_path / "var" / "sms_gateway.db").exists()


def test_init_prints_no_alembic_plugin_lines(embedded_env: dict[str, str],
                                             tmp_path: Path) -> None:
    """A fresh process, as a newcomer runs it: Alembic's plugin set-up logs only with -v."""
    quiet = subprocess.run([str(BIN / "sms-gateway"), "init"], cwd=tmp_path, env=embedded_env,
                           capture_output=True, text=True, timeout=120, check=True)
    assert "database ready" in quiet.stdout
    assert "setup plugin" not in quiet.stderr, quiet.stderr
    verbose = subprocess.run([str(BIN / "sms-gateway"), "-v", "init"], cwd=tmp_path,
                             env=embedded_env, capture_output=True, text=True, timeout=120,
                             check=True)
    assert "setup plugin" in verbose.stderr


def test_bad_configuration_stops_with_the_key_named(embedded_env: dict[str, str],
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.toml").write_text("[queue]\nredis = 'x'\n")
    monkeypatch.setenv("SMS_GATEWAY_CONFIG", str(tmp_path / "bad.toml"))
    result = CliRunner().invoke(main, ["init"])
    assert (result.exit_code, "queue.redis" in result.output) == (1, True)


def test_worker_refuses_to_start_without_redis(embedded_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["worker", "--burst"])
    assert (result.exit_code, "REDIS_URL" in result.output) == (1, True)


def _wait_for(url: str, seconds: float = 30) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()  # type: ignore[no-any-return]
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_serve_answers_health_and_processes_sms_in_process(embedded_env: dict[str, str],
                                                          tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "gateway.toml"  # /metrics is polled below: no 30 s cache of counts
    config.write_text("[server]\nmetrics_cache_seconds = 0\n")
    proc = subprocess.Popen([str(BIN / "sms-gateway"), "serve", "--port", str(port)],
                            cwd=tmp_path, env={**embedded_env, "SMS_GATEWAY_CONFIG": str(config)},
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        health = json.loads(_wait_for(f"http://127.0.0.1:{port}/healthz"))
        form = b"From=%2B6281234567890&Body=jalan+rusak+di+kota+bandung&MessageId=m1"
        urllib.request.urlopen(f"http://127.0.0.1:{port}/sms/console", data=form, timeout=5)
        deadline = time.monotonic() + 20
        metrics = ""
        while time.monotonic() < deadline and 'status="sent"} 1' not in metrics:
            metrics = _wait_for(f"http://127.0.0.1:{port}/metrics").decode()
            time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(10)
    assert (health["mode"], 'sms_gateway_outbound_messages_total{status="sent"} 1' in metrics) \
        == ("embedded", True)


@pytest.mark.integration
def test_worker_process_runs_the_jobs_the_web_enqueued(prod_config: object, tmp_path: Path,
                                                       pg_url: str, redis_url: str) -> None:
    from sms_gateway.config import Config
    from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, fake_twilio

    assert isinstance(prod_config, Config)
    with fake_twilio() as twilio:  # no console channel in production: replies go out for real
        env = dict(os.environ, DATABASE_URL=pg_url, REDIS_URL=redis_url,
                   SMS_GATEWAY_PII_KEY=new_key(), SMS_GATEWAY_SECRET_KEY=new_key(),
                   SMS_GATEWAY_OUTBOUND="twilio", TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                   TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM="1708",
                   TWILIO_API_BASE_URL=twilio.url, SMS_GATEWAY_CONFIG=str(tmp_path / "c.toml"))
        (tmp_path / "c.toml").write_text(f'[queue]\nname = "{prod_config.queue.name}"\n')
        subprocess.run([str(BIN / "sms-gateway"), "init"], cwd=tmp_path, env=env, check=True,
                       capture_output=True)
        simulate = subprocess.Popen([str(BIN / "sms-gateway"), "simulate", "--wait", "60",
                                     "--from", "+6281234567890", "jalan rusak di kota bandung"],
                                    cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        worker = subprocess.run([str(BIN / "sms-gateway"), "worker", "--burst"], cwd=tmp_path,
                                env=env, check=True, capture_output=True, text=True, timeout=60)
        out, _ = simulate.communicate(timeout=90)
    assert re.search(r"reply \[sent, .*#\d{7}", out), out
    # Its start-up objects were frozen out of the garbage collector before the first job.
    frozen = re.search(r"(\d+) start-up objects kept out of the garbage collector", worker.stderr)
    assert frozen and int(frozen.group(1)) > 10_000, worker.stderr
