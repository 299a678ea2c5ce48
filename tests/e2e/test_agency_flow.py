"""End to end: an SMS in through Twilio's signed webhook, the agency's webhook gets the ticket,
the agency answers through the API, and the answer goes out to the citizen's phone."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from sms_gateway.agency.transport import verify
from sms_gateway.config import Config
from sms_gateway.services import Services
from tests.support.agency import (
    PHONE,
    PUPR_SURABAYA,
    SECRET_ENV,
    SURABAYA_ROAD,
    Receiver,
    auth,
    token_for,
    webhook_agency_config,
    webhook_receiver,
)

AUTH_TOKEN = "e2e-twilio-auth-token"
SECRET = "e2e-agency-secret-0123456789"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


@pytest.fixture
def config(tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return webhook_agency_config(tmp_path, receiver.url, AUTH_TOKEN)


def _twilio_sms(client: Any, text: str) -> Any:
    form = {"MessageSid": "SM" + "1" * 32, "AccountSid": "AC" + "0" * 32, "From": PHONE,
            "To": "1708", "Body": text}
    url = "http://localhost/sms/twilio"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    return client.post("/sms/twilio", data=form, headers={"X-Twilio-Signature": signature})


def _flow(client: Any, services: Services, receiver: Receiver) -> dict[str, Any]:
    """Run the whole flow; return what the agency received."""
    assert _twilio_sms(client, SURABAYA_ROAD).status_code == 200
    delivered = json.loads(receiver.requests[0]["body"])
    token = token_for(services, PUPR_SURABAYA)
    number = delivered["ticket"]["number"]
    answer = client.post(f"/api/v1/tickets/{number}/status", headers=auth(token),
                         json={"status": "selesai",
                               "response": "Lubang sudah ditambal oleh tim UPT Jalan."})
    assert answer.status_code == 200
    return {"delivery": receiver.requests[0], "number": number}


def test_agency_webhook_receives_a_verifiable_ticket(client: Any, services: Services,
                                                     receiver: Receiver) -> None:
    got = _flow(client, services, receiver)["delivery"]
    headers = got["headers"]
    assert verify(SECRET, headers["X-Lapor-Timestamp"], got["body"],
                  headers["X-Lapor-Signature"], now=time.time())


def test_citizens_phone_gets_the_agencys_answer(client: Any, services: Services,
                                                receiver: Receiver) -> None:
    number = _flow(client, services, receiver)["number"]
    sent = [(sms.to, sms.body) for sms in services.channels["console"].sent]
    assert any(to == PHONE and f"#{number} selesai: Lubang sudah ditambal" in body
               for to, body in sent)


def test_citizen_first_got_the_ticket_number(client: Any, services: Services,
                                             receiver: Receiver) -> None:
    number = _flow(client, services, receiver)["number"]
    first = services.channels["console"].sent[0]
    assert f"Nomor tiket #{number}" in first.body


def test_agency_webhook_gets_an_address_kelurahan_marked_probable(
        client: Any, services: Services, receiver: Receiver) -> None:
    assert _twilio_sms(client, "jalan rusak di jl kebraon gang 5 surabaya").status_code == 200
    ticket = json.loads(receiver.requests[0]["body"])["ticket"]
    assert (ticket["region_code"], ticket["probable_region"]) == (
        "35.78", {"code": "35.78.01.1002", "name": "Kebraon", "probable": True,
                  "basis": "address"})
