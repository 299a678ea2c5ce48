"""One harness for every provider's tables: webhooks in through the real Flask app, sends out
through the real send job, with HTTP answered by a fake requests adapter.

The fake adapter fails the test on a request to a host it has no mock for, and the
`no_secret_leaks` fixture fails it when a secret shows up in a log record or a channel log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from sqlalchemy import select

from sms_gateway.complaints.outbox import queue_sms
from sms_gateway.services import Services
from sms_gateway.store.channels import ChannelLog
from sms_gateway.store.models import Citizen, InboundMessage, OutboundMessage
from sms_gateway.telco.providers.errors import SendError

PUBLIC_URL = "https://gw.example.id"
PHONE = "+6281234567890"


class UnmockedRequest(AssertionError):
    """A provider called a host the test did not expect."""


@dataclass(frozen=True)
class Reply:
    """What the fake provider answers: a status and body, or an exception to raise."""

    status: int = 200
    body: str = ""
    raises: Callable[[str], BaseException] | None = None


def refused(message: str) -> requests.ConnectionError:
    """What requests raises when nothing listens: the request never left this machine."""
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    return requests.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, message)))  # type: ignore[arg-type]


@dataclass
class FakeAdapter(BaseAdapter):
    """Answers requests to known hosts from a script of replies; refuses every other host."""

    hosts: frozenset[str]
    replies: list[Reply] = field(default_factory=list)
    requests: list[requests.PreparedRequest] = field(default_factory=list)
    unmocked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        host = urlsplit(request.url or "").netloc
        if host not in self.hosts:
            self.unmocked.append(request.url or "")
            raise UnmockedRequest(f"request to unmocked host {host!r}")
        self.requests.append(request)
        reply = self.replies.pop(0) if self.replies else Reply(599, "no reply scripted")
        if reply.raises is not None:
            raise reply.raises("scripted failure")
        response = requests.Response()
        response.status_code = reply.status
        response._content = reply.body.encode("utf-8")
        response.encoding = "utf-8"
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


# -- cases -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class IncomingCase:
    """An inbound webhook call and what must come of it."""

    label: str
    fields: Mapping[str, str] = field(default_factory=dict)
    raw_query: str | None = None  # sent as-is (raw %-escapes), instead of `fields` in the URL
    body: bytes | None = None
    content_type: str = "application/x-www-form-urlencoded"
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str = "POST"
    signed: bool = True
    remote_addr: str = "127.0.0.1"
    status: int = 200
    text: str | None = None  # the stored text; None: nothing stored
    reply: str | None = None  # the exact body the provider must read back


@dataclass(frozen=True)
class StatusCase:
    """A delivery report for a sent SMS (provider id `sent_id`) and the status it leaves."""

    label: str
    fields: Mapping[str, str] = field(default_factory=dict)
    method: str = "POST"
    signed: bool = True
    http_status: int = 200
    status: str = "sent"  # the outbound message's status afterwards
    sent_id: str = "out-1"


@dataclass(frozen=True)
class OutgoingCase:
    """One send: the provider's scripted replies and the outcome on the outbound row."""

    label: str
    replies: tuple[Reply, ...] = ()
    body: str = "Laporan diterima. Nomor tiket #1234567."
    status: str = "sent"
    error_kind: str | None = None  # SendErrorKind label recorded in last_error
    provider_id: str | None = None
    request_has: Mapping[str, str] = field(default_factory=dict)  # field or header -> value


@dataclass(frozen=True)
class Variant:
    """One way a provider is configured and called (second parametrize axis)."""

    label: str
    channel: str
    sign: Callable[[str, dict[str, str], dict[str, str]], str]  # (url, form, headers) -> url
    secrets: tuple[str, ...]
    send_host: str
    status_fields: Callable[[str], dict[str, str]] = lambda _id: {}


def label(case: Any) -> str:
    return str(case.label)


