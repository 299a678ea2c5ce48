"""Abuse limits: floods throttled, identical complaints merged, spam kept out of tickets."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sms_gateway.complaints import abuse, replies
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.jobs.inbound import process_inbound
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import InboundMessage, OutboundMessage, Ticket
from sms_gateway.telco.gsm import encoding_of
from sms_gateway.telco.inbox import enqueue_inbound
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms
from tests.support.config import make_config
from tests.support.db import count

SENDER = "+6281234567890"
OTHER = "+6281299990000"
LIMIT = 4
SPAM = "Selamat! Anda menang undian 100 juta dari Shopee, hub 081234567890"


class HeldDispatcher(InlineDispatcher):
    """Keeps inbound jobs for the test to run in the order it wants; runs the rest inline."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[int] = []

    def enqueue(self, func: str, *args: Any, job_id: str, retry: Any = None,
                at_front: bool = False, fresh: bool = False, delay: float = 0) -> None:
        if func.endswith("process_inbound"):
            self.held.append(int(args[0]))
            return
        super().enqueue(func, *args, job_id=job_id, retry=retry, at_front=at_front)


def _services(tmp_path: Path, dispatcher: InlineDispatcher, **abuse_cfg: Any) -> Services:
    config = make_config(tmp_path, abuse={"max_messages_per_window": LIMIT, **abuse_cfg})
    migrate.upgrade(config)
    return build_services(config, dispatcher=dispatcher)


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Services]:
    services = _services(tmp_path, InlineDispatcher())
    yield services
    services.close()


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Services]:
    services = _services(tmp_path, HeldDispatcher())
    yield services
    services.close()


def send(services: Services, text: str, sender: str = SENDER,
         received_at: datetime | None = None) -> int:
    """One SMS through intake, as the webhook stores and enqueues it."""
    sms = IncomingSms(f"t-{uuid.uuid4().hex}", sender, "1708", text, {"Body": text},
                      received_at=received_at)
    stored = store_inbound(services, "console", "console", sms)
    enqueue_inbound(services, stored.message_id)
    return stored.message_id


def complaint(i: int) -> str:
    return f"jalan rusak parah nomor {i} di kota bandung"


def replies_to(services: Services, message_ids: list[int]) -> list[str]:
    with services.sessions() as session:
        return list(session.execute(select(OutboundMessage.purpose).where(
            OutboundMessage.inbound_message_id.in_(message_ids))
            .order_by(OutboundMessage.id)).scalars())


def flood(services: Services, n: int = 20, sender: str = SENDER) -> list[int]:
    return [send(services, complaint(i), sender) for i in range(n)]


def test_flood_opens_no_more_tickets_than_the_limit(gateway: Services) -> None:
    flood(gateway)
    assert count(gateway, Ticket) == LIMIT


def test_flood_gets_exactly_one_throttle_reply(gateway: Services) -> None:
    ids = flood(gateway)
    assert replies_to(gateway, ids[LIMIT:]) == ["throttled"]


def test_the_throttle_reply_says_how_long_to_wait(gateway: Services) -> None:
    ids = flood(gateway)
    with gateway.sessions() as session:
        body = session.execute(select(OutboundMessage.body).where(
            OutboundMessage.inbound_message_id.in_(ids[LIMIT:]))).scalar_one()
    assert gateway.config.abuse.window_seconds == 60
    assert "Mohon tunggu 1 menit sebelum mengirim lagi." in body


def test_flooded_messages_are_kept_for_review(gateway: Services) -> None:
    flood(gateway)
    throttled = count(gateway, InboundMessage, InboundMessage.review_reason == "rate_limited")
    assert throttled == 20 - LIMIT


def test_a_flood_does_not_throttle_other_senders(gateway: Services) -> None:
    flood(gateway)
    send(gateway, complaint(99), OTHER)
    assert count(gateway, Ticket) == LIMIT + 1


def test_messages_outside_the_window_are_not_counted(gateway: Services) -> None:
    old = utcnow() - timedelta(minutes=5)
    for i in range(LIMIT):
        send(gateway, complaint(i), received_at=old)
    send(gateway, complaint(50))
    assert count(gateway, Ticket) == LIMIT + 1


def test_stop_goes_through_even_when_throttled(gateway: Services) -> None:
    flood(gateway, 10)
    stop = send(gateway, "STOP")
    assert replies_to(gateway, [stop]) == ["stopped"]


def test_limits_are_judged_by_arrival_not_by_processing_order(held: Services) -> None:
    ids = flood(held, 8)
    assert isinstance(held.dispatcher, HeldDispatcher)
    for message_id in reversed(held.dispatcher.held):
        process_inbound(message_id)
    with held.sessions() as session:
        opened = sorted(session.execute(select(Ticket.inbound_message_id)).scalars())
    assert opened == ids[:LIMIT]


