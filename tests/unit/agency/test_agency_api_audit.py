"""Agency API reads that reveal a reporter's number are in the audit log, as console reveals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sms_gateway.complaints.erasure import erase_citizen
from sms_gateway.services import Services
from sms_gateway.store.console import AuditEntry
from tests.support.agency import (
    PHONE,
    PUPR_SURABAYA,
    SURABAYA_ROAD,
    auth,
    sms_in,
    ticket_of,
    token_for,
)


def reveals(services: Services) -> list[tuple[str, str, str | None]]:
    with services.sessions() as session:
        return [(e.actor, e.action, e.target_id) for e in session.execute(
            select(AuditEntry).where(AuditEntry.action == "phone.reveal")).scalars()]


def test_reading_a_reporters_number_is_audited_with_agency_and_ticket(
        client: Any, services: Services) -> None:
    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    token = token_for(services, PUPR_SURABAYA)
    client.get(f"/api/v1/tickets/{ticket.number}", headers=auth(token))
    assert reveals(services) == [(f"agency:{PUPR_SURABAYA}", "phone.reveal", ticket.number)]


def test_an_anonymous_ticket_reveals_nothing_and_writes_no_reveal(
        client: Any, services: Services) -> None:
    ticket = ticket_of(services, sms_in(services, "ANONIM " + SURABAYA_ROAD))
    token = token_for(services, PUPR_SURABAYA)
    doc = client.get(f"/api/v1/tickets/{ticket.number}", headers=auth(token)).get_json()
    assert (doc["reporter"], reveals(services)) == (None, [])


def test_listing_tickets_reveals_no_number_and_writes_no_reveal(
        client: Any, services: Services) -> None:
    sms_in(services, SURABAYA_ROAD)
    token = token_for(services, PUPR_SURABAYA)
    listed = client.get("/api/v1/tickets", headers=auth(token)).get_data(as_text=True)
    assert (PHONE in listed, reveals(services)) == (False, [])


def test_an_erased_reporter_is_no_reporter(client: Any, services: Services) -> None:
    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    token = token_for(services, PUPR_SURABAYA)
    erase_citizen(services, PHONE)
    answer = client.get(f"/api/v1/tickets/{ticket.number}", headers=auth(token))
    assert (answer.status_code, answer.get_json()["reporter"]) == (200, None)
