"""Break 5 of issue 15: long texts are sent whole in up to three SMS, or refused, never cut.

Agency API and console forms in, SMS out at a fake Twilio (which concatenates, as Twilio
does: one request with the whole body).
"""

from __future__ import annotations

from tests.e2e.loop_support import Gateway
from tests.support.agency import auth, token_for
from tests.unit.console.conftest import add_pending

ROAD = "jalan rusak berlubang di kelurahan ketintang kecamatan gayungan kota surabaya"
ANSWER = ("Terima kasih atas laporan Anda. Tim UPT Jalan dan Jembatan sudah meninjau lokasi "
          "pada hari Senin dan menambal tiga lubang di depan kantor kelurahan. Perbaikan "
          "menyeluruh dijadwalkan bulan depan bersama saluran drainase di sisi timur jalan.")


def _answer(gw: Gateway, text: str):
    gw.sms(ROAD)
    ticket = gw.latest_ticket()
    response = gw.app.test_client().post(
        f"/api/v1/tickets/{ticket.number}/status", json={"status": "selesai", "response": text},
        headers=auth(token_for(gw.services, ticket.agency_code)))
    return ticket.number, response


def test_an_agency_answer_longer_than_one_sms_reaches_the_citizen_whole(gw: Gateway) -> None:
    assert len(ANSWER) > 160
    _, response = _answer(gw, ANSWER)
    assert (response.status_code, ANSWER in gw.sent_to()[-1]) == (200, True)


def test_an_answer_too_long_for_three_sms_is_refused_with_a_clear_message(
        gw: Gateway) -> None:
    number, response = _answer(gw, ANSWER * 3)
    body = response.get_json()
    assert (response.status_code, "too long" in body["message"],
            gw.ticket(number).status) == (422, True, "terdisposisi")


def test_an_operator_question_longer_than_one_sms_is_sent_whole(gw: Gateway) -> None:
    question = ("Mohon lengkapi laporan Anda: apa masalahnya, sejak kapan terjadi, dan di mana "
                "tepatnya lokasinya (nama jalan, RT/RW, desa/kelurahan, kecamatan, kab/kota)? "
                "Balas SMS ini, petugas kami akan meneruskannya ke instansi yang berwenang.")
    assert len(question) > 160
    message_id = add_pending(gw.services, sender="+6281234567890")
    operator = gw.console("operator")
    page = operator.get(f"/console/review/{message_id}").get_data(as_text=True)
    operator.post(f"/console/review/{message_id}", data={
        "csrf_token": operator.csrf, "action": "ask", "reply_text": question})
    assert ("data-sms-counter" in page, gw.sent_to()[-1]) == (True, question)


def test_a_note_too_long_for_the_sms_is_said_on_the_ticket_page(gw: Gateway) -> None:
    gw.sms(ROAD)
    number = gw.latest_ticket().number
    operator = gw.console("operator")
    response = operator.post(f"/console/tickets/{number}/status", data={
        "csrf_token": operator.csrf, "status": "diproses", "note": ANSWER * 3})
    assert (response.status_code, "too long" in response.get_data(as_text=True),
            gw.ticket(number).status) == (400, True, "terdisposisi")
