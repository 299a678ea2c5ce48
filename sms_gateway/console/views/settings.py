"""Administration: the configuration this process runs with, read-only and with secrets masked."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import text

from sms_gateway.console import roles, settings, web
from sms_gateway.services import Services

bp = Blueprint("settings", __name__, url_prefix="/admin")


def _health(svc: Services) -> dict[str, Any]:
    """The same checks as /healthz, plus the queue's depth and failures."""
    checks: dict[str, Any] = {}
    try:
        with svc.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is "down"
        checks["database"] = f"down: {type(exc).__name__}"
    try:
        checks["queue"] = "ok" if svc.dispatcher.ping() else "down"
        checks["depth"], checks["failed"] = svc.dispatcher.depth(), svc.dispatcher.failed_count()
    except Exception as exc:  # noqa: BLE001 - an unreachable queue is shown, not raised
        checks["queue"], checks["depth"], checks["failed"] = f"down: {type(exc).__name__}", "-", "-"
    checks["healthy"] = checks["database"] == "ok" and checks["queue"] == "ok"
    return checks


@bp.get("/settings", endpoint="settings")
@roles.require(roles.SETTINGS)
def show() -> str:
    svc = web.services()
    config = svc.config
    process = {
        "mode": "embedded" if config.embedded else "production",
        "database": settings.mask_url(config.database_url),
        "queue": settings.mask_url(config.queue.redis_url) or "in-process",
        "outbound": config.sms.outbound,
        "channels": ", ".join(f"{name} ({type(p).__name__})"
                              for name, p in sorted(svc.channels.items())),
    }
    return render_template("console/settings.html", process=process, health=_health(svc),
                           sections=settings.sections(config))
