"""E-mail each agency alert to the operators (`[agency] alert_emails`); a periodic task.

An alert is raised inside the forward job's transaction (`forward._track`); its e-mail goes
out afterwards, from the sweeper's round, so an absent SMTP server never holds a delivery and
an alert is never e-mailed for a transaction that rolled back. Each alert's row is locked
while its e-mail is sent (FOR UPDATE SKIP LOCKED on Postgres) and marked in that transaction,
so two sweepers cannot both send it. A process that dies after the SMTP server took the
message and before the commit sends it again next round: for operators, a rare duplicate
beats a silent loss. Failed sends are retried each round, `max_attempts` times in all.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import select

from sms_gateway.agency import transport
from sms_gateway.store.agency import AgencyAlert, AgencyRecord
from sms_gateway.store.db import utcnow
from sms_gateway.telco.providers.errors import SendError

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)
BATCH = 100
# Alerts older than this are not e-mailed any more (e.g. raised before alert_emails was set).
RECENT = timedelta(days=1)


def notify_alerts(services: Services, *, now: datetime | None = None) -> int:
    """Send the e-mail of every recent alert not yet e-mailed; returns how many were sent."""
    cfg = services.config.agency
    if not cfg.alert_emails:
        return 0
    now = now or utcnow()
    with services.sessions() as session:
        ids = session.execute(select(AgencyAlert.id).where(
            AgencyAlert.notified_at.is_(None), AgencyAlert.notify_attempts < cfg.max_attempts,
            AgencyAlert.at >= now - RECENT).order_by(AgencyAlert.id).limit(BATCH)
        ).scalars().all()
    return sum(_notify_one(services, alert_id, now) for alert_id in ids)


def _notify_one(services: Services, alert_id: int, now: datetime) -> bool:
    cfg = services.config.agency
    with services.sessions.begin() as session:
        alert = session.execute(
            select(AgencyAlert).where(AgencyAlert.id == alert_id,
                                      AgencyAlert.notified_at.is_(None))
            .with_for_update(skip_locked=True)).scalar_one_or_none()
        if alert is None:  # sent meanwhile, or being sent by another process
            return False
        agency = session.get(AgencyRecord, alert.agency_code)
        name = agency.name if agency is not None else alert.agency_code
        alert.notify_attempts += 1
        try:
            transport.send_email(
                cfg, to=", ".join(cfg.alert_emails),
                subject=f"[LAPOR 1708] Peringatan / Alert: {name} ({alert.agency_code})",
                text=alert_text(services, alert, name))
        except SendError as exc:
            alert.notify_error = str(exc)[:2000]
            if not exc.retryable:
                alert.notify_attempts = max(alert.notify_attempts, cfg.max_attempts)
            log.warning("alert %s e-mail failed (try %d%s): %s", alert_id,
                        alert.notify_attempts, "" if exc.retryable else ", final", exc)
            return False
        alert.notified_at = now
        alert.notify_error = None
    log.info("alert %s e-mailed to %d address(es)", alert_id, len(cfg.alert_emails))
    return True


def alert_text(services: Services, alert: AgencyAlert, name: str) -> str:
    """The e-mail body: Indonesian first, then English, and where to look in the console."""
    base = services.config.server.public_url.rstrip("/")
    page = f"{base}/console/admin/agencies/{quote(alert.agency_code, safe='')}"
    at = alert.at.strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        f"Instansi / Agency: {name} ({alert.agency_code})",
        f"Waktu / Time: {at}",
        f"Rincian / Detail: {alert.detail}",
        "",
        "Tiket untuk instansi ini tidak sampai. Periksa kanal pengirimannya di konsol.",
        "Tickets for this agency are not getting through. Check its channels in the console.",
        page,
        "",
        "Peringatan tertutup sendiri saat pengiriman berikutnya berhasil.",
        "The alert closes by itself when a delivery succeeds again.",
    ])
