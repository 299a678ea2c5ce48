"""The console's channel-log pages: who may open them, links to them, and no secret shown."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from sms_gateway.complaints.outbox import queue_sms
from sms_gateway.store import tickets
from sms_gateway.store.console import AuditEntry
from sms_gateway.store.models import Citizen
from sms_gateway.store.pii import mask_phone
from sms_gateway.telco import channel_logs
from sms_gateway.telco.providers.transport import make_session, recording
from tests.providers.harness import FakeAdapter, Reply
from tests.unit.console.conftest import add_pending

PHONE = "+6281234567890"
SECRET = "s3cret-kannel-pass"
HOST = "sms.example.id"


def _store_log(services, path, *, channel="kannel", outbound_id=None, inbound_id=None):
    """One send as the send job records it: through the recording adapter, then stored."""
    http = make_session([SECRET], inner=FakeAdapter(frozenset({HOST}), [Reply(200, "0: OK")]))
    with recording() as exchanges:
        http.get(f"https://{HOST}/{path}", params={"password": SECRET, "to": PHONE},
                 headers={"X-Api-Key": SECRET, "Authorization": f"Basic {SECRET}"})
    with services.sessions.begin() as s:
        channel_logs.add(s, channel, channel_logs.SEND, exchanges, outbound_id=outbound_id,
                         inbound_id=inbound_id)


def _ticket_with_reply(services, **fields):
    """A ticket and one SMS sent to its citizen; returns (ticket number, outbound id)."""
    vault = services.vault
    with services.sessions.begin() as s:
        citizen = Citizen(phone_hash=vault.digest(PHONE), phone_enc=vault.encrypt(PHONE),
                          phone_masked=mask_phone(PHONE))
        s.add(citizen)
        s.flush()
        ticket = tickets.open_ticket(s, citizen_id=citizen.id, category="jalan_drainase",
                                     description="jalan rusak", **fields)
        out = queue_sms(services, s, citizen, purpose="ticket_created", body="Laporan diterima",
                        dedupe_key=f"created-{ticket.id}", channel="kannel", ticket_id=ticket.id)
        assert out is not None
        return ticket.number, out.id


def test_operator_reaches_a_stored_log_from_the_ticket_thread(login, services):
    number, outbound_id = _ticket_with_reply(services)
    _store_log(services, "cgi-bin/sendsms-thread-marker", outbound_id=outbound_id)
    client = login("operator")
    page = client.get(f"/console/tickets/{number}").get_data(as_text=True)
    links = re.findall(r'href="(/console/logs/out/\d+)"', page)
    assert ["sendsms-thread-marker" in client.get(link).get_data(as_text=True)
            for link in links] == [True]


def test_review_page_links_to_the_inbound_message_logs(login, services):
    message_id = add_pending(services)
    page = login("operator").get(f"/console/review/{message_id}").get_data(as_text=True)
    assert f'href="/console/logs/in/{message_id}"' in page


@pytest.mark.parametrize("role", ["agency", "viewer"])
@pytest.mark.parametrize("path", ["/console/logs", "/console/logs/out/1"])
def test_only_admins_and_operators_open_channel_logs(login, services, role, path):
    client = login(role, agency_code="dlh:35.78" if role == "agency" else None)
    assert client.get(path).status_code == 403


def test_ticket_page_shows_agency_users_no_log_link(login, services):
    number, _ = _ticket_with_reply(services, agency_code="dlh:35.78")
    page = login("agency", agency_code="dlh:35.78").get(f"/console/tickets/{number}")
    assert "/console/logs/" not in page.get_data(as_text=True)


def test_message_logs_page_shows_no_secret(login, services):
    _, outbound_id = _ticket_with_reply(services)
    _store_log(services, "cgi-bin/sendsms-secret-marker", outbound_id=outbound_id)
    page = login("admin").get(f"/console/logs/out/{outbound_id}").get_data(as_text=True)
    assert ("sendsms-secret-marker" in page, SECRET in page) == (True, False)


def test_message_logs_page_shows_no_phone_number(login, services):
    _, outbound_id = _ticket_with_reply(services)
    _store_log(services, "cgi-bin/sendsms-phone-marker", outbound_id=outbound_id)
    page = login("admin").get(f"/console/logs/out/{outbound_id}").get_data(as_text=True)
    assert ("sendsms-phone-marker" in page, "81234567890" in page) == (True, False)


def test_log_list_leaves_bodies_to_the_audited_message_page(login, services):
    _, outbound_id = _ticket_with_reply(services, confidential=True)
    _store_log(services, "cgi-bin/sendsms-list-marker", outbound_id=outbound_id)
    client = login("admin")
    listed = client.get("/console/logs").get_data(as_text=True)
    opened = client.get(f"/console/logs/out/{outbound_id}").get_data(as_text=True)
    assert ("sendsms-list-marker" in listed, "0: OK" in listed, "0: OK" in opened) == (
        True, False, True)


def test_channel_filter_keeps_only_that_channel(login, services):
    _store_log(services, "kannel-marker", channel="kannel")
    _store_log(services, "aggregator-marker", channel="aggregator")
    page = login("operator").get("/console/logs?channel=aggregator").get_data(as_text=True)
    assert ("aggregator-marker" in page, "kannel-marker" in page) == (True, False)


def test_logs_of_an_unknown_message_are_not_found(login, services):
    assert login("operator").get("/console/logs/in/999999").status_code == 404


def test_opening_logs_of_a_confidential_ticket_is_audited(login, services):
    number, outbound_id = _ticket_with_reply(services, confidential=True)
    login("operator").get(f"/console/logs/out/{outbound_id}")
    with services.sessions() as s:
        targets = s.execute(select(AuditEntry.target_id).where(
            AuditEntry.action == "ticket.view_confidential")).scalars().all()
    assert targets == [number]
