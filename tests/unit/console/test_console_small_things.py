"""Small things an operator meets: quiet migrations, a favicon, a token shown once, working
days on the deadline."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from sms_gateway.services import Services
from sms_gateway.store import migrate
from tests.conftest import make_config
from tests.support.agency import PUPR_SURABAYA, SURABAYA_ROAD, sms_in, ticket_of
from tests.unit.console.conftest import login  # noqa: F401 - the fixture

AGENCY_PAGE = f"/console/admin/agencies/{PUPR_SURABAYA}"
_TOKEN = re.compile(r'<output id="new-token">([^<]+)</output>')


def test_migrations_log_no_info_lines_without_verbose(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    migrate.upgrade(make_config(tmp_path))
    assert [r.getMessage() for r in caplog.records if r.name.startswith("alembic")] == []


def test_migrations_log_their_steps_with_verbose(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    migrate.upgrade(make_config(tmp_path))
    assert any(r.name.startswith("alembic") for r in caplog.records)


def test_console_pages_link_a_favicon_that_exists(login: Any) -> None:  # noqa: F811
    client = login("operator")
    page = client.get("/console/dashboard").get_data(as_text=True)
    href = re.search(r'<link rel="icon"[^>]* href="([^"]+)"', page)
    assert href is not None
    icon = client.get(href.group(1))
    icon.close()  # static files are streamed from an open file
    assert (icon.status_code, icon.mimetype) == (200, "image/svg+xml")


def test_new_token_page_refresh_issues_no_second_token(login: Any,  # noqa: F811
                                                       services: Services) -> None:
    client = login("admin")
    issued = client.post(f"{AGENCY_PAGE}/tokens",
                         data={"csrf_token": client.csrf, "label": "helpdesk"})
    shown = client.get(issued.headers["Location"]).get_data(as_text=True)
    refreshed = client.get(issued.headers["Location"]).get_data(as_text=True)
    assert (issued.status_code, bool(_TOKEN.search(shown)), bool(_TOKEN.search(refreshed))) == (
        303, True, False)


def test_new_token_never_travels_readable_in_the_cookie(login: Any) -> None:  # noqa: F811
    client = login("admin")
    issued = client.post(f"{AGENCY_PAGE}/tokens",
                         data={"csrf_token": client.csrf, "label": "helpdesk"})
    token = _TOKEN.search(client.get(issued.headers["Location"]).get_data(as_text=True))
    assert token is not None and token.group(1) not in issued.headers.get("Set-Cookie", "")


def test_deadline_is_counted_in_working_days(login: Any, services: Services) -> None:  # noqa: F811
    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    page = login("operator").get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    clock = page[page.index('id="deadline"'):]
    assert "5 hari kerja" in clock
