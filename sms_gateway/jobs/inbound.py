"""Job entry points for step 2 of an SMS (complaints/inbound.py does the work)."""

from __future__ import annotations

from sms_gateway.complaints import inbound
from sms_gateway.services import current


def process_inbound(message_id: int) -> None:
    """Parse one stored message and act on it, exactly once whatever the retries."""
    inbound.process(current(), message_id)


def process_inbound_batch(message_ids: list[int]) -> None:
    """Process messages the webhooks queued together, each on its own."""
    inbound.process_batch(current(), message_ids)
