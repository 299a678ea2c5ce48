"""Provider webhooks: verify, decode, store, enqueue, answer. Parsing never runs here."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy.exc import SQLAlchemyError

from sms_gateway.intake import enqueue_inbound, store_inbound
from sms_gateway.jobs.outbound import apply_status
from sms_gateway.phone import InvalidPhoneNumber
from sms_gateway.providers.base import InvalidRequest, Provider, WebRequest
from sms_gateway.services import Services

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)


def _services() -> Services:
    return current_app.extensions["sms_gateway"]  # type: ignore[no-any-return]


def _error(status: int, reason: str) -> Response:
    return Response(reason + "\n", status=status, mimetype="text/plain")


def _web_request(services: Services) -> WebRequest:
    """Freeze the Flask request into the framework-free form the adapters read."""
    body = request.get_data(cache=True)
    fields: dict[str, str] = {}
    # Strict decoding: invalid UTF-8 is refused with a reason instead of silently replaced.
    for key, value in parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True,
                                encoding="utf-8", errors="strict"):
        fields.setdefault(key, value)
    ctype = request.mimetype or ""
    if request.method == "POST" and body:
        if ctype not in ("application/x-www-form-urlencoded", ""):
            raise InvalidRequest(f"unsupported content type {ctype!r}")
        for key, value in parse_qsl(body.decode("ascii", errors="strict"),
                                    keep_blank_values=True, encoding="utf-8", errors="strict"):
            fields.setdefault(key, value)
    public = services.config.server.public_url.rstrip("/")
    url = public + request.full_path.rstrip("?") if public else request.url
    return WebRequest(request.method, url, dict(request.headers), fields, body,
                      request.remote_addr or "")


def _channel(services: Services, name: str) -> Provider:
    channel = services.channels.get(name)
    if channel is None:
        abort(404)
    return channel


def _decode(services: Services) -> WebRequest | Response:
    try:
        return _web_request(services)
    except UnicodeDecodeError:
        return _error(400, "invalid UTF-8 in the request")
    except InvalidRequest as exc:
        return _error(415, str(exc))


@bp.route("/sms/<channel_name>", methods=["GET", "POST"])
def inbound(channel_name: str) -> Response:
    """Receive one SMS: 2xx only once it is stored."""
    services = _services()
    channel = _channel(services, channel_name)
    web = _decode(services)
    if isinstance(web, Response):
        return web
    if not channel.verify(web):
        return _error(403, "invalid or missing signature")
    try:
        sms = channel.parse_incoming(web)
        stored = store_inbound(services, channel.name, channel.provider, sms)
    except InvalidRequest as exc:
        return _error(400, str(exc))
    except InvalidPhoneNumber as exc:
        return _error(400, str(exc))
    except SQLAlchemyError:
        log.exception("could not store an inbound SMS from %s", channel.name)
        return _error(503, "temporarily unable to store the message; retry later")
    if stored.created:
        enqueue_inbound(services, stored.message_id)
    answer = channel.incoming_response()
    return Response(answer.body, status=answer.status, content_type=answer.content_type)


@bp.route("/sms/<channel_name>/status", methods=["GET", "POST"])
def status(channel_name: str) -> Response:
    """A delivery report: the stored status only moves forward."""
    services = _services()
    channel = _channel(services, channel_name)
    web = _decode(services)
    if isinstance(web, Response):
        return web
    if not channel.verify(web):
        return _error(403, "invalid or missing signature")
    try:
        report = channel.parse_status(web)
        with services.sessions.begin() as session:
            apply_status(session, channel.name, report.provider_message_id, report.status)
    except InvalidRequest as exc:
        return _error(400, str(exc))
    except SQLAlchemyError:
        log.exception("could not store a status report from %s", channel.name)
        return _error(503, "temporarily unable to store the report; retry later")
    return Response("", status=204)
