"""Break 2 of issue 15: a complaint about officials never reaches the office it accuses.

SMS in through the signed webhook, the reply out at a fake Twilio; the ticket keeps the flag,
so that re-routing, the console and disposisi keep the oversight rule too.
"""

from __future__ import annotations

from sqlalchemy import select

from sms_gateway.store.agency import AgencyDelivery
from tests.e2e.loop_support import Gateway
from tests.support.agency import auth, token_for

PUNGLI = ("RAHASIA pungli di kantor kelurahan babakan ciamis kota bandung, petugas minta "
          "bayar 200rb")
KELURAHAN = "kantor_wilayah:32.73.19.1004"


def test_confidential_extortion_report_is_answered_with_the_oversight_body(
        gw: Gateway) -> None:
    gw.sms(PUNGLI)
    reply = gw.sent_to()[-1]
    assert ("Badan Kepegawaian" in reply, "Kelurahan Babakan Ciamis" in reply) == (True, False)


def test_the_ticket_keeps_the_flag_and_goes_to_the_oversight_body(gw: Gateway) -> None:
    gw.sms(PUNGLI)
    ticket = gw.latest_ticket()
    assert (ticket.about_officials, ticket.agency_code) == (True, "bkpsdm:32.73")


def test_no_delivery_is_made_to_the_office_concerned(gw: Gateway) -> None:
    gw.sms(PUNGLI)
    with gw.services.sessions() as s:
        codes = set(s.execute(select(AgencyDelivery.agency_code)).scalars())
    assert codes == {"bkpsdm:32.73"}


def test_a_decline_by_the_oversight_body_never_reroutes_to_the_office_concerned(
        gw: Gateway) -> None:
    gw.sms(PUNGLI)
    number = gw.latest_ticket().number
    client = gw.app.test_client()
    client.post(f"/api/v1/tickets/{number}/bukan_wewenang", json={"reason": "bukan kami"},
                headers=auth(token_for(gw.services, "bkpsdm:32.73")))
    ticket = gw.ticket(number)
    assert ticket.agency_code not in (KELURAHAN, "bkpsdm:32.73", None)


def test_the_oversight_body_cannot_hand_the_ticket_to_the_office_concerned(
        gw: Gateway) -> None:
    gw.sms(PUNGLI)
    number = gw.latest_ticket().number
    response = gw.app.test_client().post(
        f"/api/v1/tickets/{number}/disposisi", json={"agency_code": KELURAHAN},
        headers=auth(token_for(gw.services, "bkpsdm:32.73")))
    assert (response.status_code, gw.ticket(number).agency_code) == (422, "bkpsdm:32.73")


def test_the_console_suggests_no_office_concerned(gw: Gateway) -> None:
    operator = gw.console("operator")
    data = operator.get("/console/route?category=pemerintahan_wilayah&region=32.73.19.1004"
                        "&about_officials=1").get_json()
    assert (data["agency"]["code"], KELURAHAN in {c["code"] for c in data["choices"]}) == (
        "bkpsdm:32.73", False)
