"""Citizens' ratings reach the scorecard, the dashboard and /metrics; compliance counts only
what an agency decided."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sms_gateway.console import stats
from sms_gateway.services import Services
from sms_gateway.store.db import utcnow
from tests.support.agency import (
    PUPR_SURABAYA,
    SURABAYA_ROAD,
    auth,
    sms_in,
    ticket_of,
    token_for,
)
from tests.unit.console.conftest import login  # noqa: F401 - the fixture


@pytest.fixture
def rated(client: Any, services: Services) -> str:
    """A ticket answered by the agency and rated 4 by its citizen; returns the token."""
    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    token = token_for(services, PUPR_SURABAYA)
    client.post(f"/api/v1/tickets/{ticket.number}/status", headers=auth(token),
                json={"status": "selesai", "response": "Sudah ditambal."})
    sms_in(services, "4")
    return token


def test_agency_scorecard_shows_the_ratings(client: Any, rated: str) -> None:
    card = client.get("/api/v1/scorecard", headers=auth(rated)).get_json()
    assert (card["ratings"], card["average_rating"], card["rating_counts"]["4"]) == (1, 4.0, 1)


def test_metrics_count_ratings(client: Any, rated: str) -> None:
    text = client.get("/metrics").get_data(as_text=True)
    assert 'sms_gateway_ticket_ratings_total{rating="4"} 1' in text


def test_dashboard_shows_the_agencys_average_rating(login: Any, rated: str) -> None:  # noqa: F811
    page = login("operator").get("/console/dashboard").get_data(as_text=True)
    section = page[page.index('id="ratings"'):page.index('id="largest-cases"')]
    assert "Dinas" in section and "4.0" in section


def test_compliance_leaves_out_a_withdrawn_ticket(services: Services) -> None:
    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    sms_in(services, f"BATAL {ticket.number}")
    with services.sessions() as session:
        rows = stats.compliance(session, since=utcnow() - timedelta(days=1),
                                now=utcnow() + timedelta(days=60))
    assert rows == []


def test_compliance_leaves_out_an_agency_with_nothing_decided(services: Services) -> None:
    ticket_of(services, sms_in(services, SURABAYA_ROAD))
    with services.sessions() as session:
        rows = stats.compliance(session, since=utcnow() - timedelta(days=1), now=utcnow())
    assert rows == []


def test_scorecard_share_leaves_out_a_withdrawn_ticket(client: Any, services: Services) -> None:
    from sms_gateway.agency.scorecard import scorecard

    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    sms_in(services, f"BATAL {ticket.number}")
    with services.sessions() as session:
        card = scorecard(session, PUPR_SURABAYA, now=utcnow() + timedelta(days=60))
    assert card["within_deadline_share"] is None
