"""The `console` provider: SMS are stored and logged, never sent. The embedded default."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

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

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class ConsoleOptions:
    """Config keys: none (a `[channels.<name>]` table with provider = "console")."""


# Request form (for `simulate` and local testing): From, Body, MessageId.
STATUS_MAPPING: dict[str, str] = {"delivered": "delivered", "failed": "failed"}


@dataclass
class ConsoleProvider(Provider):
    """Keeps what it 'sends' in memory (for simulate and tests) and logs a masked line."""

    name: str = "console"
    provider: str = "console"
    idempotent_send: bool = True
    sent: deque[OutgoingSms] = field(default_factory=lambda: deque(maxlen=1000))

    def verify(self, request: WebRequest) -> bool:
        # Only loopback callers may inject messages through the console channel.
        return request.remote_addr in {"127.0.0.1", "::1", ""}

    def parse_incoming(self, request: WebRequest) -> IncomingSms:
        for key in ("From", "Body", "MessageId"):
            if not request.form.get(key):
                raise InvalidRequest(f"missing field {key}")
        return IncomingSms(request.form["MessageId"], request.form["From"],
                           request.form.get("To", "1708"), request.form["Body"],
                           dict(request.form))

    def incoming_response(self) -> WebResponse:
        return WebResponse("OK")

    def parse_status(self, request: WebRequest) -> StatusReport:
        status = STATUS_MAPPING.get(request.form.get("Status", ""))
        if not request.form.get("MessageId") or status is None:
            raise InvalidRequest("need MessageId and a known Status")
        return StatusReport(request.form["MessageId"], status)

    def send(self, sms: OutgoingSms) -> SendResult:
        if any(s.reference == sms.reference for s in self.sent):
            return SendResult(f"console-{sms.reference}")
        self.sent.append(sms)
        log.info("console SMS %s (%d chars): %s", sms.reference, len(sms.body), sms.body)
        return SendResult(f"console-{sms.reference}")
