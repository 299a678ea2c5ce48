"""The ticket list's filters and the ticket page (thread, deadline, agency answers)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from sms_gateway.store import tickets
from sms_gateway.store.agency import AgencyResponse
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Citizen, Ticket, TicketEvent
from sms_gateway.store.pii import mask_phone

PHONE = "+6281234567890"


def _ticket(services, **fields):
    vault = services.vault
    values = {"category": "jalan_drainase", "region_code": "35.78", "region_name": "Surabaya",
              "description": "jalan rusak", "agency_code": "dinas_pupr:35.78",
              "agency_name": "Dinas PUPR Kota Surabaya", **fields}
    with services.sessions.begin() as s:
        citizen = s.execute(select(Citizen)).scalars().first()
        if citizen is None:
            citizen = Citizen(phone_hash=vault.digest(PHONE), phone_enc=vault.encrypt(PHONE),
                              phone_masked=mask_phone(PHONE))
            s.add(citizen)
            s.flush()
        return tickets.open_ticket(s, citizen_id=citizen.id, **values).number


def _numbers(client, query):
    page = client.get(f"/console/tickets?{query}").get_data(as_text=True)
    return {n for n in _all_numbers(page)}


def _all_numbers(page):
    import re

    return re.findall(r'/console/tickets/(\d{7})"', page)


def test_status_filter_keeps_only_that_status(login, services):
    wanted = _ticket(services)
    other = _ticket(services, status="selesai")
    assert _numbers(login("operator"), "status=belum_terverifikasi") == {wanted} - {other}


def test_category_filter_keeps_only_that_category(login, services):
    wanted = _ticket(services, category="bansos")
    _ticket(services)
    assert _numbers(login("operator"), "category=bansos") == {wanted}


def test_region_filter_includes_regions_inside(login, services):
    inside = _ticket(services, region_code="35.78.22.1004")
    _ticket(services, region_code="32.73")
    assert _numbers(login("operator"), "region=35.78") == {inside}


def test_agency_filter_keeps_only_that_agency(login, services):
    wanted = _ticket(services, agency_code="dlh:35.78")
    _ticket(services)
    assert _numbers(login("operator"), "agency=dlh:35.78") == {wanted}


def test_overdue_filter_keeps_tickets_past_their_deadline(login, services):
    late = _ticket(services)
    _ticket(services)
    with services.sessions.begin() as s:
        ticket_id = s.execute(select(Ticket.id).where(Ticket.number == late)).scalar_one()
        s.execute(update(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                  .values(at=utcnow() - timedelta(days=30)))
    assert _numbers(login("operator"), "overdue=1") == {late}


def test_overdue_filter_counts_the_clock_of_the_current_status_only(login, services):
    def backdate(number, days):
        with services.sessions.begin() as s:
            ticket_id = s.execute(select(Ticket.id).where(Ticket.number == number)).scalar_one()
            s.execute(update(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                      .values(at=utcnow() - timedelta(days=days)))
            s.execute(update(Ticket).where(Ticket.id == ticket_id)
                      .values(created_at=utcnow() - timedelta(days=days)))

    late = _ticket(services)
    backdate(late, 30)
    on_hold = _ticket(services)  # tertunda has no clock, however old
    with services.sessions.begin() as s:
        ticket = s.execute(select(Ticket).where(Ticket.number == on_hold)).scalar_one()
        tickets.set_status(s, ticket, "tertunda", actor="operator:test")
    backdate(on_hold, 30)
    moved_on = _ticket(services)  # old ticket, but its current status began just now
    backdate(moved_on, 30)
    with services.sessions.begin() as s:
        ticket = s.execute(select(Ticket).where(Ticket.number == moved_on)).scalar_one()
        tickets.set_status(s, ticket, "terverifikasi", actor="operator:test")
    assert _numbers(login("operator"), "overdue=1") == {late}


def test_search_by_ticket_number(login, services):
    wanted = _ticket(services)
    _ticket(services)
    assert _numbers(login("operator"), f"q=%23{wanted}") == {wanted}


def test_ticket_page_shows_the_deadline_clock(login, services):
    number = _ticket(services)
    page = login("operator").get(f"/console/tickets/{number}").get_data(as_text=True)
    assert 'id="deadline"' in page and "verifikasi, 3" in page


def test_ticket_page_shows_the_coordinates_the_filer_gave(login, services):
    number = _ticket(services, source="open311", latitude=-7.3305, longitude=112.7297)
    page = login("operator").get(f"/console/tickets/{number}").get_data(as_text=True)
    assert "-7.33050, 112.72970" in page


def test_ticket_page_shows_agency_responses(login, services):
    number = _ticket(services)
    with services.sessions.begin() as s:
        ticket = s.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        s.add(AgencyResponse(ticket_id=ticket.id, agency_code="dinas_pupr:35.78",
                             status="diproses", text="Tim sudah meninjau lokasi", at=utcnow()))
    page = login("operator").get(f"/console/tickets/{number}").get_data(as_text=True)
    assert "Tim sudah meninjau lokasi" in page


def test_operator_status_change_is_recorded_with_the_operator(login, services):
    number = _ticket(services)
    client = login("operator", email="ani@example.id")
    client.post(f"/console/tickets/{number}/status",
                data={"csrf_token": client.csrf, "status": "terverifikasi"})
    with services.sessions() as s:
        actor = s.execute(select(TicketEvent.actor).where(
            TicketEvent.to_status == "terverifikasi")).scalar_one()
    assert actor == "ani@example.id"


def test_status_change_outside_the_lifecycle_is_refused(login, services):
    number = _ticket(services)
    client = login("operator")
    response = client.post(f"/console/tickets/{number}/status",
                           data={"csrf_token": client.csrf, "status": "selesai"})
    assert response.status_code == 400


def test_only_the_citizen_withdraws_a_ticket(login, services):
    # "Dibatalkan pelapor" is the citizen's BATAL: the operator's form does not offer it and a
    # request for it is refused; closing (arsip) is the operator's way.
    number = _ticket(services)
    client = login("operator")
    page = client.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert 'value="dibatalkan"' not in page and 'value="arsip"' in page
    response = client.post(f"/console/tickets/{number}/status",
                           data={"csrf_token": client.csrf, "status": "dibatalkan"})
    assert response.status_code == 400
    with services.sessions() as s:
        assert s.execute(select(Ticket.status).where(Ticket.number == number)).scalar_one() \
            == "belum_terverifikasi"


def test_agency_user_response_is_stored(login, services):
    number = _ticket(services, agency_code="dlh:35.78", status="terdisposisi")
    client = login("agency", agency_code="dlh:35.78")
    client.post(f"/console/tickets/{number}/respond",
                data={"csrf_token": client.csrf, "status": "diproses", "text": "Sedang dicek"})
    with services.sessions() as s:
        texts = s.execute(select(AgencyResponse.text)).scalars().all()
    assert texts == ["Sedang dicek"]


def test_language_switch_shows_english(login, services):
    client = login("operator")
    client.post("/console/language", data={"csrf_token": client.csrf, "lang": "en"})
    assert "Review queue" in client.get("/console/review").get_data(as_text=True)


def test_interface_is_indonesian_by_default(login):
    assert "Antrean tinjauan" in login("operator").get("/console/review").get_data(as_text=True)
