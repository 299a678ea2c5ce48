"""The citizen's side by SMS: status updates, CEK with the answer, ratings, follow-ups, STOP."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from sms_gateway.services import Services
from sms_gateway.store.models import OutboundMessage, Ticket
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


@pytest.fixture
def ticket(services: Services) -> Any:
    return ticket_of(services, sms_in(services, SURABAYA_ROAD))


@pytest.fixture
def agency(client: Any, services: Services) -> Any:
    token = token_for(services, PUPR_SURABAYA)

    def act(number: str, status: str, response: str = "") -> Any:
        return client.post(f"/api/v1/tickets/{number}/status", headers=auth(token),
                           json={"status": status, "response": response})

    return act


def _ticket_count(services: Services) -> int:
    with services.sessions() as session:
        return int(session.execute(select(func.count()).select_from(Ticket)).scalar_one())


def test_cek_answers_with_the_agencys_latest_response(services: Services, ticket: Any,
                                                     agency: Any) -> None:
    agency(ticket.number, "diproses", "Tim akan survei besok pagi.")
    sms_in(services, f"CEK {ticket.number}")
    assert "Tim akan survei besok pagi." in bodies(services)[-1]


@pytest.mark.parametrize("text", ["{n}", "gmn laporan sy #{n}?", "tiket {n} sdh smp mana"])
def test_a_ticket_number_with_only_status_words_gets_the_status(
        services: Services, ticket: Any, agency: Any, text: str) -> None:
    agency(ticket.number, "diproses", "Tim akan survei besok pagi.")
    sms_in(services, text.format(n=ticket.number))
    assert "Tim akan survei besok pagi." in bodies(services)[-1]
    assert _ticket_count(services) == 1


def test_a_status_without_an_answer_ends_with_the_agency_and_a_full_stop(
        services: Services, ticket: Any) -> None:
    sms_in(services, f"CEK {ticket.number}")
    assert bodies(services)[-1].endswith(f"{ticket.agency_name}.")


@pytest.mark.parametrize("text", ["batalin laporan {n}", "mohon dibatalkan laporan {n}"])
def test_a_cancel_as_sms_write_it_cancels_the_ticket(services: Services, ticket: Any,
                                                     text: str) -> None:
    sms_in(services, text.format(n=ticket.number))
    assert reload(services, ticket.id).status == "dibatalkan"


def test_a_question_about_ones_reports_lists_them(services: Services, ticket: Any) -> None:
    sms_in(services, "gimana kabar laporan sy?")
    assert f"#{ticket.number}" in bodies(services)[-1]
    assert _ticket_count(services) == 1


@pytest.mark.parametrize("wish", ["jgn sebut nama sy",  # a phrase (commands.toml)
                                  "privasi pelapor mohon dijaga"])  # the privacy words
def test_an_anonymous_report_is_confirmed_as_such(services: Services, wish: str) -> None:
    ticket = ticket_of(services, sms_in(services, f"{SURABAYA_ROAD}, {wish}",
                                        phone="+6285700000009"))
    assert reload(services, ticket.id).anonymous
    assert bodies(services)[-1].startswith(
        f"Laporan diterima, identitas Anda dirahasiakan. Tiket #{ticket.number} diteruskan ke")


def test_cek_from_another_phone_reveals_nothing(services: Services, ticket: Any,
                                                agency: Any) -> None:
    agency(ticket.number, "diproses", "Tim akan survei besok pagi.")
    sms_in(services, f"CEK {ticket.number}", phone="+6285700000001")
    assert "tidak ditemukan" in bodies(services)[-1]


def test_status_update_fits_one_gsm7_segment(services: Services, ticket: Any,
                                             agency: Any) -> None:
    agency(ticket.number, "selesai", "Perbaikan selesai. " * 30)
    with services.sessions() as session:
        last = session.execute(select(OutboundMessage).order_by(
            OutboundMessage.id.desc()).limit(1)).scalar_one()
    assert (last.encoding, last.segments) == ("gsm7", 1)


def test_rating_after_selesai_is_recorded(services: Services, ticket: Any,
                                          agency: Any) -> None:
    agency(ticket.number, "selesai", "Sudah diperbaiki.")
    sms_in(services, "5")
    assert reload(services, ticket.id).rating == 5


def test_rating_closes_the_ticket(services: Services, ticket: Any, agency: Any) -> None:
    agency(ticket.number, "selesai", "Sudah diperbaiki.")
    sms_in(services, "4")
    assert reload(services, ticket.id).status == "arsip"


@pytest.mark.parametrize(("text", "rating"), [("bintang 4", 4), ("5 pak, makasih", 5),
                                             ("sy kasih 3", 3)])
def test_a_rating_in_words_is_recorded(services: Services, ticket: Any, agency: Any,
                                       text: str, rating: int) -> None:
    agency(ticket.number, "selesai", "Sudah diperbaiki.")
    sms_in(services, text)
    assert reload(services, ticket.id).rating == rating


def test_rating_is_thanked(services: Services, ticket: Any, agency: Any) -> None:
    agency(ticket.number, "selesai", "Sudah diperbaiki.")
    sms_in(services, "3")
    assert bodies(services)[-1].startswith("Terima kasih. Nilai 3")


def test_lone_digit_without_a_ticket_to_rate_goes_to_review(services: Services,
                                                            ticket: Any) -> None:
    sms_in(services, "5")
    assert reload(services, ticket.id).rating is None


def test_reply_naming_an_open_ticket_adds_to_it(services: Services, ticket: Any) -> None:
    sms_in(services, f"{ticket.number} lubangnya sekarang makin besar dan dalam sekali")
    assert _ticket_count(services) == 1


def test_added_information_is_acknowledged(services: Services, ticket: Any) -> None:
    sms_in(services, f"#{ticket.number} lubangnya sekarang makin besar dan dalam sekali")
    assert "Tambahan info untuk tiket" in bodies(services)[-1]


def test_reply_to_tertunda_returns_the_ticket_to_the_agency(services: Services, ticket: Any,
                                                            agency: Any) -> None:
    agency(ticket.number, "tertunda", "Mohon kirim nama jalan yang tepat.")
    sms_in(services, "Jalan Ketintang Baru gang 3 depan masjid")
    assert reload(services, ticket.id).status == "terdisposisi"


def test_stop_suppresses_status_updates(services: Services, ticket: Any, agency: Any) -> None:
    sms_in(services, "STOP")
    agency(ticket.number, "diproses", "Sedang dicek.")
    with services.sessions() as session:
        status = session.execute(select(OutboundMessage.status).where(
            OutboundMessage.purpose == "update_diproses")).scalar_one()
    assert status == "suppressed"


def test_batal_withdraws_a_forwarded_ticket(services: Services, ticket: Any) -> None:
    sms_in(services, f"BATAL {ticket.number}")
    assert reload(services, ticket.id).status == "dibatalkan"


def test_batal_after_selesai_is_refused(services: Services, ticket: Any, agency: Any) -> None:
    agency(ticket.number, "selesai", "Sudah diperbaiki.")
    sms_in(services, f"BATAL {ticket.number}")
    assert reload(services, ticket.id).status == "selesai"


def test_repeated_processing_sends_one_status_sms(services: Services, ticket: Any,
                                                  agency: Any) -> None:
    agency(ticket.number, "diproses", "Sedang dicek.")
    agency(ticket.number, "diproses", "Masih dicek.")
    assert sum("sedang diproses" in b for b in bodies(services, ticket.id)) == 1
