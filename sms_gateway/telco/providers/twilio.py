"""Twilio: inbound webhooks, status callbacks, and sends through the Messages REST API.

Docs: https://www.twilio.com/docs/messaging/guides/webhook-request
      https://www.twilio.com/docs/usage/webhooks/webhooks-security
      https://www.twilio.com/docs/messaging/api/message-resource
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse, urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator, add_port, compare, remove_port
from twilio.rest import Client

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
from sms_gateway.telco.providers.errors import (
    SendError,
    SendErrorKind,
    classify_exception,
    classify_http,
)

DEFAULT_API_BASE_URL = "https://api.twilio.com"


@dataclass(frozen=True)
class TwilioOptions:
    """Config keys: the `[twilio]` section (and its TWILIO_* environment variables), or a
    `[channels.<name>]` table with provider = "twilio" under the names of CHANNEL_KEYS."""

    account_sid: str = ""
    auth_token: str = ""
    from_: str = ""  # TOML key "from": number, short code or Messaging Service SID (MG...)
    api_base_url: str = DEFAULT_API_BASE_URL
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        if not self.api_base_url:  # a channel table's empty url means Twilio itself
            object.__setattr__(self, "api_base_url", DEFAULT_API_BASE_URL)


# A channel table's generic key -> the option it sets.
CHANNEL_KEYS = {"url": "api_base_url", "username": "account_sid", "password": "auth_token"}

# Request forms: inbound carries MessageSid, From, To, Body (plus NumSegments, ...);
# status callbacks carry MessageSid and MessageStatus (plus ErrorCode).
INCOMING_REQUIRED = ("MessageSid", "From", "Body")

STATUS_MAPPING: dict[str, str] = {
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


class _RebasedHttpClient(TwilioHttpClient):
    """The SDK's own HTTP client, sending every Twilio domain to one base URL (mocks, tests)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        parts = urlsplit(base_url)
        self._scheme, self._netloc = parts.scheme, parts.netloc
        self._prefix = parts.path.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        url = urlunsplit((self._scheme, self._netloc, self._prefix + parts.path,
                          parts.query, parts.fragment))
        return super().request(method, url, *args, **kwargs)


