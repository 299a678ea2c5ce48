"""Fuzzing every inbound endpoint: no 500, no crash, no partial state, size limits enforced.

Hypothesis sends /sms/<channel> and /sms/<channel>/status requests for every kind of channel
(Twilio, console, Kannel, a Jasmin-style HTTP aggregator): forms with missing, empty, huge and
wrongly typed fields (correctly signed, so they get past the signature check), raw bodies,
invalid UTF-8, odd content types and methods, and header values carrying CR/LF. Accepted
messages run through the whole pipeline inline, so a crash in parsing or handling shows too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bench.stack import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, twilio_signature
from sms_gateway.app import create_app
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate
from sms_gateway.store.channels import InboundPart, PendingStatus
from sms_gateway.store.models import InboundMessage, OutboundMessage
from tests.support.channels import channel_config
from tests.support.config import make_config

MAX_BODY = 8192
FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
INBOUND_OK = {200, 400, 403, 405, 413, 415}
STATUS_OK = INBOUND_OK | {204}
KANNEL_SECRET, JASMIN_SECRET = "kannel-secret-1", "jasmin-secret-2"

# Per channel: the inbound and status field names a real request carries, and how it is signed.
FIELDS = {
    "twilio": (("MessageSid", "From", "To", "Body", "NumSegments", "AccountSid"),
               ("MessageSid", "MessageStatus", "ErrorCode")),
    "console": (("MessageId", "From", "To", "Body"), ("MessageId", "Status")),
    "kannel": (("id", "from", "to", "text", "coding", "charset", "udh", "time"),
               ("ref", "type", "answer")),
    "jasmin": (("id", "from", "to", "content", "coding"), ("id", "message_status")),
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, Any]]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    config = make_config(tmp, server={"public_url": PUBLIC_URL, "max_body_bytes": MAX_BODY},
                         twilio={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
                                 "from_": "1708"},
                         abuse={"enabled": False})
    config = replace(config, channels={
        "kannel": channel_config("kannel", url="http://127.0.0.1:9/cgi-bin/sendsms",
                                secret=KANNEL_SECRET, allow_ips=("127.0.0.1",)),
        "jasmin": channel_config("http", preset="jasmin", url="http://127.0.0.1:9/send",
                                secret=JASMIN_SECRET),
    })
    migrate.upgrade(config)
    services = build_services(config, dispatcher=InlineDispatcher())
    client = create_app(services=services, start_background=False).test_client()
    yield services, client
    services.close()


def snapshot(services: Services) -> tuple[int, int, int, tuple[str, ...]]:
    """Everything a refused request must leave as it was."""
    with services.sessions() as session:
        def n(model: Any) -> int:
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())

        statuses = tuple(session.execute(select(OutboundMessage.status)
                                         .order_by(OutboundMessage.id)).scalars())
        return n(InboundMessage), n(InboundPart), n(PendingStatus), statuses


def signed_headers(channel: str, path: str, form: dict[str, str]) -> dict[str, str]:
    if channel == "twilio":
        return {"X-Twilio-Signature": twilio_signature(PUBLIC_URL + path, form)}
    return {}


def with_secret(channel: str, form: dict[str, str]) -> dict[str, str]:
    secret = {"kannel": KANNEL_SECRET, "jasmin": JASMIN_SECRET}.get(channel)
    return {**form, "secret": secret} if secret else form


def check(services: Services, response: Any, before: tuple[Any, ...], allowed: set[int]) -> None:
    """The one property of every fuzzed request."""
    after = snapshot(services)
    job_errors = list(getattr(services.dispatcher, "errors", []))
    refused = response.status_code >= 300
    partial = refused and after != before
    assert (response.status_code in allowed, partial, job_errors) == (True, False, []), (
        response.status_code, response.get_data()[:200])


PHONES = st.one_of(st.sampled_from(["+6281234567890", "081234567891", "6285712345678"]),
                   st.text(max_size=40), st.integers().map(str))
VALUES = st.one_of(st.text(max_size=200), st.integers().map(str), st.just(""),
                   st.text(min_size=1000, max_size=3000), st.floats().map(str))


@st.composite
def forms(draw: st.DrawFn, names: tuple[str, ...]) -> dict[str, str]:
    """Some of the channel's own fields (any of them may be missing) plus stray ones."""
    form = {}
    for name in names:
        if draw(st.booleans()) or name in ("MessageSid", "MessageId", "id", "ref"):
            form[name] = draw(PHONES if name.lower() in ("from", "to") else VALUES)
    form.update(draw(st.dictionaries(st.text(min_size=1, max_size=20), VALUES, max_size=3)))
    return form


CHANNELS = st.sampled_from(sorted(FIELDS))


@FUZZ
@given(channel=CHANNELS, data=st.data())
def test_fuzzed_signed_inbound_forms(gateway: tuple[Services, Any], channel: str,
                                     data: st.DataObject) -> None:
    services, client = gateway
    form = with_secret(channel, data.draw(forms(FIELDS[channel][0])))
    path = f"/sms/{channel}"
    before = snapshot(services)
    response = client.post(path, data=form, headers=signed_headers(channel, path, form))
    check(services, response, before, INBOUND_OK)


