"""A local stand-in for SMS providers, for the failure tests and the benchmarks.

It speaks two dialects on 127.0.0.1:
- Twilio's Messages API (`POST /2010-04-01/Accounts/<sid>/Messages.json`): every accepted
  request is one SMS to the phone, as with the real Twilio (no idempotency key);
- `POST /send` with `reference`, `to`, `body`: a provider that deduplicates on our reference,
  so a resend after a crash cannot reach the phone twice (`FakeSmsProvider` below is the
  gateway-side adapter; `register()` adds it to the provider registry of this process).

Faults are injected per request: answer N requests with an HTTP status, or answer late.
`latency` delays every send's answer, as a provider across the internet does (100-300 ms).
The Twilio dialect also lists what reached the phones (`GET .../Messages.json?To=...`), as
Twilio's Messages list does, so the gateway can ask what became of an uncertain send.
Run on its own with `python -m bench.fake_sms --port 9000 [--latency-ms 150]`; GET /stats
reports the counts.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import requests

from sms_gateway.telco.providers.base import (
    IncomingSms,
    InvalidRequest,
    OutgoingSms,
    Provider,
    SendResult,
    StatusReport,
    WebRequest,
    WebResponse,
)
from sms_gateway.telco.providers.errors import classify_http


@dataclass
class Fault:
    """What the next `count` requests get: an HTTP status, and/or an answer `delay` late.

    `accepted` says whether a late request still reaches the phone (the provider took it and
    only its answer was lost) or not (the provider never got to it).
    """

    count: int
    status: int = 200
    delay: float = 0.0
    accepted: bool = False


@dataclass
class FakeSms:
    """What reached the 'phones', in order, and every request that arrived."""

    delivered: list[tuple[str, str, str]] = field(default_factory=list)  # (ref, to, body)
    requests: int = 0
    repeats: int = 0  # idempotent dialect: a reference seen before
    faults: list[Fault] = field(default_factory=list)
    latency: float = 0.0  # seconds before every send is answered (after it is taken)
    url: str = ""
    _refs: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            refs = [d[0] for d in self.delivered]
            return {"requests": self.requests, "delivered": len(self.delivered),
                    "distinct": len(set(refs)), "repeats": self.repeats}

    def _fault(self) -> Fault | None:
        with self._lock:
            self.requests += 1
            if not self.faults:
                return None
            fault = self.faults[0]
            fault.count -= 1
            if fault.count <= 0:
                self.faults.pop(0)
            return fault

    def handle(self, path: str, form: dict[str, str]) -> tuple[int, str, str]:
        """Answer one request: (status, content type, body)."""
        fault = self._fault()
        failing = fault is not None and fault.status >= 300
        if fault is not None and fault.delay and not fault.accepted:
            time.sleep(fault.delay)
        if failing:
            assert fault is not None
            return fault.status, "application/json", json.dumps(
                {"code": 20500, "message": f"fake failure {fault.status}"})
        if path == "/send":
            status, ctype, body = self._idempotent(form)
        elif path.endswith("/Messages.json"):
            status, ctype, body = self._twilio(form)
        else:
            return 404, "text/plain", "no such endpoint"
        if fault is not None and fault.delay and fault.accepted:
            time.sleep(fault.delay)  # taken, but the answer comes too late
        if self.latency:
            time.sleep(self.latency)
        return status, ctype, body

    def list_twilio(self, query: dict[str, str]) -> tuple[int, str, str]:
        """Twilio's Messages list, filtered by `To` (one page; no date filter needed here)."""
        to = query.get("To", "")
        with self._lock:
            found = [d for d in self.delivered if not to or d[1] == to]
        messages = [{"sid": sid, "to": phone, "body": body, "status": "sent",
                     "account_sid": "AC" + "0" * 31 + "1"} for sid, phone, body in found]
        return 200, "application/json", json.dumps(
            {"messages": messages, "next_page_uri": None, "page": 0, "page_size": 1000,
             "uri": "/Messages.json", "first_page_uri": "/Messages.json"})

    def _twilio(self, form: dict[str, str]) -> tuple[int, str, str]:
        sid = "SM" + uuid.uuid4().hex
        with self._lock:
            self.delivered.append((sid, form.get("To", ""), form.get("Body", "")))
        return 201, "application/json", json.dumps(
            {"sid": sid, "status": "queued", "to": form.get("To"), "body": form.get("Body"),
             "account_sid": "AC" + "0" * 31 + "1"})

    def _idempotent(self, form: dict[str, str]) -> tuple[int, str, str]:
        ref = form.get("reference", "")
        if not ref:
            return 400, "text/plain", "missing reference"
        with self._lock:
            if ref in self._refs:
                self.repeats += 1
                return 200, "text/plain", f"OK {self._refs[ref]}"
            self._refs[ref] = message_id = "F" + uuid.uuid4().hex[:16]
            self.delivered.append((ref, form.get("to", ""), form.get("body", "")))
        return 200, "text/plain", f"OK {message_id}"


