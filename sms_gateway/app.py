"""The Flask app factory: the web side of the composition root."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from sms_gateway.config import Config
from sms_gateway.dispatch import InProcessDispatcher
from sms_gateway.services import Services, build_services
from sms_gateway.store.pii import key_from_file
from sms_gateway.telco.intake_wsgi import IntakeFastPath

log = logging.getLogger(__name__)


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key set:
    Flask builds one per request (about 20 us, a webhook's too, though it has no session)."""

    _cached: tuple[tuple[Any, ...], Any] | None = None

    def get_signing_serializer(self, app: Flask) -> Any:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._cached
        if cached is None or cached[0] != keys:
            cached = self._cached = (keys, super().get_signing_serializer(app))
        return cached[1]


def create_app(config: Config | None = None, *, services: Services | None = None,
               start_background: bool = True) -> Flask:
    """Build the web app; in embedded mode also start the in-process workers and sweeper."""
    services = services or build_services(config)
    config = services.config
    app = Flask(__name__)
    app.session_interface = _SessionInterface()
    # Inbound SMS webhooks skip Flask's per-request work (telco/intake_wsgi.py); inside
    # ProxyFix, so both see the client's address and scheme alike.
    app.wsgi_app = IntakeFastPath(  # type: ignore[method-assign]
        app.wsgi_app, services, config.server.max_body_bytes)
    if config.server.trusted_proxies:
        # The client's address (throttling, audit) and scheme as the proxies saw them. Only
        # X-Forwarded-For and -Proto: nginx overwrites or appends these, a client's own
        # X-Forwarded-Host or -Prefix would pass through unchanged.
        n = config.server.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    app.config["MAX_CONTENT_LENGTH"] = config.server.max_body_bytes
    app.config["SECRET_KEY"] = config.server.secret_key or key_from_file(
        config.server.var_dir, "session.key")
    app.extensions["sms_gateway"] = services
    # The session cookie carries only the console's session token and CSRF token.
    secure = config.console.cookie_secure
    app.config.update(
        SESSION_COOKIE_NAME="sms_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # "auto": Secure when served over https; any unknown value is treated as "always".
        SESSION_COOKIE_SECURE=secure != "never" and (
            secure != "auto" or config.server.public_url.startswith("https://")),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.console.session_max_hours),
    )

    from sms_gateway import ops
    from sms_gateway.console import web as console_web
    from sms_gateway.console.blueprint import bp as console_bp
    from sms_gateway.telco import webhooks

    app.register_blueprint(webhooks.bp)
    app.register_blueprint(ops.bp)

    from sms_gateway.api import agency as agency_api
    from sms_gateway.api import open311, openapi

    app.register_blueprint(agency_api.bp)
    app.register_blueprint(open311.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(console_bp)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        if request.path == "/console" or request.path.startswith("/console/"):
            # Operators get the console's layout in their language, not a raw reason.
            body, code = console_web.error_page(exc.code or 500)
            return console_web.after_request(Response(body, status=code, mimetype="text/html"))
        # Plain, short reasons for machines (providers) and people alike.
        return webhooks.plain_error(exc)

    if start_background and isinstance(services.dispatcher, InProcessDispatcher):
        start_embedded_workers(services)
    return app


def start_embedded_workers(services: Services) -> None:
    """Run jobs and the sweeper inside this process (no Redis): the embedded mode."""
    from sms_gateway.sweeper import SweeperThread, periodic_tasks

    assert isinstance(services.dispatcher, InProcessDispatcher)
    services.dispatcher.start()
    if services.sweeper is None:
        sweeper = SweeperThread(services.config.queue.sweep_interval_seconds, periodic_tasks())
        sweeper.start()
        services.sweeper = sweeper
        # Anything a previous run left behind is picked up at once, not after the interval.
        sweeper.run_once()
