"""Open311 GeoReport v2: services, public requests (never rahasia), filing with an api_key."""

from __future__ import annotations

from typing import Any

from sms_gateway.services import Services
from tests.support.agency import (
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


def _file(client: Any, services: Services, **extra: str) -> Any:
    return client.post("/open311/v2/requests.json", data={
        "api_key": token_for(services, PUPR_SURABAYA), "service_code": "jalan_drainase",
        "description": "Jalan rusak", "address_id": "35.78.22.1004", **extra})


def test_coordinates_are_kept_and_shown_to_open311_and_the_agency_api(
        client: Any, services: Services) -> None:
    number = _file(client, services, lat="-7.3305", long="112.7297").get_json()[0][
        "service_request_id"]
    listed = client.get(f"/open311/v2/requests/{number}.json").get_json()[0]
    api = client.get(f"/api/v1/tickets/{number}", headers={
        "Authorization": f"Bearer {token_for(services, PUPR_SURABAYA)}"}).get_json()
    assert ((listed["lat"], listed["long"]), (api["lat"], api["long"])) == (
        (-7.3305, 112.7297), (-7.3305, 112.7297))


def test_a_request_without_coordinates_has_none(client: Any, services: Services) -> None:
    number = _file(client, services).get_json()[0]["service_request_id"]
    listed = client.get(f"/open311/v2/requests/{number}.json").get_json()[0]
    assert (listed["lat"], listed["long"]) == (None, None)


def test_bad_coordinates_are_refused_with_the_reason(client: Any, services: Services) -> None:
    answers = [_file(client, services, **bad) for bad in (
        {"lat": "-7.33"}, {"lat": "utara", "long": "112.7"}, {"lat": "-97", "long": "112.7"},
        {"lat": "nan", "long": "112.7"}, {"lat": "-7.3", "long": "inf"})]
    reasons = [a.get_json()[0]["description"] for a in answers]
    assert ([a.status_code for a in answers], reasons[0], reasons[1], reasons[2:]) == (
        [400] * 5, "give both lat and long, or neither", "lat and long must be decimal degrees",
        ["lat must be within -90..90 and long within -180..180"] * 3)


def test_the_agency_e_mail_gives_the_coordinates(client: Any, services: Services) -> None:
    import json

    from sqlalchemy import select

    from sms_gateway.agency.deliveries import _email_text
    from sms_gateway.agency.payload import ticket_detail
    from sms_gateway.store.models import Ticket

    number = _file(client, services, lat="-7.3305", long="112.7297").get_json()[0][
        "service_request_id"]
    with services.sessions() as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        doc = {"ticket": ticket_detail(session, services.vault, ticket), "api_url": None}
    text = _email_text(json.dumps(doc).encode())
    assert "Lokasi: Ketintang (35.78.22.1004), koordinat -7.3305, 112.7297" in text
