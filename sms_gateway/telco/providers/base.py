"""What every provider adapter offers: decode webhooks, check signatures, send SMS."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sms_gateway.config import ConfigError, build_section


class CannotReconcile(RuntimeError):
    """The provider offers no way to ask what became of a send (see Provider.reconcile)."""


class InvalidRequest(ValueError):
    """A webhook request that cannot be decoded; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class WebRequest:
    """The parts of an HTTP request an adapter needs, free of any web framework."""

    method: str
    url: str  # the URL the provider called, as it saw it (public URL + path + query)
    headers: Mapping[str, str]
    form: Mapping[str, str]  # decoded form or query fields (first value of each)
    body: bytes = b""
    remote_addr: str = ""
    # the form-encoded body's fields alone: what Twilio signs besides the URL (whose query
    # string is part of the URL it signs, not of these)
    posted: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IncomingSms:
    """One inbound SMS as the provider described it."""

    provider_message_id: str
    sender: str
    recipient: str
    text: str
    raw: Mapping[str, str]
    received_at: datetime | None = None
    # Concatenation info when the provider delivers parts: (reference, part, total).
    part: tuple[str, int, int] | None = None


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A delivery report: which message and what status, in our vocabulary."""

    provider_message_id: str
    status: str  # one of models.OUTBOUND_RANK
    error: str | None = None
    raw: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    """One SMS to send."""

    to: str  # E.164
    body: str
    reference: str  # our stable id for this SMS, e.g. "out-42"
    status_callback_url: str | None = None


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the provider said when it accepted an SMS."""

    provider_message_id: str
    status: str = "sent"


@dataclass(frozen=True, slots=True)
class WebResponse:
    """What a webhook answers the provider."""

    body: str
    status: int = 200
    content_type: str = "text/plain; charset=utf-8"


class Provider(Protocol):
    """One configured channel through one provider (Twilio, Kannel, ...).

    Adapters subclass it explicitly, so the optional members below keep their defaults
    unless the adapter overrides them.
    """

    name: str  # the channel name, used in URLs: /sms/<name>
    provider: str  # the provider kind: "twilio", "console", ...
    # True when a resend with the same reference cannot reach the phone twice.
    idempotent_send: bool = False
    # True when form values may carry undecodable bytes as surrogate escapes (Kannel's %b);
    # otherwise the webhook refuses such a request with 400.
    accepts_raw_bytes: bool = False

    def secrets(self) -> tuple[str, ...]:
        """The channel's passwords and shared secrets, masked in every channel log."""
        return ()

    def status_response(self) -> WebResponse:
        """The answer to a stored delivery report (Jasmin retries until it reads its ACK)."""
        return WebResponse("", 204)

    # True when `reconcile` can ask the provider what became of a send whose answer was lost
    # (telco/uncertain.py); otherwise `[sms] on_uncertain` decides.
    can_reconcile: bool = False

    def reconcile(self, to: str, body: str, since: datetime,
                  known_ids: frozenset[str]) -> SendResult | None:
        """The SMS the provider took for this number and text since then (not one of
        `known_ids`), or None when it never got it; raises when it cannot be asked now."""
        raise CannotReconcile(f"{self.provider} cannot be asked what it sent")

    def verify(self, request: WebRequest) -> bool:
        """True when the request really comes from this channel's provider."""
        ...

    def parse_incoming(self, request: WebRequest) -> IncomingSms:
        """Decode an inbound SMS webhook, or raise InvalidRequest."""
        ...

    def incoming_response(self) -> WebResponse:
        """What the provider expects back once the SMS is stored."""
        ...

    def parse_status(self, request: WebRequest) -> StatusReport:
        """Decode a delivery report, or raise InvalidRequest."""
        ...

    def send(self, sms: OutgoingSms) -> SendResult:
        """Send one SMS, or raise providers.errors.SendError."""
        ...


Options = TypeVar("Options")


def parse_options(cls: type[Options], channel: str, provider: str, table: Mapping[str, Any],
                  aliases: Mapping[str, str] | None = None) -> Options:
    """A provider's options dataclass from its channel table; unknown key: a ConfigError."""
    aliases = aliases or {}
    names = {f.name.rstrip("_") for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    # An aliased option is written under its alias only (twilio: username, not account_sid).
    accepted = {n for n in names if n not in aliases.values()} | set(aliases)
    unknown = sorted(set(table) - accepted)
    if unknown:
        raise ConfigError(f"unknown configuration key channels.{channel}.{unknown[0]} for "
                          f"provider {provider} (its keys: {', '.join(sorted(accepted))}; "
                          f"every channel: provider, rate_limit, burst, send_concurrency)")
    data = {aliases.get(k, k): v for k, v in table.items()}
    return build_section(cls, data, f"channels.{channel}")  # type: ignore[no-any-return]


def option_values(options: Any) -> dict[str, Any]:
    """An options dataclass as keyword arguments for its adapter's constructor."""
    return {f.name: getattr(options, f.name) for f in dataclasses.fields(options)}


def report_token(secret: str, channel: str, reference: str) -> str:
    """The token a delivery-report URL carries instead of the channel's secret.

    Bound to one message of one channel and good for its reports only: the URL may show up
    in the provider's and proxies' logs, the shared secret must not.
    """
    import hashlib
    import hmac

    message = f"dlr\x00{channel}\x00{reference}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def report_token_valid(request: WebRequest, secret: str, channel: str) -> bool:
    """True for a delivery report whose URL carries the right token for its `ref` field."""
    import hmac
    from urllib.parse import urlsplit

    ref, token = request.form.get("ref", ""), request.form.get("sig", "")
    if not (ref and token and urlsplit(request.url).path.endswith("/status")):
        return False
    return hmac.compare_digest(token.encode("utf-8", "surrogateescape"),
                               report_token(secret, channel, ref).encode())


def address_allowed(address: str, allowed: tuple[str, ...]) -> bool:
    """True when `address` is inside one of the allowed addresses or CIDR networks."""
    import ipaddress

    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


_RAW_BYTE = re.compile("[\udc80-\udcff]")


def has_raw_bytes(value: str) -> bool:
    """True when a field carries undecodable bytes as surrogate escapes."""
    return _RAW_BYTE.search(value) is not None  # a character loop cost 10 us per webhook


def storable(fields: Mapping[str, str]) -> dict[str, str]:
    """Fields safe to store: undecodable bytes become U+FFFD and are kept in `<key>_hex`."""
    out: dict[str, str] = {}
    for key, value in fields.items():
        if has_raw_bytes(value):
            raw = value.encode("utf-8", "surrogateescape")
            out[key] = raw.decode("utf-8", errors="replace")
            out[f"{key}_hex"] = raw.hex()
        else:
            out[key] = value
    return out
