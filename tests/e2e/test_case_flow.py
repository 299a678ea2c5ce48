"""End to end: two citizens text the same problem through Twilio's signed webhook; they get two
ticket numbers and share one case, the agency gets it once, answers once, and both hear it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

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
SECOND_PHONE = "+6285711112222"
SAME_ROAD = ("Ada lubang besar di jalan Kelurahan Ketintang Kecamatan Gayungan Surabaya, "
             "jalan rusak bahaya untuk motor")
ANSWER = "Lubang sudah ditambal oleh tim UPT Jalan."


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


@pytest.fixture
def config(tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return webhook_agency_config(tmp_path, receiver.url, AUTH_TOKEN)


def _twilio_sms(client: Any, sid: str, phone: str, text: str) -> None:
    form = {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": phone, "To": "1708",
            "Body": text}
    signature = RequestValidator(AUTH_TOKEN).compute_signature("http://localhost/sms/twilio",
                                                               form)
    answer = client.post("/sms/twilio", data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200


def _number_sent_to(services: Services, phone: str) -> str:
    first = next(sms for sms in services.channels["console"].sent if sms.to == phone)
    return first.body.split("#", 1)[1][:7]


@pytest.fixture
def flow(client: Any, services: Services, receiver: Receiver) -> dict[str, Any]:
    """Two citizens report; the agency reads the second ticket and answers the first once."""
    _twilio_sms(client, "SM" + "1" * 32, PHONE, SURABAYA_ROAD)
    _twilio_sms(client, "SM" + "2" * 32, SECOND_PHONE, SAME_ROAD)
    numbers = [_number_sent_to(services, PHONE), _number_sent_to(services, SECOND_PHONE)]
    token = token_for(services, PUPR_SURABAYA)
    docs = [client.get(f"/api/v1/tickets/{n}", headers=auth(token)).get_json() for n in numbers]
    answer = client.post(f"/api/v1/tickets/{numbers[0]}/status", headers=auth(token),
                         json={"status": "selesai", "response": ANSWER})
    assert answer.status_code == 200
    return {"numbers": numbers, "docs": docs}


def test_two_citizens_get_two_ticket_numbers(flow: dict[str, Any]) -> None:
    assert len(set(flow["numbers"])) == 2


def test_the_api_shows_one_case_with_two_reporters(flow: dict[str, Any]) -> None:
    cases = {(d["case"]["id"], d["case"]["reporters"]) for d in flow["docs"]}
    assert len(cases) == 1 and next(iter(cases))[1] == 2


def test_the_agency_gets_the_case_once(flow: dict[str, Any], receiver: Receiver) -> None:
    assert len(receiver.requests) == 1


def test_both_citizens_hear_the_one_answer(flow: dict[str, Any], services: Services) -> None:
    heard = {sms.to for sms in services.channels["console"].sent
             if f"selesai: {ANSWER[:20]}" in sms.body}
    assert heard == {PHONE, SECOND_PHONE}