def _handler(fake: FakeSms) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes on a kept-alive connection: with Nagle's
        # algorithm the body waited for the client's delayed ACK, about 30 ms per send
        # that the benchmarks charged to the gateway (docs/performance.md).
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8", "replace")
            form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            self._answer(*fake.handle(self.path.split("?", 1)[0], form))

        def do_GET(self) -> None:  # noqa: N802
            path, _, query = self.path.partition("?")
            if path.endswith("/Messages.json"):
                self._answer(*fake.list_twilio(
                    {k: v[0] for k, v in parse_qs(query).items()}))
            elif self.path == "/stats":
                self._answer(200, "application/json", json.dumps(fake.stats()))
            else:
                self._answer(404, "text/plain", "no such endpoint")

        def _answer(self, status: int, ctype: str, body: str) -> None:
            data = body.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (a timeout): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    # The stdlib listens with a backlog of 5: a send pool opening 32 connections at once had
    # some of them reset, which a real provider's front end does not do.
    request_queue_size = 256

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client killed mid-request (the failure tests SIGKILL workers) resets its
        # connections: expected, not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class FakeSmsServer:
    """Serve a FakeSms on a free loopback port from a daemon thread."""

    def __init__(self, port: int = 0) -> None:
        self.fake = FakeSms()
        self.server = _Server(("127.0.0.1", port), _handler(self.fake))
        self.server.daemon_threads = True
        self.fake.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSms:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- the gateway side of the idempotent dialect --------------------------------------------
@dataclass(frozen=True)
class FakeSmsOptions:
    """Config keys of a `[channels.<name>]` table with provider = "fakesms"."""

    url: str = ""
    timeout_seconds: float = 5.0


@dataclass
class FakeSmsProvider(Provider):
    """Sends through `POST <url>/send`; the far end deduplicates on our reference."""

    name: str
    url: str
    timeout_seconds: float = 5.0
    provider: str = "fakesms"
    idempotent_send: bool = True
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def verify(self, request: WebRequest) -> bool:
        return False  # send-only channel: nothing comes in through it

    def parse_incoming(self, request: WebRequest) -> IncomingSms:
        raise InvalidRequest("send-only channel")

    def incoming_response(self) -> WebResponse:
        return WebResponse("")

    def parse_status(self, request: WebRequest) -> StatusReport:
        raise InvalidRequest("send-only channel")

    def send(self, sms: OutgoingSms) -> SendResult:
        try:
            resp = self.session.post(self.url.rstrip("/") + "/send", timeout=self.timeout_seconds,
                                     data={"reference": sms.reference, "to": sms.to,
                                           "body": sms.body})
        except requests.RequestException as exc:
            raise classify_http(None, type(exc).__name__) from None
        if resp.status_code != 200:
            raise classify_http(resp.status_code, resp.text[:200])
        return SendResult(resp.text.split()[-1])


def register() -> None:
    """Add the `fakesms` provider kind to this process's registry (tests and benchmarks)."""
    from sms_gateway.telco.providers import REGISTRY, ProviderKind

    def factory(name: str, o: FakeSmsOptions, adapter: object) -> FakeSmsProvider:
        return FakeSmsProvider(name, o.url, o.timeout_seconds)

    REGISTRY["fakesms"] = ProviderKind(FakeSmsOptions, factory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="answer every send this late, like a provider across the internet")
    args = parser.parse_args()
    server = FakeSmsServer(args.port)
    server.fake.latency = args.latency_ms / 1000
    print(f"fake SMS provider on {server.fake.url}", flush=True)
    server.server.serve_forever()


if __name__ == "__main__":
    main()
