"""What a send leaves in the database: the row's new status, its channel logs, early reports.

Successful sends are written down many in one transaction (`record_sent`, fed by the send
pool's recorder): one INSERT of their channel logs, one executemany UPDATE of their rows, one
SELECT of the delivery reports that overtook them. Until that commits a row stays `sending`,
so a process that dies first leaves it to the sweeper (telco/uncertain.py), as a send cut off
mid-call. Failures, retries and hand-backs are rare and written one at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, bindparam, update

from sms_gateway.store.db import utcnow
from sms_gateway.store.models import OUTBOUND_RANK, OutboundMessage
from sms_gateway.telco import channel_logs
from sms_gateway.telco.providers.base import SendResult
from sms_gateway.telco.providers.errors import SendError
from sms_gateway.telco.providers.transport import Exchange, Redactor
from sms_gateway.telco.status_reports import apply_pending_many, apply_status

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)

# Core, not the ORM: an executemany UPDATE by id, nothing to synchronise.
_outbound = cast(Table, OutboundMessage.__table__)
_MARK_SENT = (update(_outbound).where(_outbound.c.id == bindparam("b_id")).values(
    status="sent", provider_message_id=bindparam("b_provider_id"),
    channel=bindparam("b_channel"), sent_at=bindparam("b_now"), updated_at=bindparam("b_now"),
    last_error=None))


@dataclass(frozen=True, slots=True)
class Sent:
    """One SMS a channel took: to be written down."""

    outbound_id: int
    channel: str
    result: SendResult
    exchanges: list[Exchange]


def record_sent(services: Services, sent: Sequence[Sent]) -> None:
    """Write down successful sends in one transaction (channel logs, rows, early reports)."""
    if not sent:
        return
    now = utcnow()
    with services.sessions.begin() as session:
        channel_logs.add_sends(session, [(s.channel, s.outbound_id, s.exchanges) for s in sent])
        session.execute(_MARK_SENT, [
            {"b_id": s.outbound_id, "b_provider_id": s.result.provider_message_id,
             "b_channel": s.channel, "b_now": now} for s in sent])
        for s in sent:  # a provider that answers with more than "sent" (rare)
            if OUTBOUND_RANK.get(s.result.status, 0) > OUTBOUND_RANK["sent"]:
                apply_status(session, s.channel, s.result.provider_message_id, s.result.status)
        # Delivery reports that overtook these very records.
        apply_pending_many(session, [(s.channel, s.result.provider_message_id) for s in sent])


def write_sent(services: Services, sent: list[Sent]) -> None:
    """The recorder's writer: all together; if that fails, each alone, so one bad row stays
    `sending` for the sweeper and the others are recorded."""
    try:
        record_sent(services, sent)
        return
    except Exception:  # noqa: BLE001 - retried one by one below
        if len(sent) == 1:
            raise
        log.warning("recording %d sends together failed; recording each alone", len(sent),
                    exc_info=True)
    for s in sent:
        try:
            record_sent(services, [s])
        except Exception:  # noqa: BLE001 - the row stays `sending`: the sweeper settles it
            log.exception("send of outbound %s could not be recorded; the sweeper will "
                          "settle it", s.outbound_id)


def record_failed_try(services: Services, channel: str, outbound_id: int,
                      exchanges: list[Exchange]) -> None:
    """The channel logs of one failed try."""
    with services.sessions.begin() as session:
        channel_logs.add(session, channel, channel_logs.SEND, exchanges,
                         outbound_id=outbound_id)


def record_send_error(services: Services, outbound_id: int, status: str, exc: SendError, *,
                      retry_in: float | None) -> None:
    """The row after its last try failed: `status`, the masked error, when to try again."""
    with services.sessions.begin() as session:
        session.execute(
            update(OutboundMessage).where(OutboundMessage.id == outbound_id).values(
                status=status,
                # Provider error texts may quote the number (Twilio 21211): mask it.
                last_error=Redactor().text(str(exc))[:2000], updated_at=utcnow(),
                next_attempt_at=utcnow() + timedelta(seconds=retry_in)
                if retry_in is not None else None))


def hand_back(services: Services, outbound_id: int, wait: float) -> None:
    """Give a claimed SMS back, its try uncounted, for the sweeper to requeue after `wait` s."""
    with services.sessions.begin() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.id == outbound_id).values(
            status="queued", attempts=OutboundMessage.attempts - 1,
            next_attempt_at=utcnow() + timedelta(seconds=wait),
            updated_at=utcnow() - timedelta(seconds=services.config.queue.stuck_after_seconds)))
