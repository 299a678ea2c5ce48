"""Job entry point for step 3 of an SMS (telco/sending.py does the work)."""

from __future__ import annotations

from sms_gateway.services import current
from sms_gateway.telco import sending


def send_sms(outbound_id: int) -> None:
    """Send one queued SMS, once, retrying only retryable failures."""
    sending.send(current(), outbound_id)
