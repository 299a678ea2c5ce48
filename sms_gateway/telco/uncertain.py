"""Sends whose fate is unknown: the answer was lost, or the worker was killed mid-send.

With many sends in flight per worker (telco/send_pool.py) a killed worker leaves many. Each is
settled by what its channel allows, once per sweep:
- a channel that deduplicates on our reference gets it again (it cannot reach the phone twice);
- a channel that can be asked (`reconcile`, e.g. Twilio's Messages list) is asked: what it has
  is recorded as sent, what it never got is sent again;
- any other follows `[sms] on_uncertain`: "resend" (a duplicate SMS is better than none) or
  "hold" for an operator, who resends it from the console (`resend_held`).
A send tried `max_send_attempts` times is held whatever the policy: no endless duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Citizen, OutboundMessage
from sms_gateway.telco.providers.base import Provider, SendResult
from sms_gateway.telco.sending import enqueue_send

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)

HELD = "held"
# How far before the claim the provider's records are searched (clock skew between hosts).
RECONCILE_MARGIN = timedelta(minutes=10)

Reconcile = Callable[[str, str, datetime, frozenset[str]], "SendResult | None"]


def reconciler(channel: Provider) -> Reconcile | None:
    """The channel's `reconcile(to, body, since, known_ids)`, if its provider can be asked."""
    # getattr: adapters outside the package may not subclass the Protocol.
    return channel.reconcile if getattr(channel, "can_reconcile", False) else None


def settle(session: Session, services: Services, cutoff: datetime, limit: int) -> int:
    """Settle uncertain sends: `unknown` ones, and `sending` ones claimed before `cutoff`.

    Returns how many were held for an operator. Rows set to `queued` are dated back, so the
    same sweep queues them again.
    """
    rows = session.execute(select(OutboundMessage).where(or_(
        OutboundMessage.status == "unknown",
        (OutboundMessage.status == "sending") & (OutboundMessage.updated_at <= cutoff)))
        .order_by(OutboundMessage.id).limit(limit)).scalars().all()
    held = 0
    for out in rows:
        outcome = _settle_one(session, services, out)
        if outcome == HELD:
            held += 1
    return held


def _settle_one(session: Session, services: Services, out: OutboundMessage) -> str:
    channel = services.channels.get(out.channel or "", services.outbound)
    if channel.idempotent_send:
        _resend(out, count_attempt=False)
        return "queued"
    ask = reconciler(channel)
    if ask is not None:
        citizen = session.get(Citizen, out.citizen_id)
        assert citizen is not None
        known = frozenset(sid for sid in session.execute(
            select(OutboundMessage.provider_message_id).where(
                OutboundMessage.citizen_id == out.citizen_id,
                OutboundMessage.provider_message_id.is_not(None))).scalars() if sid)
        try:
            found = ask(services.vault.decrypt(citizen.phone_enc), out.body,
                        out.updated_at - RECONCILE_MARGIN, known)
        except Exception as exc:  # noqa: BLE001 - asked again next sweep
            log.warning("reconciling outbound %s through %s failed: %s", out.id, channel.name,
                        type(exc).__name__)
            return "unknown"
        if found is not None:
            out.status, out.provider_message_id = "sent", found.provider_message_id
            out.channel, out.sent_at, out.updated_at = channel.name, utcnow(), utcnow()
            out.last_error = "settled: the provider has it"
            log.info("outbound %s: the provider has it (reconciled)", out.id)
            return "sent"
        if out.attempts < services.config.sms.max_send_attempts:
            _resend(out, count_attempt=True)
            return "queued"
    elif services.config.sms.on_uncertain == "resend" \
            and out.attempts < services.config.sms.max_send_attempts:
        _resend(out, count_attempt=True)
        return "queued"
    out.status, out.updated_at = HELD, utcnow()
    out.last_error = "uncertain send held for an operator (on_uncertain or attempts used up)"
    return HELD


def _resend(out: OutboundMessage, *, count_attempt: bool) -> None:
    out.status = "queued"
    if not count_attempt:  # the provider deduplicates: the cut-off try does not count
        out.attempts = max(out.attempts - 1, 0)
    out.next_attempt_at = None
    out.updated_at = utcnow() - timedelta(days=1)  # eligible for this very sweep's requeue


def resend_held(services: Services, outbound_ids: list[int]) -> list[int]:
    """An operator's decision: send these held SMS again; returns the ids queued."""
    with services.sessions.begin() as session:
        queued = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id.in_(outbound_ids), OutboundMessage.status == HELD)
            .values(status="queued", next_attempt_at=None, updated_at=utcnow(),
                    attempts=0, last_error="resent by an operator")
            .returning(OutboundMessage.id)).scalars().all()
    for outbound_id in queued:
        enqueue_send(services, outbound_id)
    return list(queued)


def held(session: Session, limit: int) -> list[OutboundMessage]:
    """Sends held for an operator, oldest first."""
    return list(session.execute(select(OutboundMessage).where(OutboundMessage.status == HELD)
                                .order_by(OutboundMessage.id).limit(limit)).scalars())
