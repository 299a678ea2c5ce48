"""Break 3 of issue 15: conversations that stalled now move on.

A location reply naming no known place names the ticket; the operator places the ticket on
its page (routed and forwarded; the correction is a labelled example); CEK without a number
lists the sender's tickets. SMS in through the signed webhook, SMS out at a fake Twilio.
"""

from __future__ import annotations

from sqlalchemy import select

from sms_gateway.store.agency import AgencyDelivery
from sms_gateway.store.console import LabelledExample
from tests.e2e.loop_support import Gateway

NO_PLACE = "jalan rusak berlubang mohon segera diperbaiki"
ROAD = "jalan rusak berlubang di kelurahan ketintang kecamatan gayungan kota surabaya"
NOWHERE = "kel sukamajuu kec gayunganan"  # no such kelurahan or kecamatan


def _waiting_for_place(gw: Gateway) -> str:
    gw.sms(NO_PLACE)
    ticket = gw.latest_ticket()
    assert ticket.awaiting == "location"
    return ticket.number


def _correct(gw: Gateway, number: str, category: str, region_code: str):
    operator = gw.console("operator")
    return operator.post(f"/console/tickets/{number}/correct", data={
        "csrf_token": operator.csrf, "category": category, "region_code": region_code})


def test_an_unknown_place_in_the_location_reply_is_answered_with_the_ticket_number(
        gw: Gateway) -> None:
    number = _waiting_for_place(gw)
    gw.sms(NOWHERE)
    assert f"#{number}" in gw.sent_to()[-1]


def test_a_location_reply_with_a_unique_kecamatan_places_and_forwards_the_ticket(
        gw: Gateway) -> None:
    # 120 regions named Sukamaju, none in the one kecamatan Gayungan (Kota Surabaya)
    number = _waiting_for_place(gw)
    gw.sms("kel sukamaju kec gayungan")
    ticket = gw.ticket(number)
    assert (ticket.region_code, ticket.agency_code, ticket.awaiting) == (
        "35.78.22", "dinas_pupr:35.78", None)


def test_operator_places_the_ticket_on_its_page_and_it_is_forwarded(gw: Gateway) -> None:
    number = _waiting_for_place(gw)
    gw.sms(NOWHERE)
    _correct(gw, number, "jalan_drainase", "35.78.22")
    ticket = gw.ticket(number)
    assert (ticket.region_code, ticket.agency_code, ticket.status,
            "dinas_pupr" in ticket.agency_code and "diteruskan" in gw.sent_to()[-1]) == (
        "35.78.22", "dinas_pupr:35.78", "terdisposisi", True)


def test_a_correction_to_another_agency_forwards_the_ticket_there(gw: Gateway) -> None:
    gw.sms(ROAD)
    number = gw.latest_ticket().number
    _correct(gw, number, "sampah_lingkungan", "35.78.22.1004")
    with gw.services.sessions() as s:
        codes = set(s.execute(select(AgencyDelivery.agency_code)).scalars())
    assert (gw.ticket(number).agency_code, codes) == (
        "dlh:35.78", {"dinas_pupr:35.78", "dlh:35.78"})


def test_a_correction_is_kept_as_a_labelled_example(gw: Gateway) -> None:
    gw.sms(ROAD)
    number = gw.latest_ticket().number
    _correct(gw, number, "sampah_lingkungan", "35.78.22.1004")
    with gw.services.sessions() as s:
        row = s.execute(select(LabelledExample)).scalar_one()
    assert (row.source, row.category, row.text) == ("ticket_correction", "sampah_lingkungan",
                                                      ROAD)


def test_an_unknown_region_code_is_refused_on_the_page(gw: Gateway) -> None:
    gw.sms(ROAD)
    number = gw.latest_ticket().number
    response = _correct(gw, number, "jalan_drainase", "99.99")
    assert (response.status_code, gw.ticket(number).region_code) == (400, "35.78.22.1004")


def test_cek_without_a_number_lists_the_senders_open_tickets(gw: Gateway) -> None:
    gw.sms(ROAD)
    gw.sms("sampah menumpuk di kelurahan ketintang kecamatan gayungan kota surabaya")
    numbers = [gw.latest_ticket().number]
    gw.sms("CEK")
    reply = gw.sent_to()[-1]
    assert (numbers[0] in reply, reply.count("#"), "tidak ditemukan" in reply) == (
        True, 2, False)


def test_cek_without_a_number_and_without_tickets_says_so(gw: Gateway) -> None:
    gw.sms("CEK")
    assert "Belum ada laporan" in gw.sent_to()[-1]
