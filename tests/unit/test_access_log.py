"""The web access log (gunicorn, as `sms-gateway serve` and the Procfile run it) holds no secret."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config as GunicornConfig
from gunicorn.glogging import Logger

from sms_gateway.cli.main import ACCESS_LOG_FORMAT

REPO = Path(__file__).resolve().parents[2]
SECRET = "kannel-shared-secret-0007"


def _access_line(tmp_path: Path, query: str) -> str:
    cfg = GunicornConfig()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("access_log_format", ACCESS_LOG_FORMAT)
    logger = Logger(cfg)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/sms/kannel?{query}",
               "PATH_INFO": "/sms/kannel", "QUERY_STRING": query,
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.5",
               "HTTP_REFERER": f"https://gw.example.id/console/tickets?q={query}",
               "HTTP_USER_AGENT": "Kannel/1.4.5"}
    response = SimpleNamespace(status="200 OK", sent=0, headers=[])
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    for handler in list(logger.access_log.handlers) + list(logger.error_log.handlers):
        handler.close()
    return (tmp_path / "access.log").read_text()


def test_access_log_line_holds_no_secret_nor_sms(tmp_path: Path) -> None:
    line = _access_line(tmp_path, f"secret={SECRET}&from=6281234567890&text=rumah+saya")
    assert (SECRET in line, "6281234567890" in line, "rumah" in line,
            '"GET /sms/kannel HTTP/1.1" 200' in line) == (False, False, False, True)


def test_procfile_serves_through_the_command_that_sets_the_log_format() -> None:
    web = next(line for line in (REPO / "Procfile").read_text().splitlines()
               if line.startswith("web:"))
    assert web.split()[1:3] == ["sms-gateway", "serve"]
