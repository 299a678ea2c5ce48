"""Open311 GeoReport v2: services, public requests (never rahasia), filing with an api_key."""

from __future__ import annotations

from typing import Any

from sms_gateway.services import Services
from tests.unit.agency.support import (
    PUPR_SURABAYA,
    SURABAYA_ROAD,
    sms_in,
    ticket_of,
    token_for,
)


def test_services_are_the_complaint_categories(client: Any) -> None:
    codes = {s["service_code"] for s in client.get("/open311/v2/services.json").get_json()}
    assert {"jalan_drainase", "lainnya"} <= codes


def test_public_request_is_listed(client: Any, services: Services) -> None:
    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    listed = client.get("/open311/v2/requests.json").get_json()
    assert [r["service_request_id"] for r in listed] == [ticket.number]


def test_rahasia_request_is_never_listed(client: Any, services: Services) -> None:
    sms_in(services, "RAHASIA " + SURABAYA_ROAD)
    assert client.get("/open311/v2/requests.json").get_json() == []


def test_rahasia_request_by_id_is_404(client: Any, services: Services) -> None:
    ticket = ticket_of(services, sms_in(services, "RAHASIA " + SURABAYA_ROAD))
    assert client.get(f"/open311/v2/requests/{ticket.number}.json").status_code == 404


def test_request_by_id_is_a_one_element_list(client: Any, services: Services) -> None:
    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    doc = client.get(f"/open311/v2/requests/{ticket.number}.json").get_json()
    assert [(r["service_request_id"], r["status"]) for r in doc] == [(ticket.number, "open")]


def test_closed_filter_leaves_out_open_requests(client: Any, services: Services) -> None:
    sms_in(services, SURABAYA_ROAD)
    assert client.get("/open311/v2/requests.json?status=closed").get_json() == []


def test_bad_status_filter_is_400(client: Any) -> None:
    assert client.get("/open311/v2/requests.json?status=maybe").status_code == 400


def test_filing_without_api_key_is_401(client: Any) -> None:
    answer = client.post("/open311/v2/requests.json", data={
        "service_code": "jalan_drainase", "description": "Jalan rusak", "address_id": "35.78"})
    assert answer.status_code == 401


def test_filed_request_is_routed_to_the_agency(client: Any, services: Services) -> None:
    key = token_for(services, "pengelola_lapor:35.78")
    client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "jalan_drainase", "description": "Jalan rusak",
        "address_id": "35.78.22.1004"})
    listed = client.get("/open311/v2/requests.json").get_json()
    assert listed[0]["agency_responsible"].startswith("Dinas Pekerjaan Umum")


def test_filed_request_answers_201_with_its_id(client: Any, services: Services) -> None:
    key = token_for(services, PUPR_SURABAYA)
    answer = client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "jalan_drainase", "description": "Jalan rusak",
        "address_id": "35.78"})
    assert (answer.status_code, len(answer.get_json()[0]["service_request_id"])) == (201, 7)


def test_filing_with_unknown_region_is_400(client: Any, services: Services) -> None:
    key = token_for(services, PUPR_SURABAYA)
    answer = client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "jalan_drainase", "description": "Jalan rusak",
        "address_id": "99.99"})
    assert answer.status_code == 400
