"""Job entry point for agency alert e-mails (agency/alerts.py does the work)."""

from __future__ import annotations

from datetime import datetime

from sms_gateway.agency import alerts
from sms_gateway.services import current


def notify_alerts(*, now: datetime | None = None) -> int:
    """E-mail open agency alerts to the operators (a periodic task)."""
    return alerts.notify_alerts(current(), now=now)
