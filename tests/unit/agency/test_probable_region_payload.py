"""The kelurahan an address suggests reaches agencies marked as probable (issue 13, part 5)."""

from __future__ import annotations

import json

from sms_gateway.agency.deliveries import _email_text
from sms_gateway.agency.payload import ticket_detail
from sms_gateway.services import Services
from sms_gateway.store import tickets

KEBRAON = "35.78.01.1002"


def _detail(services: Services, region_code: str, region_name: str) -> dict:
    with services.sessions.begin() as session:
        ticket = tickets.open_ticket(
            session, category="jalan_drainase", region_code=region_code,
            region_name=region_name, probable_region_code=KEBRAON,
            probable_region_name="Kebraon", description="jalan rusak di jl kebraon gang 5")
        return ticket_detail(session, services.vault, ticket)


def test_agency_e_mail_names_the_probable_kelurahan_as_a_guess(services: Services) -> None:
    text = _email_text(json.dumps({"ticket": _detail(services, "35.78", "Kota Surabaya"),
                                   "api_url": None}).encode())
    assert (f"Lokasi: Kota Surabaya (35.78)\nKelurahan (perkiraan dari alamat, belum pasti): "
            f"Kebraon ({KEBRAON})") in text


def test_a_probable_kelurahan_that_became_the_place_is_no_longer_given(
        services: Services) -> None:
    assert _detail(services, KEBRAON, "Kebraon")["probable_region"] is None
