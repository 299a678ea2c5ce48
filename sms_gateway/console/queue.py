"""The review queue: what waits, for how long, and who holds which message (locks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sms_gateway.store.console import ConsoleUser, ReviewLock
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import InboundMessage

PENDING, REVIEWED = "pending", "reviewed"

# What waits for an operator: pending and not blank (an empty SMS has nothing to decide;
# older versions queued them as blank, unclickable rows).
WAITING = and_(InboundMessage.review_status == PENDING,
               func.trim(func.coalesce(InboundMessage.text, "")) != "")


@dataclass(frozen=True)
class QueueStats:
    """How many messages wait for review and since when the oldest has waited."""

    size: int
    oldest: datetime | None

    def oldest_age(self, now: datetime) -> timedelta | None:
        return None if self.oldest is None else now - self.oldest


def stats(session: Session) -> QueueStats:
    """Size of the queue and the time the oldest waiting message arrived."""
    size, oldest = session.execute(
        select(func.count(), func.min(InboundMessage.received_at)).where(WAITING)).one()
    return QueueStats(size, oldest)


@dataclass(frozen=True)
class QueueItem:
    message: InboundMessage
    locked_by: str | None  # e-mail of the operator holding a live lock


def pending(session: Session, *, limit: int = 50, offset: int = 0) -> list[QueueItem]:
    """Waiting messages, oldest first, with who (if anyone) is handling each."""
    now = utcnow()
    rows = session.execute(
        select(InboundMessage, ConsoleUser.email)
        .outerjoin(ReviewLock, and_(ReviewLock.inbound_message_id == InboundMessage.id,
                                    ReviewLock.expires_at > now))
        .outerjoin(ConsoleUser, ConsoleUser.id == ReviewLock.user_id)
        .where(WAITING)
        .order_by(InboundMessage.received_at, InboundMessage.id)
        .limit(limit).offset(offset)).all()
    return [QueueItem(message, email) for message, email in rows]


def acquire(session: Session, message_id: int, user_id: int, minutes: int) -> bool:
    """Lock a message to a user (or extend their lock); False if someone else holds it."""
    now = utcnow()
    until = now + timedelta(minutes=minutes)
    taken = _rowcount(session.execute(
        update(ReviewLock)
        .where(ReviewLock.inbound_message_id == message_id,
               or_(ReviewLock.user_id == user_id, ReviewLock.expires_at <= now))
        .values(user_id=user_id, locked_at=now, expires_at=until)))
    if taken:
        return True
    try:
        with session.begin_nested():
            session.add(ReviewLock(inbound_message_id=message_id, user_id=user_id,
                                   locked_at=now, expires_at=until))
    except IntegrityError:
        return False  # a live lock of another user exists
    return True


def holds(session: Session, message_id: int, user_id: int) -> bool:
    """True while this user holds a live lock on the message."""
    return session.execute(select(ReviewLock.inbound_message_id).where(
        ReviewLock.inbound_message_id == message_id, ReviewLock.user_id == user_id,
        ReviewLock.expires_at > utcnow())).scalar() is not None


def lock_expiry(session: Session, message_id: int) -> datetime | None:
    """When the current lock on a message ends, if there is one."""
    return session.execute(select(ReviewLock.expires_at).where(
        ReviewLock.inbound_message_id == message_id)).scalar()


def release(session: Session, message_id: int, user_id: int) -> None:
    """Give up a user's lock on a message."""
    session.execute(delete(ReviewLock).where(ReviewLock.inbound_message_id == message_id,
                                             ReviewLock.user_id == user_id))


def next_for(session: Session, user_id: int, minutes: int) -> int | None:
    """Lock and return the oldest waiting message nobody else is handling, if any."""
    # The user's own live lock comes first: "next" after a reload returns the same message.
    for item in pending(session, limit=20):
        if item.locked_by is None or holds(session, item.message.id, user_id):
            if acquire(session, item.message.id, user_id, minutes):
                return item.message.id
    return None


def claim(session: Session, message_id: int, user_id: int) -> InboundMessage | None:
    """Take a pending message out of the queue for a decision; None if not allowed now.

    The conditional update is what makes a decision happen once: two operators (or two
    clicks) racing on one message see exactly one success.
    """
    if not holds(session, message_id, user_id):
        return None
    done = _rowcount(session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message_id, InboundMessage.review_status == PENDING)
        .values(review_status=REVIEWED)))
    if not done:
        return None
    session.execute(delete(ReviewLock).where(ReviewLock.inbound_message_id == message_id))
    return session.get(InboundMessage, message_id)


def _rowcount(result: Result[Any]) -> int:
    return cast(CursorResult[Any], result).rowcount


def reopen(session: Session, message: InboundMessage) -> None:
    """Put a handled message back into the review queue."""
    message.review_status = PENDING
    message.review_reason = "reopened"
