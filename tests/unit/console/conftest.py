"""Console test helpers: users, signed-in clients, and messages waiting for review."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from sms_gateway.console import accounts
from sms_gateway.services import Services
from sms_gateway.store.console import ConsoleUser
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import InboundMessage

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_user(services: Services, email: str, role: str = "operator", **kwargs: Any) -> ConsoleUser:
    with services.sessions.begin() as session:
        return accounts.create_user(session, email, PASSWORD, role, **kwargs)


def add_pending(services: Services, text: str = "tolong ada masalah", *,
                sender: str = "+6281234567890", parse: dict[str, Any] | None = None,
                received_at: datetime | None = None) -> int:
    """A message as the pipeline leaves it for an operator: processed, review pending."""
    vault = services.vault
    with services.sessions.begin() as session:
        message = InboundMessage(
            channel="console", provider="console", provider_message_id=uuid.uuid4().hex,
            sender_hash=vault.digest(sender), sender_enc=vault.encrypt(sender), recipient="1708",
            text=text, received_at=received_at or utcnow(), state="processed",
            parse=parse or {"intent": "unknown", "category": None, "region": None,
                            "reasons": ["too_short"], "confidence": 0.1},
            outcome="review", review_status="pending", review_reason="not_understood")
        session.add(message)
        session.flush()
        return message.id


def csrf_of(client: Any, path: str = "/console/login") -> str:
    """The CSRF token of the client's cookie session, read from a page's form."""
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def sign_in(client: Any, email: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client)
    return client.post("/console/login", data={"csrf_token": token, "email": email,
                                               "password": password})


@pytest.fixture
def login(app: Any, services: Services) -> Callable[..., Any]:
    """Make a user of a role and return a test client signed in as that user."""
    def make(role: str = "operator", email: str | None = None, **kwargs: Any) -> Any:
        email = email or f"{role}-{uuid.uuid4().hex[:6]}@example.id"
        add_user(services, email, role, **kwargs)
        client = app.test_client()
        response = sign_in(client, email)
        assert response.status_code == 302, response.get_data(as_text=True)
        client.csrf = csrf_of(client)
        return client
    return make
