"""Generic HTTP aggregator tables, run with the Jasmin preset (Jasmin's HTTP API forms)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import requests

from sms_gateway.store.models import OutboundMessage
from sms_gateway.telco.providers import build_channels
from sms_gateway.telco.providers.base import WebRequest
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
from tests.support.channels import channel_config


def _query_secret(url: str, form: dict[str, str], headers: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + "secret=" + SECRETS["jasmin_secret"]


def _form_secret(url: str, form: dict[str, str], headers: dict[str, str]) -> str:
    form["secret"] = SECRETS["jasmin_secret"]
    return url


VARIANTS = [
    Variant("secret-in-url", "jasmin", _query_secret, (), "jasmin.test:1401"),
    Variant("secret-in-form", "jasmin", _form_secret, (), "jasmin.test:1401"),
]
MO = {"id": "1b5d5c2e-mo", "from": "6281234567890", "to": "1708",
      "origin-connector": "smpp01", "priority": "0", "coding": "0", "validity": "0"}


def mo(**changes: str) -> dict[str, str]:
    fields = {**MO, "content": "sampah menumpuk di pasar"}
    fields.update(changes)
    return {k: v for k, v in fields.items() if v != "<drop>"}


INCOMING_CASES = [
    IncomingCase("jasmin mo", mo(), text="sampah menumpuk di pasar", reply="ACK/Jasmin"),
    IncomingCase("emoji", mo(content="banjir \U0001F30A"), text="banjir \U0001F30A"),
    IncomingCase("arabic script", mo(content="\u0633\u0644\u0627\u0645"),
                 text="\u0633\u0644\u0627\u0645"),
    IncomingCase("invalid utf-8 stored with replacement", method="GET",
                 raw_query="id=x9&from=6281234567890&content=A%FF", text="A\ufffd"),
    IncomingCase("empty body", {}, status=400),
    IncomingCase("missing id", mo(id="<drop>"), status=400),
    IncomingCase("missing from", mo(**{"from": "<drop>"}), status=400),
    IncomingCase("missing content", mo(content="<drop>"), status=400),
    IncomingCase("impossible phone number", mo(**{"from": "999"}), status=400),
    IncomingCase("missing secret", mo(), signed=False, status=403),
    IncomingCase("wrong secret", mo(secret="nope"), signed=False, status=403),
]

STATUS_CASES = [
    StatusCase("delivered", {"id": "j-1", "message_status": "DELIVRD", "level": "2"},
               http_status=200, status="delivered", sent_id="j-1"),
    StatusCase("undelivered", {"id": "j-1", "message_status": "UNDELIV"}, http_status=200,
               status="undelivered", sent_id="j-1"),
    StatusCase("expired", {"id": "j-1", "message_status": "EXPIRED"}, http_status=200,
               status="undelivered", sent_id="j-1"),
    StatusCase("rejected", {"id": "j-1", "message_status": "REJECTD"}, http_status=200,
               status="failed", sent_id="j-1"),
    StatusCase("accepted", {"id": "j-1", "message_status": "ACCEPTD"}, http_status=200,
               status="sent", sent_id="j-1"),
    StatusCase("unknown status", {"id": "j-1", "message_status": "WHATEVER"},
               http_status=400, sent_id="j-1"),
    StatusCase("missing id", {"message_status": "DELIVRD"}, http_status=400, sent_id="j-1"),
    StatusCase("empty body", {}, http_status=400, sent_id="j-1"),
    StatusCase("bad secret", {"id": "j-1", "message_status": "DELIVRD", "secret": "x"},
               signed=False, http_status=403, sent_id="j-1"),
]

OUTGOING_CASES = [
    OutgoingCase("success", (Reply(200, 'Success "7f1c-22"'),), provider_id="7f1c-22",
                 request_has={"username": "gw", "to": "+6281234567890", "from": "1708",
                              "coding": "0", "dlr": "yes",
                              "content": "Laporan diterima. Nomor tiket #1234567."}),
    OutgoingCase("unicode asks for coding 8", (Reply(200, 'Success "u-1"'),),
                 body="Terima kasih \U0001F600",
                 request_has={"coding": "8", "content": "Terima kasih \U0001F600"}),
    OutgoingCase("403 bad credentials is final", (Reply(403, 'Error "Authentication failure"'),),
                 status="failed", error_kind="rejected"),
    OutgoingCase("400 bad request is final", (Reply(400, 'Error "Mandatory argument"'),),
                 status="failed", error_kind="rejected"),
    OutgoingCase("throughput exceeded is throttled",
                 (Reply(403, 'Error "Cannot charge user: throughput exceeded"'),),
                 status="queued", error_kind="throttled"),
    OutgoingCase("429 is retried", (Reply(429, "Too many"),), status="queued",
                 error_kind="throttled"),
    OutgoingCase("5xx is retried", (Reply(500, "Internal"),), status="queued",
                 error_kind="server"),
    OutgoingCase("connection refused is retried", (Reply(raises=refused),),
                 status="queued", error_kind="network"),
    OutgoingCase("read timeout may have sent: unknown, not resent",
                 (Reply(raises=requests.ReadTimeout),), status="unknown",
                 error_kind="uncertain"),
    OutgoingCase("2xx whose body says error", (Reply(200, 'Error "No route found"'),),
                 status="failed", error_kind="provider"),
]


@pytest.mark.parametrize("variant", VARIANTS, ids=label)
@pytest.mark.parametrize("case", INCOMING_CASES, ids=label)
def test_http_incoming(client: Any, services: Any, fake_http: Any, variant: Variant,
                       case: IncomingCase) -> None:
    status, text, answer = run_incoming(client, services, variant, case)
    assert (status, text, answer) == (case.status, case.text, case.reply)


@pytest.mark.parametrize("variant", VARIANTS, ids=label)
@pytest.mark.parametrize("case", STATUS_CASES, ids=label)
def test_http_status(client: Any, services: Any, fake_http: Any, variant: Variant,
                     case: StatusCase) -> None:
    assert run_status(client, services, variant, case) == (case.http_status, case.status)


@pytest.mark.parametrize("case", OUTGOING_CASES, ids=label)
def test_http_outgoing(services: Any, fake_http: Any, case: OutgoingCase) -> None:
    row = run_outgoing(services, fake_http, VARIANTS[0], case)
    sent = request_values(fake_http.requests[-1]) if fake_http.requests else {}
    assert (row.status, (row.last_error or "").split(":")[0] or None,
            row.provider_message_id if case.provider_id else None,
            {k: sent.get(k) for k in case.request_has}) == (
        case.status, case.error_kind, case.provider_id, dict(case.request_has))


def _jasmin_report(client: Any, services: Any, fake_http: Any, message_id: str,
                   message_status: str = "DELIVRD") -> tuple[Any, OutboundMessage]:
    """Send through Jasmin, then post its report to the dlr-url the gateway handed it."""
    row = run_outgoing(services, fake_http, VARIANTS[0], OutgoingCase(
        "send", (Reply(200, f'Success "{message_id}"'),)))
    dlr_url = request_values(fake_http.requests[-1])["dlr-url"]
    # Jasmin's HTTP DLR (dlr-level 3, dlr-method POST): these fields, nothing else added.
    resp = client.post(dlr_url[len(PUBLIC_URL):], data={
        "id": message_id, "message_status": message_status, "level": "3",
        "connector": "smpp01", "subdate": "2401011200", "donedate": "2401011201",
        "sub": "1", "dlvrd": "1", "err": "000", "text": ""})
    with services.sessions() as session:
        stored = session.get(OutboundMessage, row.id)
        assert stored is not None
        return resp, stored


def test_jasmin_report_on_the_dlr_url_it_was_given_is_accepted(
        client: Any, services: Any, fake_http: Any) -> None:
    resp, row = _jasmin_report(client, services, fake_http, "j-2")
    assert (resp.status_code, row.status) == (200, "delivered")


def test_jasmin_status_report_is_acknowledged_with_its_exact_body(
        client: Any, services: Any, fake_http: Any) -> None:
    resp, _ = _jasmin_report(client, services, fake_http, "j-3")
    assert resp.get_data(as_text=True) == "ACK/Jasmin"


def test_jasmin_dlr_url_holds_no_secret(client: Any, services: Any, fake_http: Any) -> None:
    run_outgoing(services, fake_http, VARIANTS[0], OutgoingCase(
        "send", (Reply(200, 'Success "j-4"'),)))
    dlr_url = request_values(fake_http.requests[-1])["dlr-url"]
    assert [name for name, secret in SECRETS.items() if secret in dlr_url] == []


def test_new_aggregator_is_configuration_only(services: Any, fake_http: Any) -> None:
    """An aggregator with GET, other field names and its own success answer: no code."""
    custom = channel_config(
        "http", url="http://jasmin.test:1401/api/push", method="GET", username="u1",
        password=SECRETS["jasmin_password"],
        send_fields={"username": "user", "password": "pass", "to": "msisdn", "text": "msg"},
        success_pattern=r"^OK;(?P<id>\d+)$", incoming_fields={"id": "mid", "from": "msisdn"})
    cfg = replace(services.config, channels={**services.config.channels, "agg2": custom})
    services.channels = build_channels(cfg, adapter=fake_http)
    services.config = cfg
    variant = Variant("agg2", "agg2", lambda u, f, h: u, (), "jasmin.test:1401")
    row = run_outgoing(services, fake_http, variant,
                       OutgoingCase("custom", (Reply(200, "OK;991"),)))
    sent = request_values(fake_http.requests[-1])
    assert (row.provider_message_id, sent["msisdn"], sent["user"]) == (
        "991", "+6281234567890", "u1")


def test_custom_incoming_field_names_decode(services: Any) -> None:
    channel = build_channels(replace(services.config, channels={"agg3": channel_config(
        "http", incoming_fields={"id": "mid", "from": "msisdn", "text": "sms"},
        allow_ips=("127.0.0.1",))}))["agg3"]
    sms = channel.parse_incoming(WebRequest("POST", "http://x/sms/agg3", {},
                                            {"mid": "9", "msisdn": "0812", "sms": "halo"}))
    assert (sms.provider_message_id, sms.sender, sms.text) == ("9", "0812", "halo")
