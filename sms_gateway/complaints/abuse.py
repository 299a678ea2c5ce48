"""What one phone number may cause: spam held back, floods throttled, repeats merged.

`screen` runs inside process_inbound's transaction, after parsing and before the intent
handlers. The chunk of messages being processed (complaints/chunk.py) holds its senders'
citizen row locks, so two workers never judge the same sender's messages at once, and reads
each sender's recent messages once for all of them; every count is by arrival (message id),
not by processing order, so the verdicts do not depend on which worker ran first. STOP and
START always go through.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import TYPE_CHECKING

from sms_gateway.store import tickets
from sms_gateway.store.models import Ticket

if TYPE_CHECKING:
    from sms_gateway.complaints.context import Context

THROTTLED, MERGED, SPAM = "throttled", "merged", "spam"
ALWAYS_ALLOWED = frozenset({"stop", "start"})
MAX_COMPARED = 50  # earlier messages of one sender compared word by word, at most
_WORDS = re.compile(r"\w+")


def screen(ctx: Context) -> str | None:
    """Handle the message here when it is spam, a repeat or over the rate limit.

    Returns the message's outcome when it did, None when the intent handlers should run.
    """
    cfg = ctx.services.config.abuse
    if not cfg.enabled or ctx.result.intent in ALWAYS_ALLOWED:
        return None
    if ctx.result.spam:
        return _hold_spam(ctx)
    over_limit = arrival_rank(ctx, cfg.window_seconds) > cfg.max_messages_per_window
    original = _identical_ticket(ctx, cfg.duplicate_window_seconds) \
        if ctx.result.intent == "complaint" else None
    if original is not None:
        return _merge(ctx, original, reply=not over_limit)
    if over_limit:
        return _throttle(ctx, cfg.throttle_reply_cooldown_seconds, cfg.window_seconds)
    return None


def arrival_rank(ctx: Context, window_seconds: int) -> int:
    """How many messages this sender sent in the window up to and including this one."""
    message = ctx.message
    since = message.received_at - timedelta(seconds=window_seconds)
    return sum(1 for id_, at in ctx.chunk.arrivals(message.sender_hash, window_seconds)
               if id_ <= message.id and at > since)


def same_text(a: str, b: str) -> bool:
    """True when two texts have the same words, whatever the case, spacing and punctuation."""
    return _WORDS.findall(a.casefold()) == _WORDS.findall(b.casefold())


def _identical_ticket(ctx: Context, window_seconds: int) -> Ticket | None:
    """The ticket an identical complaint from this sender opened within the window, if any."""
    message = ctx.message
    window = timedelta(seconds=window_seconds)
    recent = sorted((r for r in ctx.chunk.ticketed(message.sender_hash, window_seconds)
                     if r.id != message.id
                     and message.received_at - window <= r.received_at
                     <= message.received_at + window), key=lambda r: r.id)[:MAX_COMPARED]
    for earlier in recent:  # the first identical one that opened a ticket
        if earlier.text is not None and same_text(earlier.text, message.text or ""):
            ticket = ctx.chunk.ticket_opened_by(earlier.id)
            if ticket is not None:
                return ticket
    return None


def _hold_spam(ctx: Context) -> str:
    """Spam and scams: kept and flagged for review, no ticket, no reply."""
    ctx.message.review_status = "pending"
    ctx.message.review_reason = SPAM
    return "review"


def _merge(ctx: Context, ticket: Ticket, *, reply: bool) -> str:
    ctx.attach(ticket)
    tickets.queue_event(ctx.session, ticket, "duplicate_merged", actor="citizen",
                        inbound_message_id=ctx.message.id)
    if reply:
        ctx.reply("duplicate", ticket=ticket, number=ticket.number)
    return MERGED


def _throttle(ctx: Context, cooldown_seconds: int, window_seconds: int) -> str:
    """Over the limit: no ticket, kept for review; one throttle reply per cooldown at most,
    saying how long to wait (the flood window, in whole minutes)."""
    ctx.message.review_status = "pending"
    ctx.message.review_reason = "rate_limited"
    since = ctx.message.received_at - timedelta(seconds=cooldown_seconds)
    last = ctx.chunk.last_reply_at(ctx.citizen.id, THROTTLED)
    if last is None or last <= since:
        ctx.reply(THROTTLED, minutes=str(max(1, math.ceil(window_seconds / 60))))
    return THROTTLED
