"""Job entry point for step 3 of an SMS (telco/sending.py does the work)."""

from __future__ import annotations

from sms_gateway.services import current
from sms_gateway.telco import sending


def send_sms(outbound_id: int) -> None:
    """Send one queued SMS, once, retrying only retryable failures.

    In a worker with a send pool the row is claimed here, the send runs in the pool and this
    job returns at once; a failure is queued again from the pool (telco/sending.send_many).
    """
    services = current()
    if services.send_pool is not None:
        sending.send_soon(services, outbound_id)
    else:
        sending.send(services, outbound_id)
