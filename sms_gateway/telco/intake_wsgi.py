"""The intake's fast path: a provider's POST /sms/<channel> without Flask's request context.

A WSGI layer in front of the Flask app. Flask's per-request work (request and app context,
URL adapter and matching, the session cookie, response finalisation) cost about a fifth of a
web process's CPU per webhook (docs/performance.md, issue 16). A POST of a known channel with
a body within max_body_bytes goes straight to webhooks.answer_sms, the work of the
blueprint's view (webhooks.receive), whose usual answer is a WSGI response built once per
channel; everything else (other paths and methods, unknown channels: 404, no
Content-Length (a chunked body) or too long a one: 413, a Host that is no IDNA name: 400,
status callbacks) goes to Flask unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Request

from sms_gateway.telco import webhooks
from sms_gateway.telco.providers.base import Provider

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from sms_gateway.services import Services

log = logging.getLogger(__name__)

PREFIX = "/sms/"


class IntakeFastPath:
    """WSGI middleware: inbound SMS webhooks to webhooks.answer_sms, the rest to `app`."""

    def __init__(self, app: WSGIApplication, services: Services, max_body_bytes: int) -> None:
        self.app = app
        self.services = services
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        channel = self._channel(environ)
        if channel is None:
            return self.app(environ, start_response)
        started = time.monotonic()
        request = Request(environ)
        # What Flask does with an exception from the view, app.py's handler answering: an HTTP
        # error (a client gone mid-body: 400) as it is; any other logged, then a 500.
        try:
            response = webhooks.answer_sms(self.services, channel, request, started)
        except HTTPException as exc:
            response = webhooks.plain_error(exc)
        except Exception:
            log.exception("Exception on %s [%s]", request.path, request.method)
            response = webhooks.plain_error(InternalServerError())
        return response(environ, start_response)

    def _channel(self, environ: WSGIEnvironment) -> Provider | None:
        """The known channel a POST is for, when this path takes it; else None."""
        if environ.get("REQUEST_METHOD") != "POST":
            return None
        path: str = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return None
        length: Any = environ.get("CONTENT_LENGTH", "")
        if not (length and length.isdigit() and int(length) <= self.max_body_bytes):
            return None  # Flask's 413, and its reading of a chunked body (up to the limit)
        host: str = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        try:  # as werkzeug binds Flask's routes to the host: Flask answers 400 (BadHost)
            host.lower().partition(":")[0].encode("idna")
        except UnicodeError:
            return None
        return self.services.channels.get(path[len(PREFIX):])  # "x/status": not a channel
