"""Operational endpoints: /healthz for load balancers, /metrics in Prometheus text format.

/metrics needs `Authorization: Bearer <[server] metrics_token>` when that token is set, and its
database counts are computed at most once per `[server] metrics_cache_seconds` per process, so
neither a stranger nor a busy scraper can make it run full-table counts at will.
"""

from __future__ import annotations

import hmac
import threading
import time

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from sms_gateway.services import Services
from sms_gateway.store.agency import (
    AgencyAlert,
    AgencyDelivery,
    AgencyRecord,
    SlaBreach,
    TicketRating,
)
from sms_gateway.store.models import InboundMessage, OutboundMessage, Ticket

bp = Blueprint("ops", __name__)
_CACHE_KEY = "sms_gateway.metrics_cache"
_cache_lock = threading.Lock()


def _services() -> Services:
    return current_app.extensions["sms_gateway"]  # type: ignore[no-any-return]


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database and the queue answer, else 503 naming what is down."""
    services = _services()
    checks: dict[str, str] = {}
    try:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is "down"
        checks["database"] = f"down: {type(exc).__name__}"
    checks["queue"] = "ok" if services.dispatcher.ping() else "down"
    healthy = all(v == "ok" for v in checks.values())
    mode = "embedded" if services.config.embedded else "production"
    return jsonify(status="ok" if healthy else "down", mode=mode, checks=checks), (
        200 if healthy else 503)


def _lines(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> list[str]:
    out = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    out += [f"{name}{labels} {value:g}" for labels, value in samples]
    return out


@bp.get("/metrics")
def metrics() -> Response:
    """Counts from the database (the source of truth) and the queue, for Prometheus."""
    services = _services()
    token = services.config.server.metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response("metrics token required\n", status=401, mimetype="text/plain",
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    with _cache_lock:  # one process computes the counts; the others wait for them
        cached = current_app.extensions.get(_CACHE_KEY)
        now = time.monotonic()
        if cached is None or now - cached[0] >= services.config.server.metrics_cache_seconds:
            with services.sessions() as session:
                cached = (now, _database_lines(session))
            current_app.extensions[_CACHE_KEY] = cached
    lines = cached[1] + _queue_lines(services)  # the queue figures are cheap: always live
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")


def _database_lines(session: Session) -> list[str]:
    """Messages, tickets, the review queue, agency deliveries and alerts, SLA breaches."""
    inbound = session.execute(select(InboundMessage.state, func.count())
                              .group_by(InboundMessage.state)).all()
    outbound = session.execute(select(OutboundMessage.status, func.count())
                               .group_by(OutboundMessage.status)).all()
    tickets = session.execute(select(Ticket.status, func.count())
                              .group_by(Ticket.status)).all()
    review = session.execute(select(func.count()).where(
        InboundMessage.review_status == "pending")).scalar_one()
    deliveries = session.execute(select(AgencyDelivery.state, func.count())
                                 .group_by(AgencyDelivery.state)).all()
    alerted = session.execute(select(func.count()).where(
        AgencyRecord.alerted_at.is_not(None))).scalar_one()
    unsent_alerts = session.execute(select(func.count()).where(
        AgencyAlert.notified_at.is_(None), AgencyAlert.notify_error.is_not(None))
    ).scalar_one()
    breaches = session.execute(select(func.count()).select_from(SlaBreach)).scalar_one()
    ratings = session.execute(select(TicketRating.rating, func.count())
                              .group_by(TicketRating.rating)).all()
    lines = _lines("sms_gateway_inbound_messages_total", "counter",
                   "Inbound SMS stored, by processing state.",
                   [(f'{{state="{s}"}}', n) for s, n in inbound])
    lines += _lines("sms_gateway_outbound_messages_total", "counter",
                    "Outbound SMS, by delivery status.",
                    [(f'{{status="{s}"}}', n) for s, n in outbound])
    lines += _lines("sms_gateway_tickets_total", "counter", "Tickets, by current status.",
                    [(f'{{status="{s}"}}', n) for s, n in tickets])
    lines += _lines("sms_gateway_review_queue_size", "gauge",
                    "Messages waiting for an operator.", [("", review)])
    lines += _lines("sms_gateway_agency_deliveries_total", "counter",
                    "Tickets handed to agencies (one per channel), by delivery state.",
                    [(f'{{state="{s}"}}', n) for s, n in deliveries])
    lines += _lines("sms_gateway_agencies_alerted", "gauge",
                    "Agencies with an open alert (repeated delivery failures).",
                    [("", alerted)])
    lines += _lines("sms_gateway_agency_alert_emails_failed", "gauge",
                    "Alerts whose e-mail to the operators has failed so far.",
                    [("", unsent_alerts)])
    lines += _lines("sms_gateway_sla_breaches_total", "counter",
                    "Missed SP4N-LAPOR! deadlines, recorded and escalated.", [("", breaches)])
    lines += _lines("sms_gateway_ticket_ratings_total", "counter",
                    "Citizens' ratings of answered tickets, by rating (1-5).",
                    [(f'{{rating="{r}"}}', n) for r, n in sorted(ratings)])
    return lines


def _queue_lines(services: Services) -> list[str]:
    """The job queue's health and depth, and this web process's intake batch."""
    try:
        depth, failed = services.dispatcher.depth(), services.dispatcher.failed_count()
        up = 1
    except Exception:  # noqa: BLE001 - queue unreachable: report it as a metric
        depth, failed, up = 0, 0, 0
    lines = _lines("sms_gateway_queue_up", "gauge", "1 when the job queue answers.",
                   [("", up)])
    lines += _lines("sms_gateway_queue_depth", "gauge", "Jobs waiting in the queue.",
                    [("", depth)])
    lines += _lines("sms_gateway_job_failures", "gauge",
                    "Jobs in the failed registry (or failed in-process).", [("", failed)])
    if services.batcher is not None:
        lines += _lines("sms_gateway_intake_batch_pending", "gauge",
                        "Messages stored by this web process, waiting for their batch job.",
                        [("", services.batcher.pending())])
    return lines
