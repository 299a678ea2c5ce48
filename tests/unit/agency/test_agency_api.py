"""The agency API: token scoping, status changes with responses, disposisi, bukan_wewenang."""

from __future__ import annotations

from typing import Any

import pytest

from sms_gateway.services import Services
from tests.support.agency import (
    PHONE,
    PUPR_SURABAYA,
    SURABAYA_ROAD,
    auth,
    bodies,
    reload,
    sms_in,
    ticket_of,
    token_for,
)

DISHUB = "dishub:35.78"


@pytest.fixture
def ticket(services: Services) -> Any:
    return ticket_of(services, sms_in(services, SURABAYA_ROAD))


@pytest.fixture
def token(services: Services) -> str:
    return token_for(services, PUPR_SURABAYA)


def _status(client: Any, token: str, number: str, status: str, response: str = "") -> Any:
    return client.post(f"/api/v1/tickets/{number}/status", headers=auth(token),
                       json={"status": status, "response": response})


def test_request_without_token_is_401(client: Any) -> None:
    assert client.get("/api/v1/tickets").status_code == 401


def test_request_with_unknown_token_is_401(client: Any) -> None:
    assert client.get("/api/v1/tickets", headers=auth("lpr_nope")).status_code == 401


def test_agency_lists_its_own_ticket(client: Any, ticket: Any, token: str) -> None:
    listed = client.get("/api/v1/tickets", headers=auth(token)).get_json()
    assert [t["number"] for t in listed["tickets"]] == [ticket.number]


def test_other_agency_lists_nothing(client: Any, services: Services, ticket: Any) -> None:
    other = token_for(services, DISHUB)
    assert client.get("/api/v1/tickets", headers=auth(other)).get_json()["total"] == 0


def test_other_agencys_ticket_is_404(client: Any, services: Services, ticket: Any) -> None:
    other = token_for(services, DISHUB)
    assert client.get(f"/api/v1/tickets/{ticket.number}",
                      headers=auth(other)).status_code == 404


def test_other_agency_cannot_change_the_ticket(client: Any, services: Services,
                                               ticket: Any) -> None:
    other = token_for(services, DISHUB)
    assert _status(client, other, ticket.number, "diproses").status_code == 404


def test_detail_has_history_and_reporter(client: Any, ticket: Any, token: str) -> None:
    doc = client.get(f"/api/v1/tickets/{ticket.number}", headers=auth(token)).get_json()
    assert (doc["reporter"], doc["history"][-1]["to_status"]) == ({"phone": PHONE},
                                                                  "terdisposisi")


def test_anonymous_ticket_never_shows_the_phone(client: Any, services: Services,
                                                token: str) -> None:
    anonymous = ticket_of(services, sms_in(services, "ANONIM " + SURABAYA_ROAD))
    doc = client.get(f"/api/v1/tickets/{anonymous.number}", headers=auth(token))
    assert PHONE[3:] not in doc.get_data(as_text=True)


def test_selesai_with_response_texts_the_citizen(client: Any, services: Services,
                                                 ticket: Any, token: str) -> None:
    _status(client, token, ticket.number, "selesai", "Jalan sudah ditambal hari ini.")
    assert "Jalan sudah ditambal hari ini." in bodies(services, ticket.id)[-1]


def test_selesai_waits_for_a_rating(client: Any, services: Services, ticket: Any,
                                    token: str) -> None:
    _status(client, token, ticket.number, "selesai", "Sudah diperbaiki.")
    assert reload(services, ticket.id).awaiting == "rating"


def test_selesai_without_response_is_refused(client: Any, ticket: Any, token: str) -> None:
    assert _status(client, token, ticket.number, "selesai").status_code == 422


def test_transition_outside_the_lifecycle_is_409(client: Any, ticket: Any, token: str) -> None:
    _status(client, token, ticket.number, "selesai", "Sudah.")
    assert _status(client, token, ticket.number, "tertunda", "Tunggu").status_code == 409


