"""Twilio tables: signed webhooks, status callbacks, the Messages API through the SDK's seam."""

from __future__ import annotations

import json
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from tests.providers.conftest import SECRETS, TWILIO_SID
from tests.providers.harness import (
    IncomingCase,
    OutgoingCase,
    Reply,
    StatusCase,
    Variant,
    label,
    refused,
    request_values,
    run_incoming,
    run_outgoing,
    run_status,
)


def _signed(url: str, form: dict[str, str], headers: dict[str, str]) -> str:
    headers["X-Twilio-Signature"] = RequestValidator(SECRETS["twilio"]).compute_signature(
        url, form)
    return url


VARIANT = Variant("signed", "twilio", _signed, (), "api.twilio.com")
MO = {"MessageSid": "SM" + "1" * 32, "AccountSid": TWILIO_SID, "From": "+6281234567890",
      "To": "+6221708", "NumSegments": "1"}


def mo(**changes: str) -> dict[str, str]:
    fields = {**MO, "Body": "pungli di kantor kelurahan"}
    fields.update(changes)
    return {k: v for k, v in fields.items() if v != "<drop>"}


INCOMING_CASES = [
    IncomingCase("plain", mo(), text="pungli di kantor kelurahan",
                 reply='<?xml version="1.0" encoding="UTF-8"?><Response/>'),
    IncomingCase("emoji", mo(Body="air mati \U0001F6B1"), text="air mati \U0001F6B1"),
    IncomingCase("empty body text", mo(Body=""), text=""),
    IncomingCase("invalid utf-8 is refused clearly",
                 body=b"MessageSid=SMx&From=%2B6281234567890&Body=A%FF", signed=False,
                 status=400),
    IncomingCase("empty request", {}, status=400),
    IncomingCase("missing MessageSid", mo(MessageSid="<drop>"), status=400),
    IncomingCase("missing From", mo(From="<drop>"), status=400),
    IncomingCase("missing Body", mo(Body="<drop>"), status=400),
    IncomingCase("impossible phone number", mo(From="+1"), status=400),
    IncomingCase("missing signature", mo(), signed=False, status=403),
    IncomingCase("bad signature", mo(), signed=False, headers={"X-Twilio-Signature": "AAAA"},
                 status=403),
]

STATUS_CASES = [
    StatusCase("delivered", {"MessageSid": "SM1", "MessageStatus": "delivered"},
               http_status=204, status="delivered", sent_id="SM1"),
    StatusCase("undelivered", {"MessageSid": "SM1", "MessageStatus": "undelivered",
                               "ErrorCode": "30003"}, http_status=204,
               status="undelivered", sent_id="SM1"),
    StatusCase("failed", {"MessageSid": "SM1", "MessageStatus": "failed"}, http_status=204,
               status="failed", sent_id="SM1"),
    StatusCase("sending", {"MessageSid": "SM1", "MessageStatus": "sending"}, http_status=204,
               status="sent", sent_id="SM1"),
    StatusCase("unknown status", {"MessageSid": "SM1", "MessageStatus": "teleported"},
               http_status=400, sent_id="SM1"),
    StatusCase("missing sid", {"MessageStatus": "delivered"}, http_status=400, sent_id="SM1"),
    StatusCase("empty body", {}, http_status=400, sent_id="SM1"),
    StatusCase("bad signature", {"MessageSid": "SM1", "MessageStatus": "delivered"},
               signed=False, http_status=403, sent_id="SM1"),
]


def _message(status: str = "queued", sid: str = "SM" + "2" * 32) -> str:
    return json.dumps({"sid": sid, "status": status, "error_code": None, "body": "x",
                       "account_sid": TWILIO_SID, "to": "+6281234567890"})


def _error(status: int, code: int, message: str) -> Reply:
    return Reply(status, json.dumps({"code": code, "message": message, "status": status}))


OUTGOING_CASES = [
    OutgoingCase("queued", (Reply(201, _message()),), provider_id="SM" + "2" * 32,
                 request_has={"To": "+6281234567890", "From": "+6221708",
                              "StatusCallback": "https://gw.example.id/sms/twilio/status"}),
    OutgoingCase("400 invalid number is final", (_error(400, 21211, "Invalid 'To'"),),
                 status="failed", error_kind="rejected"),
    OutgoingCase("401 bad credentials is final", (_error(401, 20003, "Authenticate"),),
                 status="failed", error_kind="rejected"),
    OutgoingCase("429 is retried", (_error(429, 20429, "Too Many Requests"),),
                 status="queued", error_kind="throttled"),
    OutgoingCase("503 is retried", (_error(503, 20503, "Unavailable"),), status="queued",
                 error_kind="server"),
    OutgoingCase("connection refused is retried", (Reply(raises=refused),),
                 status="queued", error_kind="network"),
    OutgoingCase("2xx whose body says failed", (Reply(201, _message(status="failed")),),
                 status="failed", error_kind="provider"),
]


@pytest.mark.parametrize("case", INCOMING_CASES, ids=label)
def test_twilio_incoming(client: Any, services: Any, fake_http: Any,
                         case: IncomingCase) -> None:
    status, text, answer = run_incoming(client, services, VARIANT, case)
    assert (status, text, answer) == (case.status, case.text, case.reply)


@pytest.mark.parametrize("case", STATUS_CASES, ids=label)
def test_twilio_status(client: Any, services: Any, fake_http: Any, case: StatusCase) -> None:
    assert run_status(client, services, VARIANT, case) == (case.http_status, case.status)


@pytest.mark.parametrize("case", OUTGOING_CASES, ids=label)
def test_twilio_outgoing(services: Any, fake_http: Any, case: OutgoingCase) -> None:
    row = run_outgoing(services, fake_http, VARIANT, case)
    sent = request_values(fake_http.requests[-1]) if fake_http.requests else {}
    assert (row.status, (row.last_error or "").split(":")[0] or None,
            row.provider_message_id if case.provider_id else None,
            {k: sent.get(k) for k in case.request_has}) == (
        case.status, case.error_kind, case.provider_id, dict(case.request_has))
