"""Break 1 of issue 15: a status move in the console reaches the citizen and the agencies.

SMS in through the signed webhook, the console through its forms, SMS out at a fake Twilio.
"""

from __future__ import annotations

from sqlalchemy import select

from sms_gateway.store.agency import AgencyResponse
from sms_gateway.store.models import TicketEvent
from tests.e2e.loop_support import Gateway

ROAD = "jalan rusak berlubang di kelurahan ketintang kecamatan gayungan kota surabaya"


def _filed(gw: Gateway) -> str:
    gw.sms(ROAD)
    ticket = gw.latest_ticket()
    assert ticket.status == "terdisposisi", ticket.status
    return ticket.number


def _post(client, path: str, **form: str):
    return client.post(path, data={"csrf_token": client.csrf, **form})


def test_operator_diproses_with_a_note_sends_the_citizen_an_sms(gw: Gateway) -> None:
    number = _filed(gw)
    operator = gw.console("operator")
    _post(operator, f"/console/tickets/{number}/status", status="diproses",
          note="Petugas akan meninjau lokasi besok pagi")
    assert any(f"#{number}" in body and "meninjau lokasi besok" in body
               for body in gw.sent_to())


def test_operator_bukan_wewenang_routes_the_ticket_elsewhere(gw: Gateway) -> None:
    number = _filed(gw)
    before = gw.ticket(number).agency_code
    operator = gw.console("operator")
    _post(operator, f"/console/tickets/{number}/status", status="bukan_wewenang",
          note="bukan jalan kota")
    after = gw.ticket(number)
    assert (after.status, after.agency_code != before) == ("terdisposisi", True)


def test_operator_selesai_asks_the_citizen_for_a_rating_that_is_then_recorded(
        gw: Gateway) -> None:
    number = _filed(gw)
    operator = gw.console("operator")
    _post(operator, f"/console/tickets/{number}/status", status="selesai",
          note="Jalan sudah ditambal")
    gw.sms("5")
    ticket = gw.ticket(number)
    assert (ticket.status, ticket.rating, "balas 1-5" in gw.sent_to()[-2]) == ("arsip", 5, True)


def test_agency_user_declines_in_the_console_and_the_ticket_is_rerouted(gw: Gateway) -> None:
    number = _filed(gw)
    agency = gw.ticket(number).agency_code
    client = gw.console("agency", agency_code=agency)
    _post(client, f"/console/tickets/{number}/decline", reason="jalan provinsi")
    with gw.services.sessions() as s:
        reason = s.execute(select(TicketEvent.detail).where(
            TicketEvent.to_status == "bukan_wewenang")).scalar_one()["reason"]
    ticket = gw.ticket(number)
    assert (reason, ticket.status, ticket.agency_code != agency) == (
        "jalan provinsi", "terdisposisi", True)


def test_agency_user_hands_on_in_the_console_and_the_citizen_hears(gw: Gateway) -> None:
    number = _filed(gw)
    client = gw.console("agency", agency_code=gw.ticket(number).agency_code)
    _post(client, f"/console/tickets/{number}/disposisi", agency_code="dlh:35.78",
          note="sampah, bukan jalan")
    assert (gw.ticket(number).agency_code, "dialihkan" in gw.sent_to()[-1]) == (
        "dlh:35.78", True)


def test_agency_user_cannot_decline_another_agencys_ticket(gw: Gateway) -> None:
    number = _filed(gw)
    client = gw.console("agency", agency_code="dlh:35.78")
    response = _post(client, f"/console/tickets/{number}/decline", reason="x")
    assert response.status_code == 404


def test_agency_answer_in_the_console_reaches_the_citizen(gw: Gateway) -> None:
    number = _filed(gw)
    client = gw.console("agency", agency_code=gw.ticket(number).agency_code)
    _post(client, f"/console/tickets/{number}/respond", status="diproses",
          text="Sedang kami perbaiki")
    with gw.services.sessions() as s:
        stored = s.execute(select(AgencyResponse.text)).scalars().all()
    assert (stored, "Sedang kami perbaiki" in gw.sent_to()[-1]) == (
        ["Sedang kami perbaiki"], True)


def test_a_refused_move_shows_the_reason_on_the_ticket_page(gw: Gateway) -> None:
    number = _filed(gw)
    operator = gw.console("operator")
    response = _post(operator, f"/console/tickets/{number}/status", status="selesai")
    assert response.status_code == 400 and "needs a response text" in response.get_data(
        as_text=True)
