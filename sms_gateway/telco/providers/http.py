"""A generic HTTP aggregator (Jasmin and the like): field names, method and answers are config.

Jasmin docs: https://docs.jasminsms.com/en/latest/apis/ja-http/index.html
A new aggregator needs a `[channels.<name>]` table with provider = "http", not code: `preset`
fills in an aggregator's usual names, and every key below overrides it.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from sms_gateway.telco.gsm import is_gsm7
from sms_gateway.telco.providers.base import (
    IncomingSms,
    InvalidRequest,
    OutgoingSms,
    Provider,
    SendResult,
    StatusReport,
    WebRequest,
    WebResponse,
    address_allowed,
    option_values,
    report_token,
    report_token_valid,
    storable,
)
from sms_gateway.telco.providers.errors import (
    SendError,
    SendErrorKind,
    classify_exception,
    classify_http,
)


@dataclass(frozen=True)
class HttpOptions:
    """Config keys of a `[channels.<name>]` table with provider = "http".

    Empty values fall back to the preset's, then to HttpAggregatorProvider's defaults. Field
    tables map our names onto the aggregator's: send_fields uses username, password, to, from,
    text, coding, dlr_url; incoming_fields id, from, to, text; status_fields id, status.
    """

    preset: str = ""  # "jasmin" fills in the rest (PRESETS)
    url: str = ""
    method: str = ""  # GET or POST
    username: str = ""
    password: str = ""  # env SMS_GATEWAY_CHANNEL_<NAME>_PASSWORD
    from_: str = ""  # TOML key "from"
    secret: str = ""  # inbound requests must carry it; env ..._SECRET
    allow_ips: tuple[str, ...] = ()
    send_fields: dict[str, str] = field(default_factory=dict)
    send_extra: dict[str, str] = field(default_factory=dict)
    success_pattern: str = ""  # regex on the answer; group "id" = message id
    throttled_pattern: str = ""  # on an error answer: throttled, retry later
    unicode: str = ""  # coding field value for UCS-2 texts
    gsm_coding: str = ""  # coding field value for GSM-7 texts
    incoming_fields: dict[str, str] = field(default_factory=dict)
    incoming_reply: str = ""
    status_fields: dict[str, str] = field(default_factory=dict)
    status_mapping: dict[str, str] = field(default_factory=dict)
    status_reply: str = ""
    timeout_seconds: float = 10.0


# Request forms and answers of the aggregators we know (overridable key by key).
PRESETS: dict[str, dict[str, Any]] = {
    "jasmin": {
        "method": "POST",
        "send_fields": {"username": "username", "password": "password", "to": "to",
                        "from": "from", "text": "content", "coding": "coding",
                        "dlr_url": "dlr-url"},
        "send_extra": {"dlr": "yes", "dlr-level": "3", "dlr-method": "POST"},
        "success_pattern": r'^Success "(?P<id>[^"]+)"',
        "throttled_pattern": r"throughput|throttl",
        "unicode": "8",
        "gsm_coding": "0",
        "incoming_fields": {"id": "id", "from": "from", "to": "to", "text": "content"},
        "incoming_reply": "ACK/Jasmin",
        "status_fields": {"id": "id", "status": "message_status"},
        "status_reply": "ACK/Jasmin",
    },
}

# The options a preset may fill in.
PRESET_KEYS = ("method", "send_fields", "send_extra", "success_pattern", "throttled_pattern",
               "unicode", "gsm_coding", "incoming_fields", "incoming_reply", "status_fields",
               "status_mapping", "status_reply")

# Aggregator delivery states (SMPP's stat values, which most of them forward) -> ours.
STATUS_MAPPING: dict[str, str] = {
    "ACCEPTD": "sent",
    "ENROUTE": "sent",
    "ESME_ROK": "sent",
    "DELIVRD": "delivered",
    "UNDELIV": "undelivered",
    "EXPIRED": "undelivered",
    "DELETED": "failed",
    "REJECTD": "failed",
    "UNKNOWN": "unknown",
}
DEFAULT_FIELDS = {"username": "username", "password": "password", "to": "to", "from": "from",
                  "text": "text", "dlr_url": "dlr_url", "id": "id", "status": "status"}


@dataclass
class HttpAggregatorProvider(Provider):
    """Its fields are HttpOptions' with the preset applied (see from_options), and a session."""

    name: str
    url: str = ""
    method: str = "POST"
    username: str = ""
    password: str = ""
    from_: str = ""
    secret: str = ""
    allow_ips: tuple[str, ...] = ()
    send_fields: Mapping[str, str] = field(default_factory=dict)
    send_extra: Mapping[str, str] = field(default_factory=dict)
    success_pattern: str = r"^(?i:ok|success)\b\W*(?P<id>[\w.:-]+)?"
    throttled_pattern: str = ""
    unicode: str = ""
    gsm_coding: str = ""
    incoming_fields: Mapping[str, str] = field(default_factory=dict)
    incoming_reply: str = "OK"
    status_fields: Mapping[str, str] = field(default_factory=dict)
    status_mapping: Mapping[str, str] = field(default_factory=dict)
    status_reply: str = ""
    timeout_seconds: float = 10.0
    session: requests.Session = field(default_factory=requests.Session, repr=False)
    provider: str = "http"
    idempotent_send: bool = False
    # Undecodable bytes reach parse_incoming as surrogate escapes (see telco/webhooks.py).
    accepts_raw_bytes: bool = True

    @classmethod
    def from_options(cls, name: str, options: HttpOptions,
                     session: requests.Session) -> HttpAggregatorProvider:
        """The adapter of one channel: configured values win over the preset's."""
        if options.preset and options.preset not in PRESETS:
            raise ValueError(f"channels.{name}.preset: unknown preset {options.preset!r}")
        base = PRESETS.get(options.preset, {})
        values = option_values(options)
        del values["preset"]
        for key in PRESET_KEYS:
            if not values[key]:  # empty: the preset's value, else the adapter's own default
                if key in base:
                    values[key] = base[key]
                else:
                    del values[key]
        return cls(name, **values, session=session)

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.password, self.secret) if s)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        if self.method not in ("GET", "POST"):
            raise ValueError(f"channel {self.name}: method must be GET or POST")
        self._success = re.compile(self.success_pattern)
        self._throttled = re.compile(self.throttled_pattern, re.I) if self.throttled_pattern \
            else None
        self._statuses = {**STATUS_MAPPING, **{k.upper(): v for k, v in
                                               self.status_mapping.items()}}

    def _name(self, table: Mapping[str, str], ours: str) -> str:
        return table.get(ours) or DEFAULT_FIELDS.get(ours, ours)

    # -- receive -------------------------------------------------------------
    def parse_incoming(self, request: WebRequest) -> IncomingSms:
        f = {k: self._name(self.incoming_fields, k) for k in ("id", "from", "to", "text")}
        form = request.form
        for ours in ("id", "from", "text"):
            theirs = f[ours]
            if theirs not in form or (ours != "text" and not form[theirs].strip()):
                raise InvalidRequest(f"missing field {theirs}")
        clean = storable({k: v for k, v in form.items() if k != "secret"})
        return IncomingSms(clean[f["id"]].strip(), clean[f["from"]].strip(),
                           clean.get(f["to"], "").strip(), clean[f["text"]], clean)

    def incoming_response(self) -> WebResponse:
        return WebResponse(self.incoming_reply, 200)

    # -- status --------------------------------------------------------------
    def parse_status(self, request: WebRequest) -> StatusReport:
        id_name = self._name(self.status_fields, "id")
        status_name = self._name(self.status_fields, "status")
        message_id = request.form.get(id_name, "").strip()
        if not message_id:
            raise InvalidRequest(f"missing field {id_name}")
        raw_status = request.form.get(status_name, "").strip()
        status = self._statuses.get(raw_status.upper())
        if status is None:
            raise InvalidRequest(f"unknown {status_name} {raw_status!r}")
        error = raw_status if status in ("undelivered", "failed") else None
        return StatusReport(message_id, status, error,
                            {k: v for k, v in request.form.items() if k not in ("secret", "sig")})

    def status_response(self) -> WebResponse:
        """Aggregators like Jasmin retry a report until they read their exact ACK."""
        return WebResponse(self.status_reply or self.incoming_reply, 200)

    # -- send ----------------------------------------------------------------
    def _params(self, sms: OutgoingSms) -> dict[str, str]:
        n = {k: self._name(self.send_fields, k) for k in
             ("username", "password", "to", "from", "text", "coding", "dlr_url")}
        params = {n["username"]: self.username, n["password"]: self.password,
                  n["to"]: sms.to, n["text"]: sms.body}
        if self.from_:
            params[n["from"]] = self.from_
        coding = self.gsm_coding if is_gsm7(sms.body) else self.unicode
        if coding:
            params[n["coding"]] = coding
        if sms.status_callback_url and "dlr_url" in self.send_fields:
            params[n["dlr_url"]] = self._dlr_url(sms.status_callback_url, sms.reference)
        params.update(self.send_extra)
        return params

    def _dlr_url(self, base: str, reference: str) -> str:
        """The report URL: with a token for this message when the channel has a secret.

        Jasmin posts its reports to exactly this URL and adds no secret of its own.
        """
        if not self.secret:
            return base
        query = urlencode({"ref": reference, "sig": report_token(self.secret, self.name,
                                                                  reference)})
        return f"{base}{'&' if '?' in base else '?'}{query}"

    def send(self, sms: OutgoingSms) -> SendResult:
        if not self.url:
            raise SendError(SendErrorKind.CONFIG, f"channel {self.name}: url not set")
        if not sms.body:
            raise SendError(SendErrorKind.REJECTED, "empty SMS body")
        params = self._params(sms)
        try:
            if self.method == "GET":
                resp = self.session.get(self.url, params=params, timeout=self.timeout_seconds)
            else:
                resp = self.session.post(self.url, data=params, timeout=self.timeout_seconds)
        except requests.RequestException as exc:
            raise classify_exception(exc) from None
        answer = resp.text.strip()
        if self._throttled is not None and resp.status_code != 200 \
                and self._throttled.search(answer):
            raise SendError(SendErrorKind.THROTTLED, answer[:200], status=resp.status_code)
        if resp.status_code >= 300:
            raise classify_http(resp.status_code, f"HTTP {resp.status_code}: {answer}"[:300])
        match = self._success.search(answer)
        if match is None:
            raise SendError(SendErrorKind.PROVIDER, f"answer {answer[:200]!r}",
                            status=resp.status_code)
        message_id = (match.groupdict().get("id") or "").strip()
        return SendResult(message_id or sms.reference, "sent")

    # -- signature -----------------------------------------------------------
    def verify(self, request: WebRequest) -> bool:
        if not (self.secret or self.allow_ips):
            return False
        if self.allow_ips and not address_allowed(request.remote_addr, self.allow_ips):
            return False
        if not self.secret:
            return True
        if report_token_valid(request, self.secret, self.name):
            return True
        given = request.form.get("secret", "")
        return hmac.compare_digest(given.encode("utf-8", "surrogateescape"),
                                   self.secret.encode("utf-8"))
