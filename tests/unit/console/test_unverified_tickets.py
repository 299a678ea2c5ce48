"""A complaint below the model's threshold: its ticket number at once, forwarded once verified."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sms_gateway.services import Services
from sms_gateway.store.console import LabelledExample
from sms_gateway.store.models import InboundMessage, Ticket
from sms_gateway.telco.inbox import enqueue_inbound
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms

KETINTANG = "35.78.22.1004"
VAGUE = "mohon bantuan pak, warga kelurahan kapasan sudah lama menunggu tapi belum ada kabar"


def _send(services: Services, text: str = VAGUE) -> int:
    stored = store_inbound(services, "console", "console",
                           IncomingSms("m1", "+6281234567890", "1708", text, {}))
    enqueue_inbound(services, stored.message_id)
    return stored.message_id


def _ticket(services: Services) -> Ticket:
    with services.sessions() as s:
        return s.execute(select(Ticket)).scalar_one()


def _decide(client, message_id, **form):
    client.get(f"/console/review/{message_id}")  # takes the message's lock, as a browser does
    return client.post(f"/console/review/{message_id}", data={"csrf_token": client.csrf, **form})


@pytest.mark.parametrize(("text", "reply"), [
    # below the threshold: the number now, verified later
    (VAGUE, "Laporan diterima. Nomor tiket #{n}. Petugas akan memverifikasi kategori dan "
            "lokasinya. Cek status: kirim CEK {n} ke 1708."),
    # the screening reads it as personal chat: a number all the same, and a word for a mistake
    ("Mas, beliin obat batuk anak di apotek ya, uangnya nanti sy ganti",
     "Pesan diterima, nomor #{n}. Bila ini laporan untuk pemerintah, petugas akan "
     "memverifikasinya. Bila salah kirim, abaikan SMS ini."),
    # the sender asked not to be named: told it was understood
    (VAGUE + ", jgn sebut nama sy",
     "Laporan diterima, identitas Anda dirahasiakan. Tiket #{n}. Petugas akan memverifikasi "
     "kategori dan lokasinya. Cek: CEK {n} ke 1708."),
], ids=["low-confidence", "personal-chat", "anonymous"])
def test_the_first_reply_carries_the_ticket_number(services: Services, text: str,
                                                   reply: str) -> None:
    _send(services, text)
    ticket = _ticket(services)
    assert [sms.body for sms in services.channels["console"].sent] == [
        reply.format(n=ticket.number)]


def test_the_queue_says_when_the_parser_doubts_it_is_a_complaint(services: Services) -> None:
    message_id = _send(services, "Mas, beliin obat batuk anak di apotek ya, uangnya nanti sy ganti")
    with services.sessions() as s:
        message = s.get(InboundMessage, message_id)
        assert message is not None
        assert (message.review_status, message.review_reason) == ("pending", "doubt")


def test_an_anonymous_wish_is_kept_on_the_ticket(services: Services) -> None:
    _send(services, VAGUE + ", jgn sebut nama sy")
    assert _ticket(services).anonymous is True


def test_the_unverified_ticket_waits_unforwarded_in_the_review_queue(services: Services) -> None:
    message_id = _send(services)
    ticket = _ticket(services)
    with services.sessions() as s:
        message = s.get(InboundMessage, message_id)
        assert message is not None
        state = (message.review_status, message.review_reason, message.outcome)
    assert (ticket.status, ticket.agency_code, state) == (
        "belum_terverifikasi", None, ("pending", "low_confidence", "ticket_unverified"))


def test_the_review_decision_verifies_and_forwards_the_same_ticket(login, services) -> None:
    message_id = _send(services)
    number = _ticket(services).number
    _decide(login("operator"), message_id, action="ticket", category="jalan_drainase",
            region_code=KETINTANG)
    ticket = _ticket(services)
    last = services.channels["console"].sent[-1].body
    assert (ticket.number, ticket.status, ticket.agency_code, last) == (
        number, "terdisposisi", "dinas_pupr:35.78",
        f"Tiket #{number} sudah diverifikasi dan diteruskan ke Dinas Pekerjaan Umum dan "
        f"Penataan Ruang Kota Surabaya. Cek status: kirim CEK {number} ke 1708.")


def test_changing_the_category_of_an_unverified_ticket_is_a_correction_label(login, services):
    message_id = _send(services)
    email = "op-label@example.id"
    _decide(login("operator", email=email), message_id, action="ticket",
            category="jalan_drainase", region_code=KETINTANG)
    with services.sessions() as s:
        row = s.execute(select(LabelledExample)).scalar_one()
        assert (row.text, row.category, row.region_code, row.source, row.actor) == (
            VAGUE, "jalan_drainase", KETINTANG, "correction", email)


def test_marking_it_not_a_complaint_closes_the_unverified_ticket(login, services) -> None:
    message_id = _send(services)
    _decide(login("operator"), message_id, action="not_complaint")
    assert _ticket(services).status == "arsip"
