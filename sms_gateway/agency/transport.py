"""Talking to agencies: a signed JSON webhook (HMAC-SHA256) and e-mail through SMTP.

Each call either returns (delivered) or raises a SendError from the shared taxonomy, so the
forwarding job retries exactly the retryable outcomes (network, 5xx, 429).
"""

from __future__ import annotations

import hashlib
import hmac
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from typing import TYPE_CHECKING

from sms_gateway.telco.providers.errors import (
    SendError,
    SendErrorKind,
    classify_http,
    classify_smtp,
)

if TYPE_CHECKING:
    from sms_gateway.config import AgencyConfig

SIGNATURE_HEADER = "X-Lapor-Signature"
TIMESTAMP_HEADER = "X-Lapor-Timestamp"
DELIVERY_HEADER = "X-Lapor-Delivery"
EVENT_HEADER = "X-Lapor-Event"
SIGNATURE_VERSION = "v1"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the signature header value: v1=hex(HMAC-SHA256(secret, timestamp + "." + body))."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Check a signature and that its timestamp is within tolerance seconds of now."""
    try:
        age = abs(now - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirected webhook is a misconfiguration, not something to follow


def post_webhook(url: str, body: bytes, *, secret: str, event: str, delivery_id: int,
                 timeout: float, now: float | None = None) -> int:
    """POST a signed JSON body; return the HTTP status of a 2xx answer, else raise SendError."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):  # never file: or ftp:
        raise SendError(SendErrorKind.CONFIG, "an agency webhook URL must be http(s)")
    timestamp = str(int(time.time() if now is None else now))
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310 - http(s) checked above
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "sms-gateway-1708",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        DELIVERY_HEADER: str(delivery_id),
        EVENT_HEADER: event,
    })
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as answer:
            status = int(answer.status)
    except urllib.error.HTTPError as exc:
        raise classify_http(exc.code, f"HTTP {exc.code} from the agency webhook") from None
    except (urllib.error.URLError, OSError) as exc:
        raise classify_http(None, f"{type(exc).__name__}: {exc}") from None
    if not 200 <= status < 300:
        raise classify_http(status, f"HTTP {status} from the agency webhook")
    return status


def send_email(cfg: AgencyConfig, *, to: str, subject: str, text: str) -> None:
    """Send one plain-text e-mail as `[agency] smtp_*` says (STARTTLS unless told otherwise);
    raise SendError (4xx and network retryable, 5xx and a server without STARTTLS final)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = cfg.smtp_from, to, subject
    message.set_content(text)
    try:
        with _connect(cfg) as smtp:
            if cfg.smtp_username:
                smtp.login(cfg.smtp_username, cfg.smtp_password)
            smtp.send_message(message)
    except smtplib.SMTPNotSupportedError:
        raise SendError(SendErrorKind.CONFIG, f"the SMTP server {cfg.smtp_host}:{cfg.smtp_port} "
                        "does not offer STARTTLS; set [agency] smtp_security = \"tls\" or, on "
                        "a trusted network only, \"none\"") from None
    except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError is an OSError
        raise classify_smtp(exc) from None


def _connect(cfg: AgencyConfig) -> smtplib.SMTP:
    """An SMTP connection, encrypted unless smtp_security is explicitly "none"."""
    context = ssl.create_default_context()
    if cfg.smtp_security == "tls":
        return smtplib.SMTP_SSL(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout_seconds,
                                context=context)
    smtp = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout_seconds)
    if cfg.smtp_security == "starttls":
        try:
            smtp.starttls(context=context)  # raises SMTPNotSupportedError when not offered
        except BaseException:
            smtp.close()
            raise
    return smtp