def test_disabled_limits_let_every_complaint_through(tmp_path: Path) -> None:
    services = _services(tmp_path, InlineDispatcher(), enabled=False)
    try:
        flood(services, 8)
        assert count(services, Ticket) == 8
    finally:
        services.close()


def test_identical_complaint_joins_the_first_ticket(gateway: Services) -> None:
    first = send(gateway, "Jalan rusak parah di kota Bandung!")
    second = send(gateway, "jalan  rusak parah di kota bandung")
    with gateway.sessions() as session:
        ticket_ids = [session.get(InboundMessage, i).ticket_id for i in (first, second)]
    assert (count(gateway, Ticket), ticket_ids[0] == ticket_ids[1]) == (1, True)


def test_merged_complaint_is_answered_with_the_existing_ticket_number(
        gateway: Services) -> None:
    send(gateway, "jalan rusak parah di kota bandung")
    second = send(gateway, "jalan rusak parah di kota bandung")
    with gateway.sessions() as session:
        number = session.execute(select(Ticket.number)).scalar_one()
        body = session.execute(select(OutboundMessage.body).where(
            OutboundMessage.inbound_message_id == second)).scalar_one()
    assert f"#{number}" in body


def test_merge_is_recorded_in_the_ticket_history(gateway: Services) -> None:
    send(gateway, "jalan rusak parah di kota bandung")
    second = send(gateway, "jalan rusak parah di kota bandung")
    from sms_gateway.store.models import TicketEvent

    with gateway.sessions() as session:
        details = session.execute(select(TicketEvent.detail).where(
            TicketEvent.kind == "duplicate_merged")).scalars().all()
    assert details == [{"inbound_message_id": second}]


def test_identical_complaint_after_the_window_opens_a_new_ticket(gateway: Services) -> None:
    send(gateway, "jalan rusak parah di kota bandung", received_at=utcnow() - timedelta(hours=2))
    send(gateway, "jalan rusak parah di kota bandung")
    assert count(gateway, Ticket) == 2


def test_identical_complaint_from_another_sender_opens_its_own_ticket(
        gateway: Services) -> None:
    send(gateway, "jalan rusak parah di kota bandung")
    send(gateway, "jalan rusak parah di kota bandung", OTHER)
    assert count(gateway, Ticket) == 2


def test_repeated_identical_flood_is_merged_silently_past_the_limit(gateway: Services) -> None:
    ids = [send(gateway, "jalan rusak parah di kota bandung") for _ in range(10)]
    assert (count(gateway, Ticket), replies_to(gateway, ids[LIMIT:])) == (1, [])


def test_spam_opens_no_ticket_and_gets_no_reply(gateway: Services) -> None:
    spam = send(gateway, SPAM)
    assert (count(gateway, Ticket), replies_to(gateway, [spam])) == (0, [])


def test_spam_is_kept_flagged_for_review(gateway: Services) -> None:
    spam = send(gateway, SPAM)
    with gateway.sessions() as session:
        message = session.get(InboundMessage, spam)
        assert message is not None
        assert (message.review_status, message.review_reason, message.text) == (
            "pending", "spam", SPAM)


def test_spam_naming_an_open_ticket_is_not_added_to_it(gateway: Services) -> None:
    send(gateway, "jalan rusak parah di kota bandung")
    with gateway.sessions() as session:
        number = session.execute(select(Ticket.number)).scalar_one()
    spam = send(gateway, f"{SPAM} kode #{number}")
    with gateway.sessions() as session:
        message = session.get(InboundMessage, spam)
        assert message is not None
        assert (message.ticket_id, message.review_reason) == (None, "spam")


@pytest.mark.parametrize("name", ["duplicate", "throttled"])
@pytest.mark.parametrize("language", ["id", "en"])
def test_abuse_replies_fit_one_gsm7_segment(name: str, language: str) -> None:
    enc = encoding_of(replies.render(name, language, number="9999999", minutes="1440"))
    assert (enc.name, enc.segments) == ("gsm7", 1)


def test_same_text_ignores_case_spacing_and_punctuation() -> None:
    assert abuse.same_text("Jalan RUSAK,  di  Bandung!!", "jalan rusak di bandung")


def test_same_text_tells_different_complaints_apart() -> None:
    assert not abuse.same_text("jalan rusak di bandung", "jalan rusak di bogor")


def test_config_rejects_unknown_abuse_key(tmp_path: Path) -> None:
    from sms_gateway.config import ConfigError, load_config

    path = tmp_path / "c.toml"
    path.write_text("[abuse]\nmax_per_minute = 3\n")
    with pytest.raises(ConfigError, match="abuse.max_per_minute"):
        load_config(path, env={})
