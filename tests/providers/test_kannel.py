"""Kannel tables: get-url/post-url inbound, dlr-url reports, sendsms answers."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from sms_gateway.store.models import OutboundMessage
from tests.providers.conftest import SECRETS
from tests.providers.harness import (
    PUBLIC_URL,
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


def _query_secret(url: str, form: dict[str, str], headers: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + "secret=" + SECRETS["kannel_secret"]


def _basic_secret(url: str, form: dict[str, str], headers: dict[str, str]) -> str:
    token = base64.b64encode(f"kannel:{SECRETS['kannel_secret']}".encode()).decode()
    headers["Authorization"] = f"Basic {token}"
    return url


def _allowed_ip(url: str, form: dict[str, str], headers: dict[str, str]) -> str:
    return url


VARIANTS = [
    Variant("secret-in-url", "kannel", _query_secret, (), "kannel.test:13013"),
    Variant("secret-as-basic-auth", "kannel", _basic_secret, (), "kannel.test:13013"),
]
SMS = {"id": "7c4d0e9a-1", "from": "081234567890", "to": "1708", "coding": "0",
       "charset": "UTF-8", "time": "1795839564"}


def sms(**changes: str) -> dict[str, str]:
    fields = {**SMS, "text": "jalan rusak di desa Sukamaju"}
    fields.update(changes)
    return {k: v for k, v in fields.items() if v != "<drop>"}


INCOMING_CASES = [
    IncomingCase("plain text", sms(), method="GET", text="jalan rusak di desa Sukamaju",
                 reply=""),
    # No such time (datetime cannot hold it): stored with our own time, not refused with a 500.
    IncomingCase("absurd smsc time", sms(time="9" * 20), method="GET",
                 text="jalan rusak di desa Sukamaju", reply=""),
    IncomingCase("emoji and arabic via mo-recode", method="GET",
                 raw_query="id=a2&from=081234567890&to=1708&coding=0&charset=UTF-8"
                           "&text=A%F0%9F%98%80%D8%A7", text="A\U0001F600\u0627"),
    IncomingCase("ucs-2 bytes without mo-recode", method="GET",
                 raw_query="id=a3&from=081234567890&coding=2&charset=UTF-16BE"
                           "&text=%00A%06%27", text="A\u0627"),
    IncomingCase("invalid utf-8 stored with replacement", method="GET",
                 raw_query="id=a4&from=081234567890&coding=1&charset=8-BIT&text=A%FF%FE",
                 text="A\ufffd\ufffd"),
    IncomingCase("post-url body with headers", body=b"lampu jalan mati",
                 content_type="text/plain; charset=UTF-8",
                 headers={"X-Kannel-From": "081234567890", "X-Kannel-To": "1708",
                          "X-Kannel-ID": "p1"}, text="lampu jalan mati"),
    IncomingCase("empty text is stored empty", sms(text=""), method="GET", text=""),
    IncomingCase("empty request", {}, method="GET", status=400),
    IncomingCase("missing id", sms(id="<drop>"), method="GET", status=400),
    IncomingCase("missing sender", sms(**{"from": "<drop>"}), method="GET", status=400),
    IncomingCase("missing text", sms(text="<drop>"), method="GET", status=400),
    IncomingCase("impossible phone number", sms(**{"from": "12"}), method="GET", status=400),
    IncomingCase("missing secret", sms(), method="GET", signed=False, status=403),
    IncomingCase("wrong secret", sms(secret="guess"), method="GET", signed=False,
                 status=403),
]

STATUS_CASES = [
    StatusCase("delivered", {"ref": "out-1", "type": "1"}, method="GET", http_status=204,
               status="delivered"),
    StatusCase("phone never got it", {"ref": "out-1", "type": "2", "answer": "NACK"},
               method="GET", http_status=204, status="undelivered"),
    StatusCase("queued on smsc", {"ref": "out-1", "type": "4"}, method="GET",
               http_status=204, status="sent"),
    StatusCase("accepted by smsc", {"ref": "out-1", "type": "8", "answer": "ACK/"},
               method="GET", http_status=204, status="sent"),
    StatusCase("rejected by smsc", {"ref": "out-1", "type": "16"}, method="GET",
               http_status=204, status="failed"),
    StatusCase("unknown type", {"ref": "out-1", "type": "64"}, method="GET",
               http_status=400, status="sent"),
    StatusCase("missing ref", {"type": "1"}, method="GET", http_status=400, status="sent"),
    StatusCase("empty body", {}, http_status=400, status="sent"),
    StatusCase("bad secret", {"ref": "out-1", "type": "1", "secret": "x"}, method="GET",
               signed=False, http_status=403, status="sent"),
]

OUTGOING_CASES = [
    OutgoingCase("accepted", (Reply(202, "0: Accepted for delivery"),), provider_id="out-1",
                 request_has={"X-Kannel-Username": "gateway", "X-Kannel-To": "+6281234567890",
                              "X-Kannel-From": "1708", "X-Kannel-DLR-Mask": "31"}),
    OutgoingCase("queued for later is success", (Reply(202, "3: Queued for later delivery"),),
                 provider_id="out-1"),
    OutgoingCase("unicode goes as UTF-16BE with coding 2", (Reply(202, "0: Accepted"),),
                 body="Terima kasih \U0001F600",
                 request_has={"X-Kannel-Coding": "2", "<body>": "Terima kasih \U0001F600"}),
    OutgoingCase("gsm text goes as plain UTF-8", (Reply(202, "0: Accepted"),),
                 body="Harga {naik} 10€", request_has={"<body>": "Harga {naik} 10€"}),
    OutgoingCase("403 auth failure is final", (Reply(403, "Authorization failed"),),
                 status="failed", error_kind="rejected"),
    OutgoingCase("400 refused number is final", (Reply(400, "Empty receiver number"),),
                 status="failed", error_kind="rejected"),
    OutgoingCase("429 is retried", (Reply(429, "slow down"),), status="queued",
                 error_kind="throttled"),
    OutgoingCase("503 is retried", (Reply(503, "Sending failed"),), status="queued",
                 error_kind="server"),
    OutgoingCase("connection refused is retried", (Reply(raises=refused),),
                 status="queued", error_kind="network"),
    OutgoingCase("connect timeout is retried", (Reply(raises=requests.ConnectTimeout),),
                 status="queued", error_kind="network"),
    OutgoingCase("read timeout may have sent: unknown, not resent",
                 (Reply(raises=requests.ReadTimeout),), status="unknown",
                 error_kind="uncertain"),
    OutgoingCase("2xx whose body says error", (Reply(202, "Error: no route"),),
                 status="failed", error_kind="provider"),
]


@pytest.mark.parametrize("variant", VARIANTS, ids=label)
@pytest.mark.parametrize("case", INCOMING_CASES, ids=label)
def test_kannel_incoming(client: Any, services: Any, fake_http: Any, variant: Variant,
                         case: IncomingCase) -> None:
    status, text, answer = run_incoming(client, services, variant, case)
    assert (status, text, answer) == (case.status, case.text, case.reply)


@pytest.mark.parametrize("variant", VARIANTS, ids=label)
@pytest.mark.parametrize("case", STATUS_CASES, ids=label)
def test_kannel_status(client: Any, services: Any, fake_http: Any, variant: Variant,
                       case: StatusCase) -> None:
    assert run_status(client, services, variant, case) == (case.http_status, case.status)


@pytest.mark.parametrize("case", OUTGOING_CASES, ids=label)
def test_kannel_outgoing(services: Any, fake_http: Any, case: OutgoingCase) -> None:
    row = run_outgoing(services, fake_http, VARIANTS[0], case)
    sent = request_values(fake_http.requests[-1]) if fake_http.requests else {}
    assert (row.status, (row.last_error or "").split(":")[0] or None,
            row.provider_message_id if case.provider_id else None,
            {k: sent.get(k) for k in case.request_has}) == (
        case.status, case.error_kind, case.provider_id, dict(case.request_has))


def test_kannel_allow_list_admits_listed_address(client: Any, services: Any,
                                                 fake_http: Any) -> None:
    variant = Variant("allow-list", "kannel_ip", lambda u, f, h: u, (), "kannel.test:13013")
    case = IncomingCase("from listed address", sms(), method="GET", remote_addr="10.1.2.7",
                        text="jalan rusak di desa Sukamaju")
    assert run_incoming(client, services, variant, case)[:2] == (200, case.text)


def test_kannel_allow_list_refuses_other_address(client: Any, services: Any,
                                                 fake_http: Any) -> None:
    variant = Variant("allow-list", "kannel_ip", lambda u, f, h: u, (), "kannel.test:13013")
    case = IncomingCase("from elsewhere", sms(), method="GET", remote_addr="10.9.9.9")
    assert run_incoming(client, services, variant, case)[0] == 403


def test_kannel_dlr_url_carries_reference_and_escapes(services: Any, fake_http: Any) -> None:
    run_outgoing(services, fake_http, VARIANTS[0],
                 OutgoingCase("dlr", (Reply(202, "0: Accepted"),)))
    dlr = fake_http.requests[-1].headers["X-Kannel-DLR-Url"]
    assert dlr.startswith("https://gw.example.id/sms/kannel/status?ref=out-1&sig=") \
        and dlr.endswith("&type=%d&answer=%A")


def test_kannel_dlr_url_holds_no_secret(services: Any, fake_http: Any) -> None:
    run_outgoing(services, fake_http, VARIANTS[0],
                 OutgoingCase("dlr", (Reply(202, "0: Accepted"),)))
    dlr = fake_http.requests[-1].headers["X-Kannel-DLR-Url"]
    assert [name for name, secret in SECRETS.items() if secret in dlr] == []


def test_kannel_report_on_the_dlr_url_it_was_given_is_accepted(
        client: Any, services: Any, fake_http: Any) -> None:
    row = run_outgoing(services, fake_http, VARIANTS[0],
                       OutgoingCase("dlr", (Reply(202, "0: Accepted"),)))
    dlr = fake_http.requests[-1].headers["X-Kannel-DLR-Url"]
    # What Kannel calls: the URL with its escapes filled in (1: delivered to the phone).
    path = dlr.replace("%d", "1").replace("%A", "ACK%2F")[len(PUBLIC_URL):]
    status = client.get(path).status_code
    with services.sessions() as session:
        stored = session.get(OutboundMessage, row.id)
        assert stored is not None
        assert (status, stored.status) == (204, "delivered")


def test_kannel_report_token_of_another_message_is_refused(
        client: Any, services: Any, fake_http: Any) -> None:
    run_outgoing(services, fake_http, VARIANTS[0],
                 OutgoingCase("dlr", (Reply(202, "0: Accepted"),)))
    dlr = fake_http.requests[-1].headers["X-Kannel-DLR-Url"]
    path = dlr.replace("ref=out-1", "ref=out-2").replace("%d", "1").replace("%A", "x")
    assert client.get(path[len(PUBLIC_URL):]).status_code == 403
