"""A citizen's SMS that continues an open ticket: a 1-5 rating, or more information.

Called from process_inbound's handlers before a message opens a new ticket. A message counts
as a follow-up when it rates a ticket waiting for its rating, names one of the sender's own
open tickets by number, or answers an agency that put the ticket on hold (tertunda).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from parsers.commands import Grammar
from routing import lifecycle
from sms_gateway.agency.deliveries import create_deliveries
from sms_gateway.store import tickets
from sms_gateway.store.agency import TicketRating
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Ticket, TicketEvent

if TYPE_CHECKING:
    from sms_gateway.complaints.context import Context

_NUMBER = re.compile(r"(?<!\d)#?(\d{7})(?!\d)")
INFO_WINDOW = timedelta(days=14)
MAX_INFO_CHARS = 2000


def follow_up(ctx: Context) -> str | None:
    """Handle the message as a follow-up and return the outcome, or None if it is not one."""
    rating = _rating_of(ctx)
    if rating is not None:
        ticket = _awaiting(ctx, "rating", lifecycle.SELESAI)
        if ticket is not None:
            return _rate(ctx, ticket, rating)
    ticket = _named_open_ticket(ctx) or _awaiting(ctx, "info", lifecycle.TERTUNDA)
    if ticket is not None:
        return _add_info(ctx, ticket)
    return None


def _rating_of(ctx: Context) -> int | None:
    if ctx.result.rating is not None and 1 <= ctx.result.rating <= 5:
        return ctx.result.rating
    return Grammar.rating(ctx.message.text or "")


def _awaiting(ctx: Context, what: str, status: str) -> Ticket | None:
    """The citizen's ticket in this status waiting for this answer, the latest changed."""
    since = utcnow() - INFO_WINDOW
    waiting = [t for t in ctx.chunk.waiting_tickets(ctx.citizen.id)
               if t.awaiting == what and t.status == status and t.updated_at >= since]
    return max(waiting, key=lambda t: (t.updated_at, t.id or 0), default=None)


def _named_open_ticket(ctx: Context) -> Ticket | None:
    numbers = [ctx.result.ticket_ref] if ctx.result.ticket_ref else []
    numbers += _NUMBER.findall(ctx.message.text or "")
    if not numbers:
        return None
    return ctx.session.execute(
        select(Ticket).where(Ticket.citizen_id == ctx.citizen.id, Ticket.number.in_(numbers),
                             Ticket.status.not_in(lifecycle.TERMINAL))
        .order_by(Ticket.id.desc()).limit(1)).scalar_one_or_none()


def _rate(ctx: Context, ticket: Ticket, rating: int) -> str:
    ctx.session.add(TicketRating(ticket_id=ticket.id, agency_code=ticket.agency_code,
                                 rating=rating, inbound_message_id=ctx.message.id, at=utcnow()))
    ticket.rating = rating
    ticket.awaiting = None
    ctx.attach(ticket)
    tickets.set_status(ctx.session, ticket, lifecycle.ARSIP, actor="citizen", rating=rating)
    ctx.reply("rating_thanks", ticket=ticket, number=ticket.number, rating=str(rating))
    return "rated"


def _previous_status(ctx: Context, ticket: Ticket) -> str:
    """The status a ticket had before it was put on hold (diproses if unknown)."""
    before = ctx.session.execute(select(TicketEvent.from_status).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.to_status == lifecycle.TERTUNDA)
        .order_by(TicketEvent.id.desc()).limit(1)).scalar()
    if before and lifecycle.can_transition(lifecycle.TERTUNDA, before):
        return str(before)
    return lifecycle.DIPROSES


def _add_info(ctx: Context, ticket: Ticket) -> str:
    """Add the message to the ticket's history and pass it on to the ticket's agency."""
    ctx.attach(ticket)
    event = tickets.add_event(ctx.session, ticket, "citizen_message", actor="citizen",
                              inbound_message_id=ctx.message.id, purpose="info",
                              text=(ctx.message.text or "")[:MAX_INFO_CHARS])
    if ticket.status == lifecycle.TERTUNDA and ticket.awaiting == "info":
        ticket.awaiting = None
        event = tickets.set_status(ctx.session, ticket, _previous_status(ctx, ticket),
                                   actor="citizen", reason="info_added") or event
    if ticket.agency_code and ticket.status in (lifecycle.TERDISPOSISI, lifecycle.DIPROSES):
        ctx.delivery_ids += create_deliveries(ctx.services, ctx.session, ticket,
                                              ticket.agency_code, event, "info")
    ctx.reply("info_added", ticket=ticket, number=ticket.number)
    return "info_added"
