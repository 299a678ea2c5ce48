"""Many citizens, one problem: tickets joining a case, answered once, merged and split."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from sms_gateway.complaints import cases
from sms_gateway.services import Services
from sms_gateway.store.agency import AgencyDelivery
from sms_gateway.store.console import AuditEntry
from sms_gateway.store.models import Ticket
from tests.support.agency import (
    PUPR_SURABAYA,
    SURABAYA_ROAD,
    auth,
    bodies,
    reload,
    sms_in,
    ticket_of,
    token_for,
)
from tests.unit.console.conftest import login  # noqa: F401 - the fixture

SAME_ROAD = ("Ada lubang besar di jalan Kelurahan Ketintang Kecamatan Gayungan Surabaya, "
             "jalan rusak bahaya untuk motor")
OTHER_PHONE, THIRD_PHONE = "+6285700000001", "+6285700000002"


@pytest.fixture
def pair(services: Services) -> tuple[Ticket, Ticket]:
    first = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    second = ticket_of(services, sms_in(services, SAME_ROAD, phone=OTHER_PHONE))
    return reload(services, first.id), second


def _deliveries(services: Services) -> int:
    with services.sessions() as session:
        return int(session.execute(select(func.count()).select_from(AgencyDelivery))
                   .scalar_one())


def test_similar_texts_score_above_the_default_threshold() -> None:
    assert cases.similarity(SURABAYA_ROAD, SAME_ROAD) >= 0.3


def test_unrelated_texts_score_below_the_default_threshold() -> None:
    other = "Sampah menumpuk di pasar Kelurahan Ketintang tidak diangkut seminggu"
    assert cases.similarity(SURABAYA_ROAD, other) < 0.3


def test_coordinates_a_few_metres_apart_are_the_same_place() -> None:
    a = Ticket(latitude=-7.3100, longitude=112.7300, region_code=None)
    b = Ticket(latitude=-7.3105, longitude=112.7302, region_code=None)
    assert cases.same_place(a, b, 150.0)


def test_coordinates_a_kilometre_apart_are_not() -> None:
    a = Ticket(latitude=-7.3100, longitude=112.7300, region_code=None)
    b = Ticket(latitude=-7.3200, longitude=112.7300, region_code=None)
    assert not cases.same_place(a, b, 150.0)


def test_second_reporter_joins_the_first_ones_case(pair: tuple[Ticket, Ticket]) -> None:
    first, second = pair
    assert (second.case_id, second.number != first.number) == (first.case_id, True)


def test_second_reporter_creates_no_second_delivery(services: Services,
                                                    pair: tuple[Ticket, Ticket]) -> None:
    assert _deliveries(services) == 1


def test_second_reporter_is_told_the_problem_is_known(services: Services,
                                                      pair: tuple[Ticket, Ticket]) -> None:
    reply = bodies(services, pair[1].id)[-1]
    assert "Warga lain melaporkan masalah sama" in reply
    assert "Kota Surabaya" in reply and len(reply) <= 160  # the agency's whole name, one SMS


def test_a_different_problem_at_the_same_place_opens_its_own_case(services: Services) -> None:
    ticket_of(services, sms_in(services, SURABAYA_ROAD))
    other = ticket_of(services, sms_in(
        services, "Sampah menumpuk di Kelurahan Ketintang Kecamatan Gayungan Kota Surabaya "
                  "tidak diangkut seminggu", phone=OTHER_PHONE))
    assert other.case_id is None


def test_window_zero_turns_joining_off(services: Services, tmp_path: Any) -> None:
    from dataclasses import replace
    services.config = replace(services.config,  # type: ignore[misc]
                              cases=replace(services.config.cases, window_days=0))
    ticket_of(services, sms_in(services, SURABAYA_ROAD))
    second = ticket_of(services, sms_in(services, SAME_ROAD, phone=OTHER_PHONE))
    assert second.case_id is None


def test_api_shows_the_case_and_its_reporters(client: Any, services: Services,
                                              pair: tuple[Ticket, Ticket]) -> None:
    token = token_for(services, PUPR_SURABAYA)
    doc = client.get(f"/api/v1/tickets/{pair[0].number}", headers=auth(token)).get_json()
    assert (doc["case"]["id"], doc["case"]["reporters"],
            [r["description"] for r in doc["case"]["reports"]]) == (
        pair[0].case_id, 2, [SURABAYA_ROAD, SAME_ROAD])


def test_disposisi_on_one_ticket_moves_the_whole_case(client: Any, services: Services,
                                                      pair: tuple[Ticket, Ticket]) -> None:
    token = token_for(services, PUPR_SURABAYA)
    client.post(f"/api/v1/tickets/{pair[1].number}/disposisi", headers=auth(token),
                json={"agency_code": "dishub:35.78"})
    assert (reload(services, pair[0].id).agency_code,
            reload(services, pair[1].id).agency_code) == ("dishub:35.78",) * 2


def test_decline_reroutes_the_case_with_one_forward(client: Any, services: Services,
                                                    pair: tuple[Ticket, Ticket]) -> None:
    token = token_for(services, PUPR_SURABAYA)
    before = _deliveries(services)
    client.post(f"/api/v1/tickets/{pair[0].number}/bukan_wewenang", headers=auth(token),
                json={"reason": "jalan provinsi"})
    statuses = {reload(services, t.id).status for t in pair}
    assert (statuses, _deliveries(services) - before) == ({"terdisposisi"}, 1)


def test_withdrawn_reporter_is_not_counted(client: Any, services: Services,
                                           pair: tuple[Ticket, Ticket]) -> None:
    sms_in(services, f"BATAL {pair[1].number}", phone=OTHER_PHONE)
    token = token_for(services, PUPR_SURABAYA)
    doc = client.get(f"/api/v1/tickets/{pair[0].number}", headers=auth(token)).get_json()
    assert doc["case"]["reporters"] == 1


def test_operator_splits_a_ticket_out_of_its_case(login: Any, services: Services,  # noqa: F811
                                                  pair: tuple[Ticket, Ticket]) -> None:
    client = login("operator")
    client.post(f"/console/tickets/{pair[1].number}/case/split",
                data={"csrf_token": client.csrf})
    assert reload(services, pair[1].id).case_id is None
    # the case's first ticket says which ticket left it
    history = _history(client, pair[0].number)
    assert "Tiket lain dikeluarkan dari kasus" in history and f">#{pair[1].number}</a>" in history


def _history(client: Any, number: str) -> str:
    """The history section of a ticket's console page."""
    page = client.get(f"/console/tickets/{number}").get_data(as_text=True)
    return str(page[page.index('<ol class="history">'):])


