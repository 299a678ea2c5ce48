"""The closed set of send errors, each retryable or not, and the mappings onto them.

One mapping per transport: HTTP (providers, agency webhooks) and SMTP (agency e-mail).
"""

from __future__ import annotations

from enum import Enum


class SendErrorKind(Enum):
    NETWORK = ("network", True)  # no connection: refused, DNS, connect timeout (never sent)
    # The request may have reached the provider but its answer did not come back (read timeout,
    # connection dropped mid-answer). Resending could reach the phone twice, so it is retried
    # only on channels that deduplicate by our reference; elsewhere it settles as "unknown".
    UNCERTAIN = ("uncertain", False)
    SERVER = ("server", True)  # provider 5xx
    THROTTLED = ("throttled", True)  # 429 or the provider's own throttling code
    REJECTED = ("rejected", False)  # other 4xx: bad request, unknown number, auth
    PROVIDER = ("provider", False)  # a 2xx whose body says error
    CONFIG = ("config", False)  # the channel is not configured to send

    def __init__(self, label: str, retryable: bool) -> None:
        self.label = label
        self.retryable = retryable


class SendError(Exception):
    """A send that did not go through; `kind.retryable` decides whether a job tries again."""

    def __init__(self, kind: SendErrorKind, detail: str, *, status: int | None = None) -> None:
        super().__init__(f"{kind.label}: {detail}")
        self.kind = kind
        self.detail = detail
        self.status = status

    @property
    def retryable(self) -> bool:
        return self.kind.retryable


def classify_http(status: int | None, detail: str = "") -> SendError:
    """Map a transport outcome onto the taxonomy: None (no answer) or 5xx retry, 429 throttle."""
    if status is None:
        return SendError(SendErrorKind.NETWORK, detail or "no response", status=None)
    if status == 429:
        return SendError(SendErrorKind.THROTTLED, detail or "throttled", status=status)
    if status >= 500:
        return SendError(SendErrorKind.SERVER, detail or f"HTTP {status}", status=status)
    if 400 <= status < 500:
        return SendError(SendErrorKind.REJECTED, detail or f"HTTP {status}", status=status)
    return SendError(SendErrorKind.PROVIDER, detail or f"unexpected HTTP {status}", status=status)


def classify_exception(exc: BaseException) -> SendError:
    """Map a transport exception: only a connection that never opened is safe to retry."""
    import requests

    detail = type(exc).__name__
    if isinstance(exc, requests.ConnectTimeout):
        return SendError(SendErrorKind.NETWORK, detail)
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        from urllib3.exceptions import NameResolutionError, NewConnectionError

        if isinstance(reason, NewConnectionError | NameResolutionError):
            return SendError(SendErrorKind.NETWORK, detail)
    return SendError(SendErrorKind.UNCERTAIN, detail)


# SMTP replies that say our own account or setup is wrong, not the message or the server's
# mood (RFC 4954: 530 authentication required, 534 mechanism too weak, 535 bad credentials,
# 538 encryption required).
SMTP_AUTH_CODES = frozenset({530, 534, 535, 538})


def classify_smtp(exc: BaseException) -> SendError:
    """Map an smtplib/socket failure: no connection or a 4xx reply retry, 5xx is final."""
    import smtplib

    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SendError(SendErrorKind.CONFIG, f"SMTP authentication failed ({exc.smtp_code})",
                         status=exc.smtp_code)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        retry = all(400 <= c < 500 for c in codes)
        return SendError(SendErrorKind.SERVER if retry else SendErrorKind.REJECTED,
                         f"recipient refused: {codes}")
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        if code in SMTP_AUTH_CODES:
            kind = SendErrorKind.CONFIG
        elif 400 <= code < 500:
            kind = SendErrorKind.SERVER
        else:
            kind = SendErrorKind.REJECTED
        return SendError(kind, f"SMTP {code}", status=code)
    # Refused, unreachable, timed out, disconnected: the message was not taken, try again.
    return SendError(SendErrorKind.NETWORK, f"{type(exc).__name__}: {exc}")