# -- running cases ---------------------------------------------------------------------------
def run_incoming(client: Any, services: Services, variant: Variant,
                 case: IncomingCase) -> tuple[int, str | None, str | None]:
    """Call /sms/<channel>; returns (HTTP status, stored text, answer body if checked)."""
    from urllib.parse import urlencode

    path = f"/sms/{variant.channel}"
    form = dict(case.fields)
    headers = dict(case.headers)
    query = case.raw_query if case.raw_query is not None else (
        urlencode(form) if case.method == "GET" else "")
    url = f"{PUBLIC_URL}{path}" + (f"?{query}" if query else "")
    if case.signed:
        before = set(form)
        url = variant.sign(url, form, headers)
        added = {k: form[k] for k in set(form) - before}
        if added and (case.method == "GET" or case.body is not None):
            url += ("&" if "?" in url else "?") + urlencode(added)
    full = url[len(PUBLIC_URL):]
    data: Any = case.body if case.body is not None else (
        form if case.method == "POST" else None)
    resp = client.open(full, method=case.method, data=data, headers=headers,
                       content_type=case.content_type if case.method == "POST" else None,
                       environ_base={"REMOTE_ADDR": case.remote_addr})
    with services.sessions() as session:
        stored = session.execute(select(InboundMessage.text).where(
            InboundMessage.channel == variant.channel)).scalars().first()
    answer = resp.get_data(as_text=True) if case.reply is not None else None
    return resp.status_code, stored, answer


def queue_outbound(services: Services, channel: str, body: str) -> int:
    with services.sessions.begin() as session:
        citizen = session.execute(select(Citizen)).scalars().first()
        if citizen is None:
            citizen = Citizen(phone_hash=services.vault.digest(PHONE),
                              phone_enc=services.vault.encrypt(PHONE), phone_masked="+62***")
            session.add(citizen)
            session.flush()
        n = session.execute(select(OutboundMessage.id)).scalars().all()
        row = queue_sms(services, session, citizen, purpose="test", dedupe_key=f"t:{len(n)}",
                        body=body, channel=channel)
        assert row is not None
        return int(row.id)


def run_outgoing(services: Services, adapter: FakeAdapter, variant: Variant,
                 case: OutgoingCase) -> OutboundMessage:
    from sms_gateway.jobs.outbound import send_sms

    adapter.replies[:] = list(case.replies)
    out_id = queue_outbound(services, variant.channel, case.body)
    try:
        send_sms(out_id)
    except SendError:
        pass  # retryable: the queue would run the job again
    with services.sessions() as session:
        row = session.get(OutboundMessage, out_id)
        assert row is not None
        return row


def request_values(request: requests.PreparedRequest) -> dict[str, str]:
    """Every header, query and form field of a request, for `request_has` checks."""
    from urllib.parse import parse_qsl

    values = {k: v for k, v in request.headers.items()}
    values.update(parse_qsl(urlsplit(request.url or "").query))
    body = request.body
    if isinstance(body, str):
        body = body.encode()
    ctype = request.headers.get("Content-Type", "")
    if body and "x-www-form-urlencoded" in ctype:
        values.update(parse_qsl(body.decode()))
    elif body:
        charset = ctype.split("charset=")[-1] if "charset=" in ctype else "utf-8"
        values["<body>"] = body.decode(charset)
    return values


def mark_sent(services: Services, channel: str, provider_id: str) -> int:
    out_id = queue_outbound(services, channel, "Halo")
    with services.sessions.begin() as session:
        row = session.get(OutboundMessage, out_id)
        assert row is not None
        row.status, row.provider_message_id, row.channel = "sent", provider_id, channel
    return out_id


def run_status(client: Any, services: Services, variant: Variant,
               case: StatusCase) -> tuple[int, str]:
    from urllib.parse import urlencode

    out_id = mark_sent(services, variant.channel, case.sent_id)
    form = dict(case.fields)
    headers: dict[str, str] = {}
    path = f"/sms/{variant.channel}/status"
    query = urlencode(form) if case.method == "GET" else ""
    url = f"{PUBLIC_URL}{path}" + (f"?{query}" if query else "")
    if case.signed:
        url = variant.sign(url, form if case.method == "POST" else {}, headers)
    resp = client.open(url[len(PUBLIC_URL):], method=case.method,
                       data=form if case.method == "POST" else None, headers=headers)
    with services.sessions() as session:
        row = session.get(OutboundMessage, out_id)
        assert row is not None
        return resp.status_code, row.status


def stored_logs(services: Services) -> list[str]:
    """Every channel log as one string each (for secret checks)."""
    with services.sessions() as session:
        rows = session.execute(select(ChannelLog)).scalars().all()
        return [f"{r.url} {r.request_headers} {r.request_body} {r.response_body} {r.error}"
                for r in rows]
