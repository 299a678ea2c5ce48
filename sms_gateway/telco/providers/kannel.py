"""Kannel: inbound through an sms-service get-url/post-url, sends through /cgi-bin/sendsms.

Docs: https://www.kannel.org/download/1.4.5/userguide-1.4.5/userguide.html
      (sms-service escape codes, "Sending SMS" and "Delivery reports")
Kannel cannot sign requests, so inbound is authenticated by a shared secret (in the URL's user
info or a `secret` field) and/or a source-address allow-list.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
class KannelOptions:
    """Config keys of a `[channels.<name>]` table with provider = "kannel"."""

    url: str = ""  # the sendsms URL, e.g. http://127.0.0.1:13013/cgi-bin/sendsms
    username: str = ""  # sendsms-user
    password: str = ""  # env SMS_GATEWAY_CHANNEL_<NAME>_PASSWORD
    from_: str = ""  # TOML key "from": sender id or short code
    secret: str = ""  # inbound requests must carry it; env ..._SECRET
    allow_ips: tuple[str, ...] = ()  # addresses/CIDRs allowed to call our webhooks
    dlr_mask: int = 31  # 1 delivered, 2 failed, 4 queued, 8 accepted, 16 rejected
    smsc: str = ""  # route through this smsc-id only
    status_url: str = ""  # delivery report base URL when server.public_url does not fit
    timeout_seconds: float = 10.0


# Request forms. The post-url we document (docs/providers.md), the secret as basic auth:
#   https://kannel:S@host/sms/<channel>?id=%I&coding=%c&charset=%C&udh=%u&time=%T
# sends the text as the body and the rest as X-Kannel-* headers. The older get-url
#   .../sms/<channel>?secret=S&id=%I&from=%p&to=%P&text=%b&coding=%c&charset=%C&udh=%u&time=%T
# still works, but puts the secret and the SMS in proxies' access logs.
INCOMING_REQUIRED = ("id", "from", "text")
POST_HEADERS = {"id": "X-Kannel-ID", "from": "X-Kannel-From", "to": "X-Kannel-To",
                "time": "X-Kannel-Time", "coding": "X-Kannel-Coding", "udh": "X-Kannel-UDH"}

# dlr-url type (%d) -> our forward-only status. 4 and 8 mean "on its way" (queued on or
# accepted by the SMSC); 2 is the phone never got it; 16 is the SMSC refusing it.
STATUS_MAPPING: dict[str, str] = {
    "1": "delivered",
    "2": "undelivered",
    "4": "sent",
    "8": "sent",
    "16": "failed",
}
# The sendsms answers that mean Kannel took the SMS ("0: Accepted for delivery",
# "3: Queued for later delivery" when no SMSC is connected).
ACCEPTED_PREFIXES = ("0:", "3:")


def _field_bytes(value: str) -> bytes:
    """The bytes Kannel sent: webhooks keep undecodable bytes as surrogate escapes."""
    return value.encode("utf-8", errors="surrogateescape")


def decode_text(raw: bytes, coding: str, charset: str) -> str:
    """Kannel's %b bytes as text: UCS-2 when Kannel says so, else UTF-8 with U+FFFD for junk."""
    charset = charset.strip().upper()
    if coding == "2" or charset in ("UTF-16BE", "UCS-2", "UTF-16"):
        return raw.decode("utf-16-be", errors="replace")
    if charset in ("ISO-8859-1", "LATIN1", "WINDOWS-1252"):
        return raw.decode("cp1252" if charset == "WINDOWS-1252" else "latin-1",
                          errors="replace")
    return raw.decode("utf-8", errors="replace")


def concat_info(udh: bytes) -> tuple[str, int, int] | None:
    """(reference, part, total) from a UDH's concatenation element (IEI 0x00 or 0x08)."""
    if len(udh) < 2 or udh[0] + 1 > len(udh):
        return None
    pos, end = 1, udh[0] + 1
    while pos + 2 <= end:
        iei, length = udh[pos], udh[pos + 1]
        data = udh[pos + 2: pos + 2 + length]
        if iei == 0x00 and length == 3 and len(data) == 3:
            return (str(data[0]), data[2], data[1])
        if iei == 0x08 and length == 4 and len(data) == 4:
            return (str(data[0] << 8 | data[1]), data[3], data[2])
        pos += 2 + length
    return None


