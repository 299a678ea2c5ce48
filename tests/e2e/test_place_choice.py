"""Issue 13, part 5: an ambiguous place is asked with numbered choices in one SMS, and the
citizen's digit joins the ticket, which is then routed and forwarded. SMS in through the
signed Twilio webhook, SMS out at a fake Twilio."""

from __future__ import annotations

from sms_gateway.telco.gsm import encoding_of
from tests.e2e.loop_support import Gateway

# "kenjeran" is both a kecamatan of Kota Surabaya and a kelurahan of Kecamatan Bulak.
AMBIGUOUS = "jalan rusak parah di kenjeran tolong diperbaiki"


def test_an_ambiguous_place_is_asked_with_numbered_choices_in_one_sms(gw: Gateway) -> None:
    gw.sms(AMBIGUOUS)
    ticket = gw.latest_ticket()
    question = gw.sent_to()[-1]
    assert (ticket.awaiting, f"#{ticket.number}" in question, "1 Kenjeran" in question,
            "2 Kenjeran, Bulak" in question, encoding_of(question).segments) == (
        "location", True, True, True, 1)


def test_the_citizens_digit_places_the_ticket_and_it_is_forwarded(gw: Gateway) -> None:
    gw.sms(AMBIGUOUS)
    number = gw.latest_ticket().number
    gw.sms("2")
    ticket = gw.ticket(number)
    assert (ticket.region_name, ticket.awaiting, ticket.status, ticket.agency_code) == (
        "Kenjeran", None, "terdisposisi", "dinas_pupr:35.78")
    assert f"#{number}" in gw.sent_to()[-1] and "Diteruskan" in gw.sent_to()[-1]


def test_a_digit_beyond_the_choices_is_not_taken_as_a_place(gw: Gateway) -> None:
    gw.sms(AMBIGUOUS)
    number = gw.latest_ticket().number
    gw.sms("4")
    assert gw.ticket(number).awaiting == "location"
