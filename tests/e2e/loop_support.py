"""A gateway for end-to-end loop tests: signed Twilio webhooks in, SMS out at a fake Twilio,
the console through its forms (CSRF included) and the agency API, all on one app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sms_gateway.app import create_app
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate
from sms_gateway.store.models import Ticket
from tests.support.config import make_config
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.support.twilio_signing import PUBLIC_URL, inbound_form, signed
from tests.unit.console.conftest import add_user, csrf_of, sign_in

PHONE = "+6281234567890"


@dataclass
class Gateway:
    services: Services
    app: Any
    twilio: FakeTwilio
    _sids: list[str] = field(default_factory=list)

    def sms(self, text: str, phone: str = PHONE) -> Any:
        """One SMS from a citizen through the signed Twilio webhook."""
        sid = f"SM{uuid.uuid4().hex}"
        form = inbound_form(sid, text, sender=phone)
        return self.app.test_client().post("/sms/twilio", data=form, headers=signed(form))

    def sent_to(self, phone: str = PHONE) -> list[str]:
        """The bodies the fake Twilio was asked to send to this phone, oldest first."""
        return [m["Body"] for m in self.twilio.sent if m["To"] == phone]

    def console(self, role: str = "operator", **kwargs: Any) -> Any:
        """A test client signed in to the console as a new user of this role."""
        email = f"{role}-{uuid.uuid4().hex[:6]}@example.id"
        add_user(self.services, email, role, **kwargs)
        client = self.app.test_client()
        assert sign_in(client, email).status_code == 302
        client.csrf = csrf_of(client)
        client.email = email
        return client

    def latest_ticket(self) -> Ticket:
        with self.services.sessions() as session:
            return session.execute(select(Ticket).order_by(Ticket.id.desc())
                                   .limit(1)).scalar_one()

    def ticket(self, number: str) -> Ticket:
        with self.services.sessions() as session:
            return session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()


def make_gateway(tmp_path: Path, twilio: FakeTwilio) -> Iterator[Gateway]:
    config = make_config(
        tmp_path, server={"public_url": PUBLIC_URL}, sms={"outbound": "twilio"},
        twilio={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_": "1708",
                "api_base_url": twilio.url})
    migrate.upgrade(config)
    services = build_services(config, dispatcher=InlineDispatcher())
    app = create_app(services=services, start_background=False)
    app.testing = True
    yield Gateway(services, app, twilio)
    services.close()
