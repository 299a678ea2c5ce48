"""Open311 publishes no citizen's words unapproved, and approved words only redacted.

A signed Twilio webhook brings an anonymous SMS in; the public Open311 list is read back as
anyone on the internet would; an operator approves the text through the console form.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from sms_gateway.services import Services
from sms_gateway.store.console import AuditEntry
from sms_gateway.store.models import Ticket
from tests.e2e.loop_support import Gateway
from tests.support.twilio_signing import inbound_form, signed
from tests.unit.console.conftest import add_user, csrf_of, sign_in

NIK, NAME, PHONE = "3578012345678901", "Budi Santoso", "081298765432"
ANONYMOUS_SMS = (f"ANONIM jalan rusak berlubang di Kelurahan Ketintang Kecamatan Gayungan "
                 f"Kota Surabaya. Nama saya {NAME} NIK {NIK} hp {PHONE}")


@pytest.fixture
def gateway(gw: Gateway) -> tuple[Services, Any]:
    """The e2e gateway (tests/e2e/conftest.py) as its services and Flask app."""
    return gw.services, gw.app


def sms_in(app: Any, body: str = ANONYMOUS_SMS) -> None:
    form = inbound_form("SM-anon-1", body)
    assert app.test_client().post("/sms/twilio", data=form, headers=signed(form)).status_code \
        == 200


def public_requests(app: Any) -> str:
    return app.test_client().get("/open311/v2/requests.json").get_data(as_text=True)


def ticket_number(services: Services) -> str:
    with services.sessions() as session:
        return str(session.execute(select(Ticket.number)).scalar_one())


def operator(services: Services, app: Any, role: str = "operator") -> Any:
    email = f"{role}@example.id"
    add_user(services, email, role, **({"agency_code": "dinas_pupr:35.78"}
                                       if role == "agency" else {}))
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    client.csrf = csrf_of(client)
    return client


def publish(client: Any, number: str, value: str = "1") -> Any:
    return client.post(f"/console/tickets/{number}/publish",
                       data={"csrf_token": client.csrf, "publish": value})


def test_anonymous_sms_leaks_no_nik_name_or_phone(gateway: tuple[Services, Any]) -> None:
    _, app = gateway
    sms_in(app)
    listed = public_requests(app)
    assert [s for s in (NIK, NAME, PHONE, "Budi", "berlubang") if s in listed] == []


def test_anonymous_place_is_cut_to_the_kecamatan(gateway: tuple[Services, Any]) -> None:
    _, app = gateway
    sms_in(app)
    place = app.test_client().get("/open311/v2/requests.json").get_json()[0]["address_id"]
    assert place.count(".") <= 2


def test_unapproved_description_is_the_category(gateway: tuple[Services, Any]) -> None:
    _, app = gateway
    sms_in(app, ANONYMOUS_SMS.replace("ANONIM ", ""))
    doc = app.test_client().get("/open311/v2/requests.json").get_json()[0]
    assert doc["description"] == doc["service_name"]


def test_approved_text_is_published_redacted(gateway: tuple[Services, Any]) -> None:
    services, app = gateway
    sms_in(app)
    number = ticket_number(services)
    assert publish(operator(services, app), number).status_code == 302
    description = app.test_client().get("/open311/v2/requests.json").get_json()[0][
        "description"]
    leaked = [s for s in (NIK, NAME, PHONE) if s in description]
    assert (leaked, "berlubang" in description, "[NIK]" in description) == ([], True, True)


def test_approval_is_recorded_on_the_ticket_and_in_the_audit_log(
        gateway: tuple[Services, Any]) -> None:
    services, app = gateway
    sms_in(app)
    number = ticket_number(services)
    publish(operator(services, app), number)
    with services.sessions() as session:
        by = session.execute(select(Ticket.text_published_by)).scalar_one()
        actions = list(session.execute(select(AuditEntry.action, AuditEntry.target_id).where(
            AuditEntry.action.like("ticket.%"))))
    assert (by, [tuple(a) for a in actions]) == (
        "operator@example.id", [("ticket.publish_text", number)])


def test_withdrawn_text_is_no_longer_published(gateway: tuple[Services, Any]) -> None:
    services, app = gateway
    sms_in(app)
    number = ticket_number(services)
    client = operator(services, app)
    publish(client, number)
    publish(client, number, "0")
    assert "berlubang" not in public_requests(app)


def test_agency_user_cannot_approve_publication(gateway: tuple[Services, Any]) -> None:
    services, app = gateway
    sms_in(app)
    assert publish(operator(services, app, "agency"), ticket_number(services)).status_code \
        == 403


def test_ticket_page_offers_the_approval_to_an_operator(gateway: tuple[Services, Any]) -> None:
    services, app = gateway
    sms_in(app)
    number = ticket_number(services)
    page = operator(services, app).get(f"/console/tickets/{number}").get_data(as_text=True)
    assert re.search(rf'action="/console/tickets/{number}/publish"', page)
