"""The closed set of send errors, each retryable or not, and the one mapping onto them."""

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
