"""Issue 13, part 5: a kelurahan that only an address suggests is stored with the ticket and
shown to operators and agencies as probable, never as the ticket's place, until an operator
accepts it. SMS in through the signed Twilio webhook, the console through its forms, the
agency API with a bearer token."""

from __future__ import annotations

import html
import re
from typing import Any

from tests.e2e.loop_support import Gateway
from tests.support.agency import PUPR_SURABAYA, auth, token_for

ADDRESS = "jalan rusak di jl kebraon gang 5 surabaya"
KEBRAON = "35.78.01.1002"


def _filed(gw: Gateway) -> str:
    assert gw.sms(ADDRESS).status_code == 200
    ticket = gw.latest_ticket()
    assert (ticket.region_code, ticket.probable_region_code) == ("35.78", KEBRAON)
    return ticket.number


def _api_ticket(gw: Gateway, number: str) -> dict[str, Any]:
    token = token_for(gw.services, PUPR_SURABAYA)
    answer = gw.app.test_client().get(f"/api/v1/tickets/{number}", headers=auth(token))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return dict(answer.get_json())


def _text(page: str) -> str:
    """The page's visible text, tags dropped and spaces squeezed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_ticket_page_shows_the_probable_kelurahan_beside_the_confirmed_place(
        gw: Gateway) -> None:
    number = _filed(gw)
    page = _text(gw.console().get(f"/console/tickets/{number}").get_data(as_text=True))
    assert ("Lokasi Kota Surabaya (35.78)" in page,
            f"Kelurahan (perkiraan) Kebraon ({KEBRAON}) Perkiraan dari alamat dalam SMS, "
            "belum pasti." in page, "Jadikan lokasi tiket" in page) == (True, True, True)


def test_agency_api_gives_the_probable_kelurahan_apart_from_the_region(gw: Gateway) -> None:
    got = _api_ticket(gw, _filed(gw))
    assert (got["region_code"], got["region_name"], got["probable_region"]) == (
        "35.78", "Kota Surabaya",
        {"code": KEBRAON, "name": "Kebraon", "probable": True, "basis": "address"})


def test_operator_accepting_the_probable_kelurahan_makes_it_the_place(gw: Gateway) -> None:
    number = _filed(gw)
    operator = gw.console()
    accepted = operator.post(f"/console/tickets/{number}/correct", data={
        "csrf_token": operator.csrf, "category": gw.ticket(number).category,
        "region_code": KEBRAON})
    assert accepted.status_code == 302
    got = _api_ticket(gw, number)
    assert (got["region_code"], got["region_name"], got["probable_region"]) == (
        KEBRAON, "Kebraon", None)


def test_review_item_offers_the_probable_kelurahan_and_the_decision_takes_it(
        gw: Gateway) -> None:
    gw.sms("tolong dong di jl kebraon gang 5 surabaya ada masalah")  # unsure: review
    ticket = gw.latest_ticket()
    operator = gw.console()
    page = operator.get(f"/console/review/{ticket.inbound_message_id}").get_data(as_text=True)
    offered = (f'data-code="{KEBRAON}"' in page
               and "Kelurahan (perkiraan) Kebraon" in _text(page))
    operator.post(f"/console/review/{ticket.inbound_message_id}", data={
        "csrf_token": operator.csrf, "action": "ticket", "category": "jalan_drainase",
        "region_code": KEBRAON})  # what the page's "Jadikan lokasi tiket" button fills in
    assert (offered, gw.ticket(ticket.number).region_code) == (True, KEBRAON)