@FUZZ
@given(channel=CHANNELS, data=st.data())
def test_fuzzed_signed_status_forms(gateway: tuple[Services, Any], channel: str,
                                    data: st.DataObject) -> None:
    services, client = gateway
    form = with_secret(channel, data.draw(forms(FIELDS[channel][1])))
    path = f"/sms/{channel}/status"
    before = snapshot(services)
    response = client.post(path, data=form, headers=signed_headers(channel, path, form))
    check(services, response, before, STATUS_OK)


@FUZZ
@given(channel=CHANNELS, status_path=st.booleans(), body=st.binary(max_size=4000),
       ctype=st.sampled_from(["application/x-www-form-urlencoded", "text/plain",
                              "application/json", "multipart/form-data; boundary=x", "",
                              "application/x-www-form-urlencoded; charset=latin-1"]),
       method=st.sampled_from(["POST", "GET", "PUT", "DELETE", "PATCH"]))
def test_fuzzed_raw_bodies(gateway: tuple[Services, Any], channel: str, status_path: bool,
                           body: bytes, ctype: str, method: str) -> None:
    services, client = gateway
    path = f"/sms/{channel}" + ("/status" if status_path else "")
    before = snapshot(services)
    response = client.open(path, method=method, data=body, content_type=ctype or None)
    check(services, response, before, STATUS_OK)


INVALID_UTF8 = st.sampled_from(["%FF", "%C3%28", "%ED%A0%80", "%F0%28%8C%BC", "%80abc",
                                "%E2%82", "%C0%AF"])


@FUZZ
@given(channel=CHANNELS, bad=INVALID_UTF8, where=st.sampled_from(["query", "body"]),
       field_index=st.integers(0, 3))
def test_invalid_utf8_in_any_field(gateway: tuple[Services, Any], channel: str, bad: str,
                                   where: str, field_index: int) -> None:
    services, client = gateway
    names = FIELDS[channel][0]
    form = with_secret(channel, {names[0]: "X1", names[1]: "+6281234567890",
                                 names[2]: "1708", names[3]: "jalan rusak di bandung"})
    encoded = urlencode(form) + f"&{names[field_index]}x=a{bad}b"
    encoded = encoded.replace(f"{names[field_index]}=", f"{names[field_index]}=z{bad}", 1)
    path = f"/sms/{channel}"
    before = snapshot(services)
    if where == "query":
        response = client.get(f"{path}?{encoded}", headers=signed_headers(channel, path, form))
    else:
        response = client.post(path, data=encoded.encode(), headers={
            **signed_headers(channel, path, form),
            "Content-Type": "application/x-www-form-urlencoded"})
    check(services, response, before, INBOUND_OK)


KANNEL_RAW_ID_FIELDS = {("kannel", "id"), ("kannel", "to")}


@pytest.mark.parametrize("field", sorted(f for _, f in KANNEL_RAW_ID_FIELDS))
def test_kannel_id_or_to_with_invalid_utf8_is_a_400(gateway: tuple[Services, Any],
                                                    field: str) -> None:
    _, client = gateway
    form = {"id": "K1", "from": "+6281234567890", "to": "1708", "text": "jalan rusak",
            "secret": KANNEL_SECRET}
    query = urlencode(form).replace(f"{field}=", f"{field}=%FF", 1)
    assert client.get(f"/sms/kannel?{query}").status_code == 400


@pytest.mark.parametrize("channel", sorted(FIELDS))
@pytest.mark.parametrize("status_path", [False, True], ids=["inbound", "status"])
def test_body_over_the_limit_is_refused_with_413(gateway: tuple[Services, Any], channel: str,
                                                 status_path: bool) -> None:
    services, client = gateway
    path = f"/sms/{channel}" + ("/status" if status_path else "")
    before = snapshot(services)
    response = client.post(path, data={"Body": "x" * (MAX_BODY + 1)})
    assert (response.status_code, snapshot(services)) == (413, before)


CRLF = st.sampled_from(["\r\nSet-Cookie: pwned=1", "\nX-Injected: 1", "\r\n\r\n<html>",
                        "%0d%0aSet-Cookie:%20pwned=1"])


@FUZZ
@given(channel=CHANNELS, injected=CRLF, into=st.sampled_from(["field", "header", "path"]))
def test_header_injection_never_reaches_the_response(gateway: tuple[Services, Any],
                                                     channel: str, injected: str,
                                                     into: str) -> None:
    services, client = gateway
    names = FIELDS[channel][0]
    form = with_secret(channel, {names[0]: "SMinj" + injected, names[1]: "+6281234567890",
                                 names[2]: "1708", names[3]: "lapor" + injected})
    path = f"/sms/{channel}"
    headers = signed_headers(channel, path, form)
    environ = {}
    if into == "header":
        environ = {"HTTP_X_TWILIO_SIGNATURE": "abc" + injected, "HTTP_X_KANNEL_FROM": injected}
    if into == "path":
        path = f"/sms/{channel}{injected}"
    before = snapshot(services)
    response = client.post(path, data=form, headers=headers, environ_overrides=environ)
    check(services, response, before, INBOUND_OK | {404})
    names_out = {k.lower() for k in response.headers.keys()}
    assert {"set-cookie", "x-injected"} & names_out == set()
