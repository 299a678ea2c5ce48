"""Provider webhooks: verify, decode, store, enqueue, answer. Parsing never runs here."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.test import create_environ
from werkzeug.wrappers import Request

from sms_gateway.store.db import utcnow
from sms_gateway.telco import channel_logs, status_reports
from sms_gateway.telco.inbox import enqueue_inbound
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.phone import InvalidPhoneNumber
from sms_gateway.telco.providers.base import (
    InvalidRequest,
    Provider,
    WebRequest,
    WebResponse,
    has_raw_bytes,
)
from sms_gateway.telco.providers.transport import Exchange

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from sms_gateway.services import Services

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)


def _services() -> Services:
    return current_app.extensions["sms_gateway"]  # type: ignore[no-any-return]


def _error(status: int, reason: str) -> Response:
    return Response(reason + "\n", status=status, mimetype="text/plain")


def plain_error(exc: HTTPException) -> Response:
    """An HTTP error as the app answers machines (providers) and people outside the console:
    a short plain-text reason."""
    return _error(exc.code or 500, f"{exc.code} {exc.name}: {exc.description}")


def _fields(raw: str) -> list[tuple[str, str]]:
    # Undecodable bytes survive as surrogate escapes; _decode refuses them for channels that
    # cannot take raw bytes, Kannel's adapter decodes them by the charset Kannel names.
    return parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="surrogateescape")


def _web_request(services: Services, request: Request) -> WebRequest:
    """Freeze the request (Flask's or the fast path's) into the framework-free form the
    adapters read."""
    body = request.get_data(cache=True)
    fields: dict[str, str] = {}
    for key, value in _fields(request.query_string.decode("latin-1")):
        fields.setdefault(key, value)
    posted: dict[str, str] = {}
    ctype = request.mimetype or ""
    if request.method == "POST" and body:
        if ctype not in ("application/x-www-form-urlencoded", "", "text/plain"):
            raise InvalidRequest(f"unsupported content type {ctype!r}")
        if ctype != "text/plain":  # text/plain: Kannel's post-url, the body is the SMS text
            for key, value in _fields(body.decode("ascii", errors="strict")):
                posted.setdefault(key, value)
                fields.setdefault(key, value)
    public = services.config.server.public_url.rstrip("/")
    url = public + request.full_path.rstrip("?") if public else request.url
    # items(): one pass over the environ; dict(headers) looked each header up again by name.
    return WebRequest(request.method, url, dict(request.headers.items()), fields, body,
                      request.remote_addr or "", posted)


@dataclass(frozen=True)
class Call:
    """A provider's call that passed the preamble: known channel, decoded, signature checked."""

    services: Services
    channel: Provider
    web: WebRequest
    started: float  # time.monotonic() when the request came in, for the channel log


def _preamble(services: Services, channel: Provider, request: Request,
              started: float) -> Call | Response:
    """What both webhooks do first, the channel known: decode (400/415), verify (403)."""
    try:
        web = _web_request(services, request)
    except UnicodeDecodeError:
        return _error(400, "invalid UTF-8 in the request")
    except UnicodeError:  # a Host header IDNA cannot decode ("xn--a"), without a public_url
        return _error(400, "invalid Host header")
    except InvalidRequest as exc:
        return _error(415, str(exc))
    if not channel.accepts_raw_bytes and any(has_raw_bytes(v) for v in web.form.values()):
        return _error(400, "invalid UTF-8 in the request")
    if not channel.verify(web):
        _warn_rejected(channel.name, web.url)
        return _error(403, "invalid or missing signature")
    return Call(services, channel, web, started)


_REJECTED_AT: dict[str, float] = {}
WARN_EVERY_SECONDS = 60.0


def _warn_rejected(channel: str, url: str) -> None:
    """Say why webhooks get 403, once a minute per channel (a flood of forged ones must not
    flood the log): the URL a signature was checked against, without its query (Kannel's
    carries the sender's number), is what a wrong [server] public_url gets wrong."""
    now = time.monotonic()
    if now - _REJECTED_AT.get(channel, float("-inf")) < WARN_EVERY_SECONDS:
        return
    _REJECTED_AT[channel] = now
    checked = urlsplit(url)._replace(query="", fragment="").geturl()
    log.warning("channel %s: webhook rejected (403), invalid or missing signature; checked "
                "against %s: is [server] public_url the base URL the provider calls?",
                channel, checked)


def _channel(services: Services, channel_name: str) -> Provider:
    channel = services.channels.get(channel_name)
    if channel is None:
        abort(404)
    return channel


def _logged(services: Services, channel: Provider, kind: str, web: WebRequest,
            response: Response, started: float, *, inbound_id: int | None = None,
            outbound_id: int | None = None) -> Response:
    """Store the provider's call and our answer as a channel log; never fail the answer."""
    try:
        exchange = channel_logs.webhook_exchange(
            services, channel.name, web, response.status_code,
            response.get_data(as_text=True), started)
        with services.sessions.begin() as session:
            channel_logs.add(session, channel.name, kind, [exchange], inbound_id=inbound_id,
                             outbound_id=outbound_id)
    except SQLAlchemyError:
        log.warning("could not store a channel log for %s", channel.name, exc_info=True)
    return response