@dataclass
class TwilioProvider(Provider):
    options: TwilioOptions = field(default_factory=TwilioOptions)
    name: str = "twilio"
    provider: str = "twilio"
    idempotent_send: bool = False
    can_reconcile: bool = True  # its Messages list can be asked (reconcile)
    # The requests session the SDK's HTTP client uses: the channel-log and test seam.
    http_session: requests.Session | None = None

    def __post_init__(self) -> None:
        token = self.options.auth_token
        self._validator = RequestValidator(token) if token else None
        self._client: Client | None = None

    def secrets(self) -> tuple[str, ...]:
        return (self.options.auth_token,) if self.options.auth_token else ()

    # -- receive -------------------------------------------------------------
    def parse_incoming(self, request: WebRequest) -> IncomingSms:
        form = _signed_fields(request)
        for key in INCOMING_REQUIRED:
            if key not in form or (key != "Body" and not form[key].strip()):
                raise InvalidRequest(f"missing field {key}")
        return IncomingSms(form["MessageSid"].strip(), form["From"].strip(),
                           form.get("To", "").strip(), form["Body"], dict(form))

    def incoming_response(self) -> WebResponse:
        return WebResponse(EMPTY_TWIML, 200, "text/xml; charset=utf-8")

    # -- status --------------------------------------------------------------
    def parse_status(self, request: WebRequest) -> StatusReport:
        form = _signed_fields(request)
        sid = form.get("MessageSid", "").strip()
        raw_status = form.get("MessageStatus", form.get("SmsStatus", ""))
        if not sid:
            raise InvalidRequest("missing field MessageSid")
        status = STATUS_MAPPING.get(raw_status.strip().lower())
        if status is None:
            raise InvalidRequest(f"unknown MessageStatus {raw_status!r}")
        return StatusReport(sid, status, form.get("ErrorCode") or None, dict(form))

    # -- send ----------------------------------------------------------------
    def _rest(self) -> Client:
        o = self.options
        if self._client is None:
            http = None
            if o.api_base_url.rstrip("/") != DEFAULT_API_BASE_URL:
                http = _RebasedHttpClient(o.api_base_url, o.timeout_seconds)
            else:
                http = TwilioHttpClient(timeout=o.timeout_seconds)
            http.logger.setLevel(logging.WARNING)  # its INFO lines would log phone numbers
            if self.http_session is not None:
                http.session = self.http_session
            self._client = Client(o.account_sid, o.auth_token, http_client=http)
        return self._client

    def send(self, sms: OutgoingSms) -> SendResult:
        o = self.options
        if not (o.account_sid and o.auth_token and o.from_):
            raise SendError(SendErrorKind.CONFIG, "twilio account_sid/auth_token/from not set")
        params: dict[str, Any] = {"to": sms.to, "body": sms.body}
        if o.from_.startswith("MG"):
            params["messaging_service_sid"] = o.from_
        else:
            params["from_"] = o.from_
        if sms.status_callback_url:
            params["status_callback"] = sms.status_callback_url
        try:
            message = self._rest().messages.create(**params)
        except TwilioRestException as exc:
            raise classify_http(exc.status, f"twilio error {exc.code}: {exc.msg}") from None
        except requests.RequestException as exc:
            raise classify_exception(exc) from None
        except TwilioException as exc:
            raise SendError(SendErrorKind.PROVIDER, str(exc)) from None
        if not message.sid:
            raise SendError(SendErrorKind.PROVIDER, "Twilio accepted the request without a sid")
        if message.status in ("failed", "undelivered"):
            raise SendError(SendErrorKind.PROVIDER,
                            f"twilio status {message.status}: {message.error_code}")
        return SendResult(message.sid, STATUS_MAPPING.get(message.status or "", "sent"))

    def reconcile(self, to: str, body: str, since: datetime,
                  known_ids: frozenset[str]) -> SendResult | None:
        """The message Twilio took for this number and text since then, if any (a send whose
        answer was lost); None when it has none. Messages list, filtered by To and DateSent:
        https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources
        """
        try:
            found = self._rest().messages.list(to=to, date_sent_after=since, limit=200)
        except TwilioRestException as exc:
            raise classify_http(exc.status, f"twilio error {exc.code}: {exc.msg}") from None
        except requests.RequestException as exc:
            raise classify_exception(exc) from None
        for message in found:
            if message.body == body and message.sid and message.sid not in known_ids:
                return SendResult(message.sid, STATUS_MAPPING.get(message.status or "", "sent"))
        return None

    # -- signature -----------------------------------------------------------
    def verify(self, request: WebRequest) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or self._validator is None:
            return False
        # RequestValidator.validate, which signs the URL without and with its port (Twilio
        # signs either) and always computes both; here the second only when the first fails.
        # the body's fields only: a query string in the webhook URL is signed as part of it
        params = _Params(request.posted)
        return any(compare(self._validator.compute_signature(uri, params), signature)
                   for uri in _signed_urls(request.url))


def _signed_fields(request: WebRequest) -> Mapping[str, str]:
    """The fields Twilio sent: a POST's body alone. Its signature glues the URL (query and
    all) to the body's sorted fields with no separator, so fields read from a POST's query
    could be cut from the signed body by whoever holds one signed request (a review found it);
    Twilio never puts them there. A GET's fields are its query, signed as part of the URL."""
    return request.posted if request.method == "POST" else request.form


@lru_cache(maxsize=256)
def _signed_urls(url: str) -> tuple[str, str]:
    """The URL without and with its port, as RequestValidator.validate signs it; a channel's
    webhooks all come to one or a few URLs, so each is parsed once."""
    parsed = urlparse(url)
    return remove_port(parsed), add_port(parsed)


class _Params(dict[str, str]):
    """Form fields for RequestValidator.compute_signature: with getall(), as Flask's MultiDict,
    it takes each value without trying (and failing) getall and getlist first."""

    def getall(self, key: str) -> list[str]:
        return [self[key]]
