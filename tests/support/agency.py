"""Helpers for the agency tests: SMS in, tokens, real local webhook and SMTP receivers."""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sms_gateway.agency.records import directory_for, ensure_agency
from sms_gateway.agency.tokens import issue_token
from sms_gateway.config import Config
from sms_gateway.services import Services
from sms_gateway.store.models import OutboundMessage, Ticket
from sms_gateway.telco.inbox import enqueue_inbound
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms
from tests.support.config import make_config
from tests.support.net import free_port

PHONE = "+6281234567890"
SURABAYA_ROAD = ("Jalan rusak berlubang di Kelurahan Ketintang Kecamatan Gayungan "
                 "Kota Surabaya mohon segera diperbaiki")
PUPR_SURABAYA = "dinas_pupr:35.78"
SECRET_ENV = "AGENCY_SECRET_TEST_PUPR"


def sms_in(services: Services, text: str, phone: str = PHONE) -> int:
    """Store one SMS as the console channel would and process it; returns the message id."""
    sms = IncomingSms(f"test-{uuid.uuid4().hex}", phone, "1708", text, {"Body": text})
    stored = store_inbound(services, "console", "console", sms)
    enqueue_inbound(services, stored.message_id)
    return stored.message_id


def ticket_of(services: Services, message_id: int) -> Ticket:
    with services.sessions() as session:
        return session.execute(select(Ticket).where(
            Ticket.inbound_message_id == message_id)).scalar_one()


def reload(services: Services, ticket_id: int) -> Ticket:
    with services.sessions() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


def bodies(services: Services, ticket_id: int | None = None) -> list[str]:
    """Every SMS queued for citizens (optionally about one ticket), oldest first."""
    query = select(OutboundMessage.body).order_by(OutboundMessage.id)
    if ticket_id is not None:
        query = query.where(OutboundMessage.ticket_id == ticket_id)
    with services.sessions() as session:
        return list(session.execute(query).scalars())


def token_for(services: Services, code: str) -> str:
    with services.sessions.begin() as session:
        assert ensure_agency(session, directory_for(services), code) is not None
        return issue_token(session, code)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def overrides_file(tmp_path: Path, channels: list[dict[str, str]]) -> Path:
    """Write a routing override file that only adds contact channels."""
    lines = []
    for channel in channels:
        lines.append("[[channel]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in channel.items()]
        lines.append("")
    path = tmp_path / "agency_overrides.toml"
    path.write_text("\n".join(lines))
    return path


@dataclass
class Receiver:
    """A real HTTP server on loopback that records requests and answers scripted statuses."""

    statuses: deque[int] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append({"headers": dict(request.headers), "body": request.get_data()})
        status = self.statuses.popleft() if self.statuses else 200
        return Response("ok", status=status)(environ, start_response)


def webhook_agency_config(tmp_path: Path, receiver_url: str, twilio_auth_token: str) -> Config:
    """Embedded config for an end-to-end run: Twilio webhooks signed with this token, and
    Dinas PUPR Surabaya receiving its tickets on a signed webhook at `receiver_url` (its
    secret read from the SECRET_ENV variable, which the caller sets)."""
    channels = [{"agency": PUPR_SURABAYA, "kind": "webhook", "url": receiver_url,
                 "secret": SECRET_ENV}]
    return make_config(tmp_path, twilio={"auth_token": twilio_auth_token,
                                         "account_sid": "AC" + "0" * 32, "from_": "1708"},
                       agency={"routing_overrides": str(overrides_file(tmp_path, channels))})


@contextmanager
def webhook_receiver(*statuses: int) -> Iterator[Receiver]:
    receiver = Receiver(deque(statuses))
    server = make_server("127.0.0.1", 0, receiver, threaded=True)
    receiver.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@dataclass
class MailSink:
    messages: list[Any] = field(default_factory=list)
    port: int = 0
    reply: str = "250 OK"  # what the server answers the message with

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope)
        return self.reply


@contextmanager
def smtp_server(reply: str = "250 OK") -> Iterator[MailSink]:
    from aiosmtpd.controller import Controller

    sink = MailSink(port=free_port(), reply=reply)
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