def _receive_log(channel: str, ex: Exchange) -> dict[str, Any]:
    """A received SMS's channel log as store_inbound stores it (inbox.LOG_COLUMNS: the
    message's id is set there)."""
    row = channel_logs.row(channel, channel_logs.RECEIVE, ex)
    del row["inbound_message_id"]
    # NUL cannot live in a Postgres text column (a raw text/plain body may carry one).
    row["request_body"] = ex.request_body.replace("\x00", "\ufffd")
    row["created_at"] = utcnow()
    return row


@bp.route("/sms/<channel_name>", methods=["GET", "POST"])
def inbound(channel_name: str) -> Response:
    """Receive one SMS: 2xx only once it is stored (a POST usually comes by intake_wsgi)."""
    started = time.monotonic()
    services = _services()
    return receive(services, _channel(services, channel_name), request, started)


def receive(services: Services, channel: Provider, request: Request,
            started: float) -> Response:
    """One provider's call with an SMS: 2xx only once it is stored. The view's body; the
    fast path (intake_wsgi) runs answer_sms, its WSGI form."""
    answered = answer_sms(services, channel, request, started)
    return answered.response() if isinstance(answered, PreparedAnswer) else answered


def answer_sms(services: Services, channel: Provider, request: Request,
               started: float) -> Response | PreparedAnswer:
    """receive's work, whose usual answer, the channel's own, is a PreparedAnswer: a WSGI
    response, without a Flask request context (intake_wsgi)."""
    call = _preamble(services, channel, request, started)
    if isinstance(call, Response):
        return call
    web = call.web
    answer = channel.incoming_response()

    try:
        sms = channel.parse_incoming(web)
        # Stored with the message (one commit, on Postgres one statement, per SMS).
        ex = channel_logs.webhook_exchange(services, channel.name, web, answer.status,
                                           answer.body, started)
        stored = store_inbound(services, channel.name, channel.provider, sms,
                               channel_log=_receive_log(channel.name, ex))
    except (InvalidRequest, InvalidPhoneNumber) as exc:
        return _logged(services, channel, channel_logs.RECEIVE, web, _error(400, str(exc)),
                       started)
    except SQLAlchemyError:
        log.exception("could not store an inbound SMS from %s", channel.name)
        return _error(503, "temporarily unable to store the message; retry later")
    if stored.held:
        return _logged(services, channel, channel_logs.RECEIVE, web, _response(answer),
                       started)
    if stored.created:
        enqueue_inbound(services, stored.message_id, fresh=True)
    return prepared_answer(answer)


def _response(answer: WebResponse) -> Response:
    return Response(answer.body, status=answer.status, content_type=answer.content_type)


class PreparedAnswer:
    """A channel's fixed answer as a WSGI application: the status line, headers and body of
    the werkzeug Response for it, built once. Building and running that Response per
    webhook cost about 20 us of a web process's CPU (docs/performance.md)."""

    __slots__ = ("answer", "body", "headers", "status")

    def __init__(self, answer: WebResponse) -> None:
        self.answer = answer
        got: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            got[:] = [status, headers]

        self.body = b"".join(_response(answer)(create_environ(method="POST"), capture))
        self.status: str = got[0]
        self.headers: tuple[tuple[str, str], ...] = tuple(got[1])

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        start_response(self.status, list(self.headers))
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [self.body]

    def response(self) -> Response:
        """The same answer as a werkzeug Response (Flask's view)."""
        return _response(self.answer)


@lru_cache(maxsize=64)
def prepared_answer(answer: WebResponse) -> PreparedAnswer:
    """The PreparedAnswer of a channel's answer (a few per deployment)."""
    return PreparedAnswer(answer)


@bp.route("/sms/<channel_name>/status", methods=["GET", "POST"])
def status(channel_name: str) -> Response:
    """A delivery report: the stored status only moves forward; early ones are kept."""
    started = time.monotonic()
    services = _services()
    call = _preamble(services, _channel(services, channel_name), request, started)
    if isinstance(call, Response):
        return call
    services, channel, web, started = call.services, call.channel, call.web, call.started
    try:
        report = channel.parse_status(web)
        with services.sessions.begin() as session:
            outbound_id = status_reports.record(session, channel.name, report)
    except InvalidRequest as exc:
        return _logged(services, channel, channel_logs.STATUS, web, _error(400, str(exc)),
                       started)
    except SQLAlchemyError:
        log.exception("could not store a status report from %s", channel.name)
        return _error(503, "temporarily unable to store the report; retry later")
    answer = channel.status_response()  # 204, or the exact ACK an aggregator waits for
    response = Response(answer.body, status=answer.status, content_type=answer.content_type)
    return _logged(services, channel, channel_logs.STATUS, web, response, started,
                   outbound_id=outbound_id)
