"""Console tables: loopback-only injection, simple status forms, sends kept in memory."""

from __future__ import annotations

from typing import Any

import pytest

from tests.providers.harness import (
    IncomingCase,
    OutgoingCase,
    StatusCase,
    Variant,
    label,
    run_incoming,
    run_outgoing,
    run_status,
)

VARIANT = Variant("loopback", "console", lambda url, form, headers: url, (), "")
MO = {"MessageId": "c-1", "From": "081234567890", "To": "1708"}


def mo(**changes: str) -> dict[str, str]:
    fields = {**MO, "Body": "jembatan putus"}
    fields.update(changes)
    return {k: v for k, v in fields.items() if v != "<drop>"}


INCOMING_CASES = [
    IncomingCase("plain", mo(), text="jembatan putus", reply="OK"),
    IncomingCase("emoji", mo(Body="macet \U0001F697"), text="macet \U0001F697"),
    IncomingCase("empty request", {}, status=400),
    IncomingCase("missing MessageId", mo(MessageId="<drop>"), status=400),
    IncomingCase("missing From", mo(From="<drop>"), status=400),
    IncomingCase("missing Body", mo(Body="<drop>"), status=400),
    IncomingCase("impossible phone number", mo(From="55"), status=400),
    IncomingCase("not from loopback", mo(), remote_addr="203.0.113.9", status=403),
]

STATUS_CASES = [
    StatusCase("delivered", {"MessageId": "console-x", "Status": "delivered"},
               http_status=204, status="delivered", sent_id="console-x"),
    StatusCase("failed", {"MessageId": "console-x", "Status": "failed"}, http_status=204,
               status="failed", sent_id="console-x"),
    StatusCase("unknown status", {"MessageId": "console-x", "Status": "lost"},
               http_status=400, sent_id="console-x"),
    StatusCase("empty body", {}, http_status=400, sent_id="console-x"),
]

OUTGOING_CASES = [
    OutgoingCase("kept and marked sent", provider_id="console-out-1"),
    OutgoingCase("unicode kept", body="Terima kasih \U0001F600", provider_id="console-out-1"),
]


@pytest.mark.parametrize("case", INCOMING_CASES, ids=label)
def test_console_incoming(client: Any, services: Any, fake_http: Any,
                          case: IncomingCase) -> None:
    status, text, answer = run_incoming(client, services, VARIANT, case)
    assert (status, text, answer) == (case.status, case.text, case.reply)


@pytest.mark.parametrize("case", STATUS_CASES, ids=label)
def test_console_status(client: Any, services: Any, fake_http: Any, case: StatusCase) -> None:
    assert run_status(client, services, VARIANT, case) == (case.http_status, case.status)


@pytest.mark.parametrize("case", OUTGOING_CASES, ids=label)
def test_console_outgoing(services: Any, fake_http: Any, case: OutgoingCase) -> None:
    row = run_outgoing(services, fake_http, VARIANT, case)
    assert (row.status, row.provider_message_id) == (case.status, case.provider_id)
