"""HTTP to providers through one seam: a requests adapter that times and records every exchange.

Each provider gets a `requests.Session` from `make_session`; its adapter notes each request and
response (secrets and phone numbers masked) into the `recording()` active in this context, so the
send job can store them as channel logs. Tests pass their own inner adapter: nothing else is
patched, and an unmocked host is the fake adapter's error.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

MAX_BODY_CHARS = 4000
MASK = "***"
# Indonesian mobile numbers in E.164, bare or local form (also %-encoded "+"), as telcos send them.
PHONE_RE = re.compile(r"(?:\+|%2B)?(?:62|0)8\d{6,11}")
SENSITIVE_HEADERS = frozenset({"authorization", "x-kannel-password", "cookie",
                               "proxy-authorization", "x-twilio-signature"})


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request to or from a provider and its answer, safe to store and show."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None
    response_body: str
    elapsed_ms: int
    error: str | None = None


@dataclass
class Redactor:
    """Masks the channel's secrets (in every encoding they travel in) and phone numbers."""

    secrets: tuple[str, ...] = ()
    _variants: tuple[str, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        forms = {v for s in self.secrets if s for v in (s, quote(s, safe=""), quote_plus(s))}
        # Longest first, so a secret is not half-masked by a shorter one it contains.
        self._variants = tuple(sorted(forms, key=len, reverse=True))

    def text(self, value: str) -> str:
        for secret in self._variants:
            value = value.replace(secret, MASK)
        return PHONE_RE.sub(_mask_phone, value)

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {k: MASK if k.lower() in SENSITIVE_HEADERS else self.text(str(v))
                for k, v in headers.items()}


def _mask_phone(match: re.Match[str]) -> str:
    digits = match.group(0)
    return digits[:-8] + "*****" + digits[-3:]


_recording: ContextVar[list[Exchange] | None] = ContextVar("provider_exchanges", default=None)


@contextmanager
def recording() -> Iterator[list[Exchange]]:
    """Collect every provider exchange made in this context (thread or task)."""
    exchanges: list[Exchange] = []
    token = _recording.set(exchanges)
    try:
        yield exchanges
    finally:
        _recording.reset(token)


def note(exchange: Exchange) -> None:
    """Add one exchange to the active recording, if any (webhooks note their own)."""
    active = _recording.get()
    if active is not None:
        active.append(exchange)


def _body_text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        text = body.decode("utf-8", errors="replace")
    else:
        text = str(body)
    return text[:MAX_BODY_CHARS]


# Idle connections kept per host. requests keeps 10: a send pool of 32 threads (`[sms]
# send_concurrency`) then closed 22 connections after each burst and opened (TLS) them again.
POOL_MAXSIZE = 64


class RecordingAdapter(BaseAdapter):
    """Wraps the real adapter: times each request and notes a redacted Exchange."""

    def __init__(self, redactor: Redactor, inner: BaseAdapter | None = None) -> None:
        super().__init__()
        self.redactor = redactor
        self.inner = inner if inner is not None else HTTPAdapter(pool_maxsize=POOL_MAXSIZE)

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        started = time.monotonic()
        red = self.redactor
        method, url = request.method or "", red.text(request.url or "")
        headers = red.headers({k: v.decode("latin-1") if isinstance(v, bytes) else v
                               for k, v in request.headers.items()})
        body = red.text(_body_text(request.body))
        try:
            response = self.inner.send(request, *args, **kwargs)
        except Exception as exc:
            note(Exchange(method, url, headers, body, None, "",
                          int((time.monotonic() - started) * 1000),
                          red.text(f"{type(exc).__name__}: {exc}")[:500]))
            raise
        note(Exchange(method, url, headers, body, response.status_code,
                      red.text(_body_text(response.content)),
                      int((time.monotonic() - started) * 1000)))
        return response

    def close(self) -> None:
        self.inner.close()


def make_session(secrets: Iterable[str] = (), inner: BaseAdapter | None = None) -> requests.Session:
    """A session whose every request goes through a RecordingAdapter (over `inner` if given)."""
    session = requests.Session()
    session.trust_env = False  # no proxy or netrc surprises: the channel config says it all
    adapter = RecordingAdapter(Redactor(tuple(secrets)), inner)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
