"""Job entry points the sweeper runs each round besides those of the other job modules."""

from __future__ import annotations

from sms_gateway.complaints import learning
from sms_gateway.services import current
from sms_gateway.telco import channel_upkeep as upkeep


def channel_upkeep() -> dict[str, int]:
    """Join stale SMS parts, apply kept delivery reports, expire channel logs."""
    return upkeep.channel_upkeep(current())


def retrain_models() -> int | None:
    """Retrain when [parser] retrain_every_hours have passed (off by default); the version id."""
    report = learning.scheduled_retrain(current())
    return report.version_id if report is not None else None
