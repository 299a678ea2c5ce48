"""Token scoping on Postgres: an agency reaches its own tickets only; everything else is 404."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sms_gateway.agency.deliveries import dispose
from sms_gateway.agency.records import directory_for
from sms_gateway.app import create_app
from sms_gateway.jobs.sla import check_deadlines
from sms_gateway.services import Services
from sms_gateway.store import tickets
from tests.support.agency import PUPR_SURABAYA, auth, token_for

pytestmark = pytest.mark.integration
PROVINCE_ADMIN = "pengelola_lapor:35"


@pytest.fixture
def api(prod_services: Services) -> Iterator[Any]:
    app = create_app(services=prod_services, start_background=False)
    app.testing = True
    yield app.test_client()


def _ticket(services: Services, category: str = "jalan_drainase") -> str:
    with services.sessions.begin() as session:
        ticket = tickets.open_ticket(session, category=category, region_code="35.78")
        tickets.apply_route(session, ticket, directory=directory_for(services))
        dispose(services, session, ticket)
        return ticket.number


def test_own_ticket_is_readable(api: Any, prod_services: Services) -> None:
    number = _ticket(prod_services)
    token = token_for(prod_services, PUPR_SURABAYA)
    assert api.get(f"/api/v1/tickets/{number}", headers=auth(token)).status_code == 200


def test_another_agencys_ticket_is_404(api: Any, prod_services: Services) -> None:
    number = _ticket(prod_services, category="adminduk")
    token = token_for(prod_services, PUPR_SURABAYA)
    assert api.get(f"/api/v1/tickets/{number}", headers=auth(token)).status_code == 404


def test_missing_ticket_is_the_same_404(api: Any, prod_services: Services) -> None:
    token = token_for(prod_services, PUPR_SURABAYA)
    assert api.get("/api/v1/tickets/0000000", headers=auth(token)).get_json() == {
        "error": "not_found", "message": "no ticket 0000000 for this agency"}


def test_list_holds_only_own_tickets(api: Any, prod_services: Services) -> None:
    own = _ticket(prod_services)
    _ticket(prod_services, category="adminduk")
    token = token_for(prod_services, PUPR_SURABAYA)
    listed = api.get("/api/v1/tickets", headers=auth(token)).get_json()["tickets"]
    assert [t["number"] for t in listed] == [own]


def test_status_filter_applies_within_the_scope(api: Any, prod_services: Services) -> None:
    _ticket(prod_services)
    token = token_for(prod_services, PUPR_SURABAYA)
    listed = api.get("/api/v1/tickets?status=selesai", headers=auth(token)).get_json()
    assert listed["total"] == 0


def test_escalated_ticket_is_readable_by_the_province_admin(api: Any,
                                                            prod_services: Services) -> None:
    from datetime import UTC, datetime

    number = _ticket(prod_services)
    check_deadlines(now=datetime(2100, 1, 4, tzinfo=UTC))
    token = token_for(prod_services, PROVINCE_ADMIN)
    assert api.get(f"/api/v1/tickets/{number}", headers=auth(token)).status_code == 200


def test_escalated_ticket_is_read_only_for_the_province_admin(api: Any,
                                                              prod_services: Services) -> None:
    from datetime import UTC, datetime

    number = _ticket(prod_services)
    check_deadlines(now=datetime(2100, 1, 4, tzinfo=UTC))
    token = token_for(prod_services, PROVINCE_ADMIN)
    answer = api.post(f"/api/v1/tickets/{number}/status", headers=auth(token),
                      json={"status": "diproses"})
    assert answer.status_code == 403
