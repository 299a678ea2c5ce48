"""Retention and the right to erasure reach every copy of a citizen's text, not only the SMS.

Each test puts a text in one place the gateway keeps a copy (a part of a long SMS, a labelled
example, a ticket's description and history, an agency's answer, an SMS to the citizen, a
channel log), ages it past `[retention] message_text_days` or erases its citizen, and looks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from sms_gateway.complaints.erasure import erase_citizen
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.jobs.retention import purge_message_text
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate, tickets
from sms_gateway.store.agency import AgencyResponse
from sms_gateway.store.channels import ChannelLog, InboundPart
from sms_gateway.store.console import AuditEntry, LabelledExample
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import (
    Citizen,
    InboundMessage,
    OutboundMessage,
    Ticket,
    TicketEvent,
)
from sms_gateway.telco.inbox import enqueue_inbound
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms
from tests.support.config import make_config

OLD = timedelta(days=200)
SECRET = "Nama saya Budi Hartono NIK 3578012345678901"
TEXT = ("Jalan rusak berlubang di Kelurahan Ketintang Kecamatan Gayungan Kota Surabaya mohon "
        f"segera diperbaiki. {SECRET}")
PHONE, OTHER = "+6281234567890", "+6281299990000"


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Services]:
    config = make_config(tmp_path, retention={"message_text_days": 180})
    migrate.upgrade(config)
    services = build_services(config, dispatcher=InlineDispatcher())
    yield services
    services.close()


def send(services: Services, text: str = TEXT, sender: str = PHONE) -> int:
    """One SMS through intake and processing, with every copy it makes; returns the ticket id."""
    sms = IncomingSms(f"r-{uuid.uuid4().hex}", sender, "1708", text, {"Body": text})
    stored = store_inbound(services, "console", "console", sms)
    enqueue_inbound(services, stored.message_id)
    with services.sessions.begin() as session:
        message = session.get(InboundMessage, stored.message_id)
        assert message is not None and message.ticket_id is not None
        ticket = session.get(Ticket, message.ticket_id)
        assert ticket is not None
        session.add(InboundPart(channel="console", provider="console",
                                provider_message_id=uuid.uuid4().hex,
                                sender_hash=message.sender_hash, sender_enc=message.sender_enc,
                                reference="7", part=1, total=2, text=text,
                                raw_enc=services.vault.encrypt(text),
                                joined_message_id=message.id))
        session.add(LabelledExample(inbound_message_id=message.id, text=text,
                                    decision="ticket", category="jalan_drainase"))
        tickets.add_event(session, ticket, "citizen_message", actor="citizen", text=text)
        session.add(AgencyResponse(ticket_id=ticket.id, agency_code="dinas_pupr:35.78",
                                   status="diproses", text=text))
        outbound = session.execute(select(OutboundMessage).where(
            OutboundMessage.inbound_message_id == message.id)).scalars().first()
        assert outbound is not None
        outbound.body = f"Terima kasih. {text}"
        session.add(ChannelLog(channel="console", kind="receive", inbound_message_id=message.id,
                               method="POST", url=f"http://x/sms?text={text}",
                               request_body=text, response_body="ok"))
        session.add(ChannelLog(channel="console", kind="send",
                               outbound_message_id=outbound.id, method="POST",
                               url="http://x/send", request_body=text, response_body=text))
        return ticket.id


def age_everything(services: Services, by: timedelta = OLD) -> None:
    then = utcnow() - by
    with services.sessions.begin() as session:
        for model, column in ((InboundMessage, "received_at"), (InboundPart, "received_at"),
                              (Ticket, "created_at"), (TicketEvent, "at"),
                              (AgencyResponse, "at"), (OutboundMessage, "created_at"),
                              (ChannelLog, "created_at")):
            session.execute(update(model).values({column: then}))


def copies_holding(services: Services, needle: str = "Budi") -> list[str]:
    """Where the text still is, by table."""
    found: list[str] = []
    with services.sessions() as session:
        for model, columns in (
                (InboundMessage, ("text",)), (InboundPart, ("text",)),
                (LabelledExample, ("text",)), (Ticket, ("description",)),
                (TicketEvent, ("detail",)), (AgencyResponse, ("text",)),
                (OutboundMessage, ("body",)),
                (ChannelLog, ("url", "request_body", "response_body"))):
            for row in session.execute(select(model)).scalars():
                if any(needle in str(getattr(row, c)) for c in columns):
                    found.append(model.__tablename__)
    return sorted(set(found))


ALL_COPIES = sorted({"agency_responses", "channel_logs", "console_labelled_examples",
                     "inbound_messages", "inbound_parts", "outbound_messages", "ticket_events",
                     "tickets"})


def test_every_copy_exists_before_the_purge(gateway: Services) -> None:
    send(gateway)
    assert copies_holding(gateway) == ALL_COPIES


@pytest.mark.parametrize("table", ALL_COPIES)
def test_retention_erases_each_copy_of_an_old_text(gateway: Services, table: str) -> None:
    send(gateway)
    age_everything(gateway)
    purge_message_text(force=True)
    assert table not in copies_holding(gateway)


def test_retention_keeps_recent_copies(gateway: Services) -> None:
    send(gateway)
    purge_message_text(force=True)
    assert copies_holding(gateway) == ALL_COPIES


def test_retention_erases_history_added_after_the_ticket_was_purged(gateway: Services) -> None:
    ticket_id = send(gateway)
    age_everything(gateway)
    purge_message_text(force=True)
    with gateway.sessions.begin() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        tickets.add_event(session, ticket, "response", actor="agency", response="Pak Budi ok",
                          note="Budi")
    age_everything(gateway)
    purge_message_text(force=True)
    assert copies_holding(gateway) == []


def stats(services: Services) -> list[tuple[Any, ...]]:
    with services.sessions() as session:
        return [tuple(r) for r in session.execute(
            select(Ticket.category, Ticket.region_code, Ticket.status, func.count())
            .group_by(Ticket.category, Ticket.region_code, Ticket.status)).all()]


def test_retention_keeps_the_anonymous_statistics(gateway: Services) -> None:
    send(gateway)
    before = stats(gateway)
    age_everything(gateway)
    purge_message_text(force=True)
    assert (stats(gateway), before[0][0]) == (before, "jalan_drainase")


def test_erasure_replaces_the_number_by_a_tombstone(gateway: Services) -> None:
    send(gateway)
    erase_citizen(gateway, PHONE)
    with gateway.sessions() as session:
        citizen = session.execute(select(Citizen)).scalar_one()
        senders = set(session.execute(select(InboundMessage.sender_hash)).scalars())
    assert (citizen.phone_hash.startswith("erased:"), citizen.phone_enc, citizen.phone_masked,
            gateway.vault.digest(PHONE) in senders | {citizen.phone_hash}) == (
        True, "", "(dihapus)", False)


def test_erasure_blanks_every_text_the_citizen_wrote_or_received(gateway: Services) -> None:
    send(gateway)
    erase_citizen(gateway, PHONE)
    assert copies_holding(gateway) == []


def test_erasure_leaves_other_citizens_alone(gateway: Services) -> None:
    send(gateway, TEXT.replace("Budi", "Siti"), sender=OTHER)
    send(gateway)
    erase_citizen(gateway, PHONE)
    assert copies_holding(gateway, "Siti") == ALL_COPIES


def test_erasure_keeps_the_anonymous_statistics(gateway: Services) -> None:
    send(gateway)
    before = stats(gateway)
    erase_citizen(gateway, PHONE)
    assert stats(gateway) == before


def test_erasure_is_audited(gateway: Services) -> None:
    send(gateway)
    erase_citizen(gateway, PHONE)
    with gateway.sessions() as session:
        entries = list(session.execute(select(AuditEntry.action, AuditEntry.detail)))
    assert [(a, d["tickets"]) for a, d in entries] == [("citizen.erase", 1)]


def test_erasure_twice_finds_nothing_the_second_time(gateway: Services) -> None:
    send(gateway)
    first = erase_citizen(gateway, PHONE)
    assert (first is not None, erase_citizen(gateway, PHONE)) == (True, None)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("DATABASE_URL", "REDIS_URL", "SMS_GATEWAY_CONFIG", "SMS_GATEWAY_OUTBOUND",
                "SMS_GATEWAY_PII_KEY"):
        monkeypatch.delenv(var, raising=False)


def test_cli_erase_of_an_unknown_number_says_so(cli_env: None) -> None:
    from sms_gateway.cli.main import main

    result = CliRunner().invoke(main, ["citizen", "erase", "--yes", "081200001111"])
    assert (result.exit_code, "No data held for +6281200001111" in result.output) == (0, True)


def test_cli_erase_erases_a_simulated_citizen(cli_env: None) -> None:
    from sms_gateway.cli.main import main

    runner = CliRunner()
    runner.invoke(main, ["simulate", "--from", "081200001111",
                         "jalan rusak parah di kota bandung nama saya Budi"])
    first = runner.invoke(main, ["citizen", "erase", "--yes", "081200001111"]).output
    second = runner.invoke(main, ["citizen", "erase", "--yes", "081200001111"]).output
    assert ("1 tiket / tickets" in first, "No data held" in second) == (True, True)