@pytest.fixture
def apart(services: Services) -> tuple[Ticket, Ticket]:
    """Two tickets with one agency, each in no case (their places differ)."""
    first = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    other = ticket_of(services, sms_in(
        services, "Jalan Ketintang Baru Surabaya retak panjang dan amblas di tengah",
        phone=THIRD_PHONE))
    return first, other


def test_operator_merges_two_tickets_into_one_case(login: Any,  # noqa: F811
                                                   services: Services,
                                                   apart: tuple[Ticket, Ticket]) -> None:
    first, other = apart
    client = login("operator")
    client.post(f"/console/tickets/{other.number}/case/merge",
                data={"csrf_token": client.csrf, "into": f"#{first.number}"})
    assert reload(services, other.id).case_id == reload(services, first.id).case_id is not None
    # each ticket's history names the other: "merged into #first", "another reporter: #other"
    for ticket, named in ((other, first), (first, other)):
        assert f'>#{named.number}</a>' in _history(client, ticket.number)


def test_operator_cannot_merge_a_withdrawn_ticket_into_a_case(
        login: Any, services: Services, apart: tuple[Ticket, Ticket]) -> None:  # noqa: F811
    first, other = apart
    with services.sessions.begin() as s:
        s.get(Ticket, other.id).status = "dibatalkan"
    client = login("operator")
    page = client.post(f"/console/tickets/{other.number}/case/merge",
                       data={"csrf_token": client.csrf, "into": f"#{first.number}"},
                       follow_redirects=True).get_data(as_text=True)
    assert (f"#{other.number}: Tiket ini sudah dibatalkan atau diarsipkan, jadi tidak bisa "
            "masuk kasus.") in page and 'role="alert"' in page
    # a withdrawn ticket's page offers neither form
    page = client.get(f"/console/tickets/{other.number}").get_data(as_text=True)
    assert "case/merge" not in page and "case/split" not in page
    assert reload(services, other.id).case_id is None
    assert reload(services, first.id).case_id is None


def test_a_split_or_merge_that_changes_nothing_says_so(login: Any, services: Services,  # noqa: F811
                                                       pair: tuple[Ticket, Ticket]) -> None:
    # A merge of two tickets of one case has nothing to do; two tabs of one ticket's page: the
    # second click finds the ticket out of its case already. Neither is recorded as done.
    assert pair[0].case_id == pair[1].case_id is not None
    client = login("operator")
    page = client.post(f"/console/tickets/{pair[0].number}/case/merge",
                       data={"csrf_token": client.csrf, "into": f"#{pair[1].number}"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Kedua tiket sudah berada dalam satu kasus." in page
    for expected in ("Dikeluarkan dari kasusnya", "Tiket ini tidak berada dalam kasus."):
        page = client.post(f"/console/tickets/{pair[1].number}/case/split",
                           data={"csrf_token": client.csrf},
                           follow_redirects=True).get_data(as_text=True)
        assert f"#{pair[1].number}: {expected}" in page
    with services.sessions() as s:
        done = s.execute(select(AuditEntry.action).where(
            AuditEntry.action.in_(["case.merge", "case.split"]))).scalars().all()
    assert sorted(done) == ["case.split"]


def test_ticket_page_lists_the_cases_reporters(login: Any, services: Services,  # noqa: F811
                                               pair: tuple[Ticket, Ticket]) -> None:
    page = login("operator").get(f"/console/tickets/{pair[0].number}").get_data(as_text=True)
    assert "2 pelapor" in page and SAME_ROAD in page


def test_dashboard_lists_the_largest_open_cases(login: Any, services: Services,  # noqa: F811
                                                pair: tuple[Ticket, Ticket]) -> None:
    page = login("operator").get("/console/dashboard").get_data(as_text=True)
    section = page[page.index('id="largest-cases"'):]
    assert f"#{pair[0].number}" in section


def test_operator_closing_one_ticket_closes_the_case_and_tells_each_reporter(
        login: Any, services: Services, pair: tuple[Ticket, Ticket]) -> None:  # noqa: F811
    from sms_gateway.store.models import OutboundMessage

    client = login("operator")
    for status in ("tertunda", "arsip"):  # on hold (the whole case, as before), then closed
        client.post(f"/console/tickets/{pair[0].number}/status",
                    data={"csrf_token": client.csrf, "status": status, "note": "bukan masalah"})
    with services.sessions() as session:
        told = set(session.execute(select(OutboundMessage.ticket_id).where(
            OutboundMessage.purpose == "update_arsip")).scalars())
    assert ({reload(services, t.id).status for t in pair}, told) == (
        {"arsip"}, {pair[0].id, pair[1].id})
