"""Job entry point for the retention purge (complaints/retention.py does the work)."""

from __future__ import annotations

from sms_gateway.complaints import retention
from sms_gateway.services import current


def purge_message_text(*, force: bool = False) -> int:
    """Erase expired message texts (at most once per run_every_minutes); returns rows purged."""
    return retention.purge_message_text(current(), force=force)
