"""Secrets and phone numbers: never in the logs, never in clear in a database dump.

One pipeline run in the embedded mode covers what touches numbers: signed Twilio webhooks in,
tickets, replies out through the real Twilio client (to a local fake API, which also refuses
one send with an error text naming the number, as Twilio does), a delivery report, STOP, a
status request and a message for review. Everything is logged at DEBUG meanwhile.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from sms_gateway.app import create_app
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import build_services
from sms_gateway.store import migrate
from sms_gateway.store.models import OutboundMessage, Ticket
from tests.support.config import make_config
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, fake_twilio
from tests.support.twilio_signing import PUBLIC_URL, inbound_form, signed

PHONES = ["+6281234567890", "+6285712345678", "+6281399887766"]
REFUSED = "+6289611223344"  # the provider refuses the reply to it, naming the number
SECRET_KEY = "flask-session-secret-0123456789"


def forms_of_every_number(phone: str) -> list[str]:
    """The ways a number could show up: E.164, digits only, local 0-form, URL-encoded."""
    digits = phone.lstrip("+")
    return [phone, digits, "0" + digits[2:], "%2B" + digits]


@dataclass
class Run:
    logs: str
    dump: str
    pii_key: str


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp: Path = tmp_path_factory.mktemp("privacy")
    handler = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with fake_twilio() as twilio:
            config = make_config(
                tmp, server={"public_url": PUBLIC_URL, "secret_key": SECRET_KEY},
                sms={"outbound": "twilio"},
                twilio={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_": "1708",
                        "api_base_url": twilio.url})
            migrate.upgrade(config)
            services = build_services(config, dispatcher=InlineDispatcher())
            client = create_app(services=services, start_background=False).test_client()
            refusal = f"The 'To' number {REFUSED} is not a valid phone number."
            twilio.responses = [(400, {"code": 21211, "message": refusal})]
            _pipeline(services, client)
            services.close()
        db = Path(config.database_url.split("///", 1)[1])
        with sqlite3.connect(db) as conn:
            dump = "\n".join(conn.iterdump())
        yield Run("\n".join(handler.lines), dump, config.privacy.key)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


class _Capture(logging.Handler):
    """Every record as a handler would write it, traceback included."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _pipeline(services: object, client: object) -> None:
    def post(path: str, form: dict[str, str]) -> None:
        client.post(path, data=form, headers=signed(form, path))  # type: ignore[attr-defined]

    post("/sms/twilio", inbound_form("SM1", "jalan rusak parah di kota bandung", REFUSED))
    post("/sms/twilio", inbound_form("SM2", "lampu jalan mati di kota surabaya", PHONES[0]))
    post("/sms/twilio", inbound_form("SM3", "halo pak tolong", PHONES[1]))
    with services.sessions() as session:  # type: ignore[attr-defined]
        number = session.execute(select(Ticket.number).order_by(Ticket.id.desc())).scalar()
        sid = session.execute(select(OutboundMessage.provider_message_id).where(
            OutboundMessage.provider_message_id.is_not(None))).scalar()
    post("/sms/twilio", inbound_form("SM4", f"cek {number}", PHONES[0]))
    post("/sms/twilio", inbound_form("SM5", "STOP", PHONES[2]))
    post("/sms/twilio/status", {"MessageSid": sid or "SMx", "MessageStatus": "delivered",
                                "To": PHONES[0], "From": "1708"})


def test_the_run_did_log_at_debug_level(run: Run) -> None:
    assert "DEBUG" in run.logs


def test_the_run_stored_replies(run: Run) -> None:
    assert "INSERT INTO \"outbound_messages\"" in run.dump


@pytest.mark.parametrize("phone", [*PHONES, REFUSED])
def test_no_full_phone_number_in_the_logs(run: Run, phone: str) -> None:
    assert [f for f in forms_of_every_number(phone) if f in run.logs] == []


def test_no_secret_in_the_logs(run: Run) -> None:
    assert [s for s in (AUTH_TOKEN, run.pii_key, SECRET_KEY) if s in run.logs] == []


@pytest.mark.parametrize("phone", PHONES)
def test_a_database_dump_reveals_no_phone_number(run: Run, phone: str) -> None:
    found = [f for f in forms_of_every_number(phone) if re.search(
        rf"(?<![0-9]){re.escape(f)}(?![0-9])", run.dump)]
    assert found == [], [line[:160] for line in run.dump.splitlines() if phone in line]


def test_a_provider_error_naming_the_number_is_not_stored_in_clear(run: Run) -> None:
    assert REFUSED not in run.dump


def test_a_database_dump_holds_no_secret(run: Run) -> None:
    assert [s for s in (AUTH_TOKEN, run.pii_key, SECRET_KEY) if s in run.dump] == []