@dataclass
class KannelProvider(Provider):
    """Its fields are KannelOptions' (see from_options) plus the HTTP session."""

    name: str
    url: str = ""
    username: str = ""
    password: str = ""
    from_: str = ""
    secret: str = ""
    allow_ips: tuple[str, ...] = ()
    dlr_mask: int = 31
    smsc: str = ""
    status_url: str = ""
    timeout_seconds: float = 10.0
    session: requests.Session = field(default_factory=requests.Session, repr=False)
    provider: str = "kannel"
    idempotent_send: bool = False
    # Undecodable bytes reach parse_incoming as surrogate escapes (see telco/webhooks.py).
    accepts_raw_bytes: bool = True

    @classmethod
    def from_options(cls, name: str, options: KannelOptions,
                     session: requests.Session) -> KannelProvider:
        return cls(name, **option_values(options), session=session)

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.password, self.secret) if s)

    # -- receive -------------------------------------------------------------
    def _fields(self, request: WebRequest) -> dict[str, str]:
        fields = dict(request.form)
        headers = {k.lower(): v for k, v in request.headers.items()}
        if request.method == "POST" and "x-kannel-from" in headers:
            for name, header in POST_HEADERS.items():
                if header.lower() in headers:
                    fields.setdefault(name, headers[header.lower()])
            fields.setdefault("text", request.body.decode("utf-8", errors="surrogateescape"))
            ctype = headers.get("content-type", "")
            if "charset=" in ctype:
                fields.setdefault("charset", ctype.split("charset=", 1)[1].split(";")[0])
        return fields

    def parse_incoming(self, request: WebRequest) -> IncomingSms:
        fields = self._fields(request)
        for key in INCOMING_REQUIRED:
            if key not in fields or (key != "text" and not fields[key].strip()):
                raise InvalidRequest(f"missing field {key}")
        raw_text = _field_bytes(fields["text"])
        text = decode_text(raw_text, fields.get("coding", ""), fields.get("charset", "UTF-8"))
        raw = storable({k: v for k, v in fields.items() if k not in ("secret", "text", "udh")})
        raw["text_hex"] = raw_text.hex()
        part = None
        if fields.get("udh"):
            udh = _field_bytes(fields["udh"])
            raw["udh_hex"] = udh.hex()
            part = concat_info(udh)
        received = None
        if fields.get("time", "").strip().isdigit():
            try:
                received = datetime.fromtimestamp(int(fields["time"]), UTC)
            except (OverflowError, OSError, ValueError):  # no such time: ours, not a refusal
                received = None
        return IncomingSms(fields["id"].strip(), fields["from"].strip(),
                           fields.get("to", "").strip(), text, raw, received, part)

    def incoming_response(self) -> WebResponse:
        # Kannel would send a non-empty body back to the citizen as a reply: answer nothing.
        return WebResponse("", 200)

    # -- status --------------------------------------------------------------
    def parse_status(self, request: WebRequest) -> StatusReport:
        ref = request.form.get("ref", "").strip()
        kind = request.form.get("type", "").strip()
        if not ref:
            raise InvalidRequest("missing field ref")
        status = STATUS_MAPPING.get(kind)
        if status is None:
            raise InvalidRequest(f"unknown delivery report type {kind!r}")
        answer = request.form.get("answer") or None
        error = answer if status in ("undelivered", "failed") else None
        raw = {k: v for k, v in request.form.items() if k not in ("secret", "sig")}
        return StatusReport(ref, status, error, raw)

    # -- send ----------------------------------------------------------------
    def _dlr_url(self, sms: OutgoingSms) -> str | None:
        base = self.status_url or sms.status_callback_url
        if not base or not self.dlr_mask:
            return None
        query = {"ref": sms.reference}
        if self.secret:  # a token for this message only: the secret stays out of URLs
            query["sig"] = report_token(self.secret, self.name, sms.reference)
        # %d and %A are Kannel's escapes for the report type and the SMSC's answer.
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}{urlencode(query)}&type=%d&answer=%A"

    def send(self, sms: OutgoingSms) -> SendResult:
        if not (self.url and self.username and self.password):
            raise SendError(SendErrorKind.CONFIG, "kannel url/username/password not set")
        if not sms.body:
            raise SendError(SendErrorKind.REJECTED, "empty SMS body")
        headers = {"X-Kannel-Username": self.username, "X-Kannel-Password": self.password,
                   "X-Kannel-To": sms.to}
        if self.from_:
            headers["X-Kannel-From"] = self.from_
        if self.smsc:
            headers["X-Kannel-SMSC"] = self.smsc
        if is_gsm7(sms.body):
            body = sms.body.encode("utf-8")
            headers["Content-Type"] = "text/plain; charset=UTF-8"
        else:  # Kannel turns non-GSM characters into "?" unless told it is UCS-2
            body = sms.body.encode("utf-16-be")
            headers["Content-Type"] = "text/plain; charset=UTF-16BE"
            headers["X-Kannel-Coding"] = "2"
        dlr = self._dlr_url(sms)
        if dlr:
            headers["X-Kannel-DLR-Mask"] = str(self.dlr_mask)
            headers["X-Kannel-DLR-Url"] = dlr
        try:
            resp = self.session.post(self.url, data=body, headers=headers,
                                     timeout=self.timeout_seconds)
        except requests.RequestException as exc:
            raise classify_exception(exc) from None
        answer = resp.text.strip()
        if resp.status_code >= 300:
            raise classify_http(resp.status_code, f"kannel HTTP {resp.status_code}: {answer}"[:300])
        if not answer.startswith(ACCEPTED_PREFIXES):
            raise SendError(SendErrorKind.PROVIDER, f"kannel answered {answer[:200]!r}",
                            status=resp.status_code)
        # Kannel's answer carries no message id: delivery reports come back with our reference.
        return SendResult(sms.reference, "sent")

    # -- signature -----------------------------------------------------------
    def verify(self, request: WebRequest) -> bool:
        if not (self.secret or self.allow_ips):
            return False  # an open endpoint would let anyone file complaints as anyone
        if self.allow_ips and not address_allowed(request.remote_addr, self.allow_ips):
            return False
        if not self.secret:
            return True
        if report_token_valid(request, self.secret, self.name):
            return True
        # The secret as basic auth (user:secret@ in Kannel's post-url: not in any query string,
        # so in no access log), or as a `secret` field (older get-url deployments).
        given = _basic_password(request.headers) or request.form.get("secret", "")
        return hmac.compare_digest(given.encode("utf-8", "surrogateescape"),
                                   self.secret.encode("utf-8"))


def _basic_password(headers: Mapping[str, str]) -> str:
    """The password of an `Authorization: Basic` header (Kannel sends it for user:pass@ URLs)."""
    value = headers.get("Authorization", "")
    if not value.lower().startswith("basic "):
        return ""
    try:
        decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]
