"""Break 4 of issue 15: courtesy does not fill the review queue.

Signed webhooks in, SMS out at a fake Twilio, the review queue through the console.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from sms_gateway.store.models import InboundMessage
from tests.e2e.loop_support import Gateway
from tests.unit.console.conftest import add_pending

ROAD = "jalan rusak berlubang di kelurahan ketintang kecamatan gayungan kota surabaya"


def _pending(gw: Gateway) -> int:
    with gw.services.sessions() as s:
        return int(s.execute(select(func.count()).select_from(InboundMessage).where(
            InboundMessage.review_status == "pending")).scalar_one())


def test_a_greeting_gets_the_help_text_once_and_no_review_item(gw: Gateway) -> None:
    gw.sms("halo")
    gw.sms("halo pak")
    replies = gw.sent_to()
    assert (len(replies), "CEK" in replies[0], _pending(gw)) == (1, True, 0)


def test_thanks_after_an_answer_gets_no_reply_and_no_review_item(gw: Gateway) -> None:
    gw.sms(ROAD)
    gw.sms("makasih pak")
    assert (len(gw.sent_to()), _pending(gw)) == (1, 0)


def test_an_empty_sms_is_dropped_with_a_log_line(gw: Gateway, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="sms_gateway.complaints.intents"):
        gw.sms("")
    assert (gw.sent_to(), _pending(gw), "empty" in caplog.text) == ([], 0, True)


def test_blank_messages_left_by_older_versions_are_not_shown_for_review(gw: Gateway) -> None:
    add_pending(gw.services, text="  ")
    wanted = add_pending(gw.services, text="tolong ada masalah")
    page = gw.console("operator").get("/console/review").get_data(as_text=True)
    shown = {int(n) for n in __import__("re").findall(r"/console/review/(\d+)", page)}
    assert shown == {wanted}
