"""The telco side's periodic upkeep, run by the sweeper: join stale SMS parts, apply kept
delivery reports, drop old channel logs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sms_gateway.telco import channel_logs, multipart, status_reports

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)


def channel_upkeep(services: Services) -> dict[str, int]:
    """One round of upkeep; returns what it did (for logs and tests)."""
    joined = multipart.flush(services)
    with services.sessions.begin() as session:
        applied = status_reports.settle_pending(session)
        purged = channel_logs.purge(session, services.config.sms.channel_log_days)
    done = {"parts_joined": len(joined), "reports_applied": applied, "logs_purged": purged}
    if any(done.values()):
        log.info("channel upkeep: %s", done)
    return done
