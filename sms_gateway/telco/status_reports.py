"""Delivery reports, including those that overtake the record of their own send.

Kannel's "accepted by SMSC" report often arrives while the send job is still writing down that
Kannel accepted the SMS. Such a report is kept and applied when the send is recorded (and by
the periodic upkeep, for the rare report that slips between the two transactions).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sms_gateway.store.channels import PendingStatus
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import OUTBOUND_RANK, OutboundMessage
from sms_gateway.telco.providers.base import StatusReport

# A report whose send never shows up within this long is dropped.
PENDING_KEEP = timedelta(days=2)


def record(session: Session, channel: str, report: StatusReport) -> int | None:
    """Apply one report forward-only; keep it for later if its send is not recorded yet.

    Returns the outbound message id when the message is known, else None (kept).
    """
    out_id = session.execute(select(OutboundMessage.id).where(
        OutboundMessage.channel == channel,
        OutboundMessage.provider_message_id == report.provider_message_id)).scalar()
    if out_id is None:
        session.add(PendingStatus(channel=channel, provider_message_id=report.provider_message_id,
                                  status=report.status, error=report.error))
        return None
    apply_status(session, channel, report.provider_message_id, report.status)
    if report.error and report.status in ("undelivered", "failed"):
        out = session.get(OutboundMessage, out_id)
        if out is not None and out.last_error is None:
            out.last_error = report.error[:2000]
    return int(out_id)


def apply_pending(session: Session, channel: str, provider_message_id: str) -> int:
    """Apply the kept reports of a send just recorded (most advanced last); returns how many."""
    return apply_pending_many(session, [(channel, provider_message_id)])


def apply_pending_many(session: Session, sends: Collection[tuple[str, str]]) -> int:
    """Apply the kept reports of sends just recorded, (channel, provider id) each, found in one
    SELECT; returns how many."""
    if not sends:
        return 0
    wanted = set(sends)
    pending = [p for p in session.execute(select(PendingStatus).where(
        PendingStatus.provider_message_id.in_({pid for _, pid in wanted}))).scalars()
        if (p.channel, p.provider_message_id) in wanted]
    # Most advanced last, so each step is applied (apply_status moves forward only).
    for p in sorted(pending, key=lambda p: OUTBOUND_RANK.get(p.status, 0)):
        apply_status(session, p.channel, p.provider_message_id, p.status)
        session.delete(p)
    return len(pending)


def settle_pending(session: Session) -> int:
    """Apply kept reports whose sends are recorded by now; drop the very old ones."""
    applied = 0
    rows = session.execute(select(PendingStatus.channel, PendingStatus.provider_message_id)
                           .distinct().limit(1000)).all()
    for channel, pid in rows:
        known = session.execute(select(OutboundMessage.id).where(
            OutboundMessage.channel == channel,
            OutboundMessage.provider_message_id == pid)).scalar()
        if known is not None:
            applied += apply_pending(session, channel, pid)
    session.execute(delete(PendingStatus).where(PendingStatus.received_at
                                                < utcnow() - PENDING_KEEP))
    return applied


def apply_status(session: Session, channel: str, provider_message_id: str, status: str) -> int:
    """Move a message's delivery status forward only; returns how many rows changed."""
    rank = OUTBOUND_RANK[status]
    lower = [s for s, r in OUTBOUND_RANK.items() if r < rank]
    values: dict[str, object] = {"status": status, "updated_at": utcnow()}
    if status == "delivered":
        values["delivered_at"] = utcnow()
    result: Any = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.channel == channel,
               OutboundMessage.provider_message_id == provider_message_id,
               OutboundMessage.status.in_(lower))
        .values(**values))
    return int(result.rowcount)