def test_status_the_agency_may_not_set_is_422(client: Any, ticket: Any, token: str) -> None:
    assert _status(client, token, ticket.number, "arsip").status_code == 422


def test_unknown_body_field_is_400(client: Any, ticket: Any, token: str) -> None:
    answer = client.post(f"/api/v1/tickets/{ticket.number}/status", headers=auth(token),
                         json={"status": "diproses", "extra": 1})
    assert answer.status_code == 400


def test_non_json_body_is_400(client: Any, ticket: Any, token: str) -> None:
    answer = client.post(f"/api/v1/tickets/{ticket.number}/status", headers=auth(token),
                         data="status=diproses")
    assert answer.status_code == 400


def test_disposisi_hands_the_ticket_to_the_other_agency(client: Any, services: Services,
                                                        ticket: Any, token: str) -> None:
    client.post(f"/api/v1/tickets/{ticket.number}/disposisi", headers=auth(token),
                json={"agency_code": DISHUB, "note": "lampu jalan"})
    other = token_for(services, DISHUB)
    assert client.get(f"/api/v1/tickets/{ticket.number}",
                      headers=auth(other)).status_code == 200


def test_after_disposisi_the_first_agency_gets_404(client: Any, ticket: Any,
                                                   token: str) -> None:
    client.post(f"/api/v1/tickets/{ticket.number}/disposisi", headers=auth(token),
                json={"agency_code": DISHUB})
    assert client.get(f"/api/v1/tickets/{ticket.number}",
                      headers=auth(token)).status_code == 404


def test_disposisi_to_unknown_agency_is_422(client: Any, ticket: Any, token: str) -> None:
    answer = client.post(f"/api/v1/tickets/{ticket.number}/disposisi", headers=auth(token),
                         json={"agency_code": "dinas_bulan:99"})
    assert answer.status_code == 422


def test_bukan_wewenang_reroutes_to_the_complaint_admin(client: Any, services: Services,
                                                        ticket: Any, token: str) -> None:
    client.post(f"/api/v1/tickets/{ticket.number}/bukan_wewenang", headers=auth(token),
                json={"reason": "jalan nasional"})
    again = reload(services, ticket.id)
    assert (again.status, again.agency_code) == ("terdisposisi", "pengelola_lapor:35.78")


def test_rerouted_citizen_is_told_the_new_agency(client: Any, services: Services,
                                                 ticket: Any, token: str) -> None:
    client.post(f"/api/v1/tickets/{ticket.number}/bukan_wewenang", headers=auth(token),
                json={})
    assert "dialihkan ke Pengelola" in bodies(services, ticket.id)[-1]


def test_scorecard_counts_received_and_answered(client: Any, ticket: Any, token: str) -> None:
    _status(client, token, ticket.number, "diproses", "Sedang dicek.")
    card = client.get("/api/v1/scorecard", headers=auth(token)).get_json()
    assert (card["received"], card["answered"]) == (1, 1)


def test_revoked_token_is_401(client: Any, services: Services, token: str) -> None:
    from sms_gateway.agency.tokens import revoke_tokens

    with services.sessions.begin() as session:
        revoke_tokens(session, PUPR_SURABAYA)
    assert client.get("/api/v1/agency", headers=auth(token)).status_code == 401


def test_token_is_stored_only_as_a_hash(services: Services, token: str) -> None:
    from sqlalchemy import select

    from sms_gateway.store.agency import AgencyToken

    with services.sessions() as session:
        stored = session.execute(select(AgencyToken.token_hash)).scalars().all()
    assert token not in stored and len(stored) == 1


def test_an_unknown_query_parameter_is_refused_not_ignored(client: Any, services: Any) -> None:
    token = token_for(services, PUPR_SURABAYA)
    resp = client.get("/api/v1/tickets?statuss=selesai", headers=auth(token))
    assert (resp.status_code, resp.get_json()["error"]) == (400, "bad_request")
