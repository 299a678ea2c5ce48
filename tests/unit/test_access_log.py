"""The web access log (gunicorn, as `sms-gateway serve` and the Procfile run it) holds no secret."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config as GunicornConfig
from gunicorn.glogging import Logger

from sms_gateway.cli.access_log import ACCESS_LOG_FORMAT, AccessLogger

REPO = Path(__file__).resolve().parents[2]
SECRET = "kannel-shared-secret-0007"


def _access_line(tmp_path: Path, query: str, logger_class: Any = AccessLogger, *,
                 log_format: str = ACCESS_LOG_FORMAT, agent: str = "Kannel/1.4.5",
                 drop: tuple[str, ...] = ()) -> str:
    cfg = GunicornConfig()
    cfg.set("accesslog", str(tmp_path / f"access-{logger_class.__name__}.log"))
    cfg.set("access_log_format", log_format)
    logger = logger_class(cfg)
    logger.now = lambda: "[30/Nov/2026:14:00:00 +0000]"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/sms/kannel?{query}",
               "PATH_INFO": "/sms/kannel", "QUERY_STRING": query,
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.5",
               "HTTP_REFERER": f"https://gw.example.id/console/tickets?q={query}",
               "HTTP_USER_AGENT": agent}
    for key in drop:
        del environ[key]
    response = SimpleNamespace(status="200 OK", sent=0, headers=[])
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    for handler in list(logger.access_log.handlers) + list(logger.error_log.handlers):
        handler.close()
    return (tmp_path / f"access-{logger_class.__name__}.log").read_text()


@pytest.mark.parametrize("logger_class", [AccessLogger, Logger])
def test_access_log_line_holds_no_secret_nor_sms(tmp_path: Path, logger_class: Any) -> None:
    line = _access_line(tmp_path, f"secret={SECRET}&from=6281234567890&text=rumah+saya",
                        logger_class)
    assert (SECRET in line, "6281234567890" in line, "rumah" in line,
            '"GET /sms/kannel HTTP/1.1" 200' in line) == (False, False, False, True)


def test_procfile_serves_through_the_command_that_sets_the_log_format() -> None:
    web = next(line for line in (REPO / "Procfile").read_text().splitlines()
               if line.startswith("web:"))
    assert web.split()[1:3] == ["sms-gateway", "serve"]


@pytest.mark.parametrize("drop", [(), ("HTTP_USER_AGENT", "REMOTE_ADDR")])
@pytest.mark.parametrize("log_format", [ACCESS_LOG_FORMAT, '%(r)s %(s)s "%({x-a}i)s"'])
def test_serve_logger_writes_gunicorns_line(tmp_path: Path, log_format: str,
                                            drop: tuple[str, ...]) -> None:
    """`sms-gateway serve` builds its format's line itself; the line is gunicorn's (quotes
    escaped, missing fields as gunicorn writes them)."""
    query = "a=1"
    ours = _access_line(tmp_path, query, AccessLogger, log_format=log_format,
                        agent='Agen "kutip" 1.0', drop=drop)
    stock = _access_line(tmp_path, query, Logger, log_format=log_format,
                         agent='Agen "kutip" 1.0', drop=drop)
    assert ours == stock and ours.count("\n") == 1


@pytest.mark.parametrize(("toml", "accesslog"), [("", "-"), ("access_log = true", "-"),
                                                 ("access_log = false", None)])
def test_server_access_log_turns_serves_access_log_on_or_off(
        tmp_path: Path, toml: str, accesslog: str | None) -> None:
    from sms_gateway.cli.main import gunicorn_settings
    from sms_gateway.config import load_config

    (tmp_path / "c.toml").write_text(f"[server]\n{toml}\n")
    settings = gunicorn_settings(load_config(tmp_path / "c.toml", env={}), "127.0.0.1:1", 1)
    cfg = GunicornConfig()
    for name, value in settings.items():
        cfg.set(name, value)
    assert (cfg.accesslog, AccessLogger(cfg).access_log_enabled) == (accesslog, bool(accesslog))
    assert (cfg.access_log_format, cfg.logger_class) == (ACCESS_LOG_FORMAT, AccessLogger)


def test_a_bad_server_access_log_stops_the_start_with_one_line_naming_it(tmp_path: Path) -> None:
    from sms_gateway.config import ConfigError, load_config

    (tmp_path / "c.toml").write_text('[server]\naccess_log = "sometimes"\n')
    with pytest.raises(ConfigError, match="^server.access_log: expected true/false") as err:
        load_config(tmp_path / "c.toml", env={})
    assert "\n" not in str(err.value)
