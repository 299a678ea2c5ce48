"""Job entry points for the agencies' deadlines (agency/sla.py does the work)."""

from __future__ import annotations

from datetime import datetime

from sms_gateway.agency import sla
from sms_gateway.agency.sla import SlaReport
from sms_gateway.services import current


def check_deadlines(*, now: datetime | None = None) -> SlaReport:
    """Escalate every ticket past a deadline (once per stage)."""
    return sla.check_deadlines(current(), now=now)


def run_periodic() -> SlaReport | None:
    """The sweeper's task: check deadlines, at most once per CHECK_INTERVAL."""
    return sla.run_periodic(current())
