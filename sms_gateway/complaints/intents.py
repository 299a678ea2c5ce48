"""One handler per intent of an understood SMS: a complaint, CEK, BATAL, INFO, STOP, MULAI.

Each takes the message's Context, writes what it decides and queues the one reply; it returns
the outcome recorded on the message.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from parsers import ParseResult
from routing import lifecycle, regions
from sms_gateway.agency.payload import latest_response
from sms_gateway.agency.records import directory_for
from sms_gateway.complaints import cases, followups, replies
from sms_gateway.complaints.context import Context
from sms_gateway.store import rows, tickets
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Ticket, TicketEvent

if TYPE_CHECKING:
    from sms_gateway.services import Services

LOCATION_WINDOW = timedelta(days=3)
MAX_OPTIONS = 4  # numbered places offered in one SMS, at most
HELP_AGAIN_AFTER = timedelta(hours=24)  # a greeting gets the help text once in this time

log = logging.getLogger(__name__)


def _own_ticket(ctx: Context, number: str | None, *, to_change: bool = False) -> Ticket | None:
    """The ticket with this number if, and only if, this citizen filed it; to_change: locked
    and read afresh (store/tickets.for_change), as an agency may be answering it meanwhile."""
    if not number:
        return None
    query = select(Ticket).where(Ticket.number == number, Ticket.citizen_id == ctx.citizen.id)
    return ctx.session.execute(
        tickets.for_change(query) if to_change else query).scalar_one_or_none()


def _awaiting_location(ctx: Context) -> Ticket | None:
    """The citizen's latest ticket waiting for its place, opened within LOCATION_WINDOW."""
    since = utcnow() - LOCATION_WINDOW
    waiting = [t for t in ctx.chunk.waiting_tickets(ctx.citizen.id)
               if t.awaiting == "location" and t.created_at >= since]
    return max(waiting, key=lambda t: t.created_at, default=None)


def _follow_up(ctx: Context) -> str | None:
    """An answer to something we asked: the location, a rating, more information."""
    waiting = _awaiting_location(ctx)
    if waiting is not None and ctx.result.region is not None:
        return _join_location(ctx, waiting, ctx.result.region.code, ctx.result.region.name)
    if waiting is not None:
        chosen = _chosen_place(ctx, waiting)
        if chosen is not None:
            return _join_location(ctx, waiting, *chosen)
    return followups.follow_up(ctx)


def _only_the_place_is_unsure(result: ParseResult) -> bool:
    """Review was asked for the place alone: the category's confidence and the screening
    raised no doubt (their reasons start with review: and screen:)."""
    return not any(reason.startswith(("review:", "screen:")) for reason in result.reasons)


def _place_options(ctx: Context) -> list[tuple[str, str]]:
    """The places to offer as numbered choices: (code, short label), at most MAX_OPTIONS.

    The parser's options when the place is ambiguous, else the kelurahan an address suggests
    (a probable place is confirmed by the citizen, never taken as the ticket's place).
    """
    r = ctx.result
    if r.region_options:
        return [(o.region.code, ", ".join([o.region.name, *(p.name for p in o.parents[:1])]))
                for o in r.region_options[:MAX_OPTIONS]]
    if r.probable_region is not None:
        return [(r.probable_region.code, r.probable_region.name)]
    return []


def _ask_place(ctx: Context, ticket: Ticket) -> None:
    """Ask where: with numbered choices in one SMS when the parser has some, else openly."""
    options = _place_options(ctx)
    while options:  # as many choices as fit one SMS, never a choice cut in half
        text = " ".join(f"{n} {label}" for n, (_, label) in enumerate(options, 1))
        if not replies.overflow("ask_location_choice", ctx.language, number=ticket.number,
                                options=text):
            tickets.queue_event(ctx.session, ticket, "location_asked", purpose="options",
                              options=[code for code, _ in options])
            ctx.reply("ask_location_choice", ticket=ticket, number=ticket.number, options=text)
            return
        options = options[:-1]
    ctx.reply("ask_location", ticket=ticket, number=ticket.number)


def _chosen_place(ctx: Context, ticket: Ticket) -> tuple[str, str] | None:
    """A lone digit answering our numbered place question: the (code, name) chosen."""
    number = ctx.result.rating  # the parser reads a lone digit 1-5 as a rating
    if number is None:
        return None
    # The chunk's tickets and history so far first (store/rows.py: no autoflush writes the
    # history): the question may be in this chunk, its ticket too.
    rows.flush(ctx.session)
    asked = ctx.session.execute(select(TicketEvent.detail).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "location_asked")
        .order_by(TicketEvent.id.desc()).limit(1)).scalar()
    codes = list((asked or {}).get("options") or [])
    if not 1 <= number <= len(codes):
        return None
    info = regions.gazetteer().get(codes[number - 1])
    return (info.code, info.name) if info is not None else None


def _route_and_answer(ctx: Context, ticket: Ticket) -> None:
    decision = tickets.apply_route(ctx.session, ticket, ctx.result.keyword,
                                   directory=directory_for(ctx.services))
    if decision.agency is None:
        _ask_place(ctx, ticket)
    else:
        ctx.forward(ticket)
        ctx.reply("ticket_created_anonymous" if ticket.anonymous else "ticket_created",
                  ticket=ticket, number=ticket.number, agency=ticket.agency_name or "")


def handle_complaint(ctx: Context) -> str:
    r = ctx.result
    follow_up = _follow_up(ctx)
    if follow_up is not None:
        return follow_up
    if r.category is None:
        return handle_unknown(ctx)
    waiting = _awaiting_location(ctx) if r.needs_review else None
    if waiting is not None:  # an unsure reply to our location question opens no new ticket
        return _unclear_location(ctx, waiting)
    region_code, region_name = _region_of(ctx.services, r)
    ticket = ctx.chunk.open_ticket(
        citizen_id=ctx.citizen.id, inbound_message_id=ctx.message.id,
        category=r.category, region_code=region_code, region_name=region_name,
        probable_region_code=r.probable_region.code if r.probable_region else None,
        probable_region_name=r.probable_region.name if r.probable_region else None,
        description=r.description,
        anonymous=r.anonymous, confidential=r.confidential, about_officials=r.about_officials)
    ctx.attach(ticket)
    if r.needs_review:
        if _only_the_place_is_unsure(r) and _place_options(ctx):
            ticket.awaiting = "location"  # the citizen picks the place: no operator needed
            _ask_place(ctx, ticket)
            return "location_asked"
        return _await_verification(ctx, ticket)
    lead = cases.find_case(ctx.session, ctx.services.config.cases, ticket,
                           among=ctx.chunk.case_candidates, forwarding=ctx.chunk.forwarding)
    if lead is not None:  # another citizen reported it already: one case, no second forward
        cases.join(ctx.session, ticket, lead)
        ctx.reply("case_joined", ticket=ticket, number=ticket.number,
                  agency=ticket.agency_name or "")
        return "case_joined"
    _route_and_answer(ctx, ticket)
    return "ticket_created"


def _await_verification(ctx: Context, ticket: Ticket) -> str:
    """Below the model's threshold: the number now, forwarded once an operator verifies it.

    As in LAPOR!, whose first status is belum_terverifikasi: the ticket stays there, in the
    review queue, until the console's review decision confirms category and place and routes it.
    """
    doubted = any(r.startswith("screen:") for r in ctx.result.reasons)
    ctx.message.review_status = "pending"
    # The queue says which: the parser doubts it is a complaint at all, or is unsure of it.
    ctx.message.review_reason = "doubt" if doubted else "low_confidence"
    template = ("ticket_unverified_doubt" if doubted else
                "ticket_unverified_anonymous" if ticket.anonymous else "ticket_unverified")
    ctx.reply(template, ticket=ticket, number=ticket.number)
    return "ticket_unverified"


def case_place(services: Services, result: ParseResult) -> tuple[str, str | None] | None:
    """The category and place in which a complaint's new ticket would look for its case."""
    if result.intent != "complaint" or result.category is None:
        return None
    return result.category, _region_of(services, result)[0]


def _region_of(services: Services, result: ParseResult) -> tuple[str | None, str | None]:
    """The place named in the SMS, else the region the channel implies (a city's own number)."""
    if result.region is not None:
        return result.region.code, result.region.name
    implied = services.config.parser.default_region
    info = regions.gazetteer().get(implied) if implied else None
    return (info.code, info.name) if info is not None else (None, None)


def _join_location(ctx: Context, ticket: Ticket, code: str, name: str) -> str:
    """The answer to our location question: complete the waiting ticket and route it."""
    ticket.region_code, ticket.region_name = code, name
    ctx.attach(ticket)
    tickets.queue_event(ctx.session, ticket, "citizen_message", actor="citizen",
                        inbound_message_id=ctx.message.id, purpose="location")
    _route_and_answer(ctx, ticket)
    return "location_added"


def handle_status(ctx: Context) -> str:
    if not ctx.result.ticket_ref:
        return _list_tickets(ctx)
    ticket = _own_ticket(ctx, ctx.result.ticket_ref)
    number = ctx.result.ticket_ref or "-"
    if ticket is None:
        ctx.reply("status_not_found", number=number)
        return "status_not_found"
    latest = latest_response(ctx.session, ticket.id)
    # "Tiket #N: diproses. Dinas X: <its answer>", or "... Dinas X." without an answer.
    agency = ticket.agency_name or ""
    ctx.reply("status", ticket=ticket, number=ticket.number,
              status=replies.status_label(ticket.status, ctx.language), agency=agency,
              response=f": {latest.text}" if latest else ("." if agency else ""))
    return "status_reply"


def _list_tickets(ctx: Context) -> str:
    """CEK without a number: the sender's open tickets (or the latest one) in one SMS."""
    own = select(Ticket).where(Ticket.citizen_id == ctx.citizen.id)
    found = list(ctx.session.execute(
        own.where(Ticket.status.not_in(lifecycle.TERMINAL))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(10)).scalars())
    if not found:
        found = list(ctx.session.execute(
            own.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(1)).scalars())
    if not found:
        ctx.reply("status_none")
        return "status_none"
    entries: list[str] = []
    for ticket in found:  # as many as fit in one SMS, newest first
        entry = f"#{ticket.number} {replies.status_label(ticket.status, ctx.language)}"
        text = replies.render("status_list", ctx.language, tickets="; ".join([*entries, entry]))
        if len(text) > replies.SEGMENT and entries:
            break
        entries.append(entry)
    ctx.reply("status_list", tickets="; ".join(entries))
    return "status_reply"


def handle_cancel(ctx: Context) -> str:
    ticket = _own_ticket(ctx, ctx.result.ticket_ref, to_change=True)
    if ticket is None:
        ctx.reply("status_not_found", number=ctx.result.ticket_ref or "-")
        return "status_not_found"
    if not lifecycle.can_transition(ticket.status, "dibatalkan"):
        ctx.reply("cancel_refused", ticket=ticket, number=ticket.number,
                  status=replies.status_label(ticket.status, ctx.language))
        return "cancel_refused"
    tickets.set_status(ctx.session, ticket, "dibatalkan", actor="citizen")
    ticket.awaiting = None
    ctx.reply("cancelled", ticket=ticket, number=ticket.number)
    return "cancelled"


def handle_help(ctx: Context) -> str:
    ctx.reply("help")
    return "help"


def handle_stop(ctx: Context) -> str:
    if not ctx.citizen.opted_out:
        ctx.citizen.opted_out = True
        ctx.citizen.opted_out_at = utcnow()
        ctx.reply("stopped")  # confirm once; a repeated STOP gets no further SMS
    return "opted_out"


def handle_start(ctx: Context) -> str:
    ctx.citizen.opted_out = False
    ctx.citizen.opted_out_at = None
    ctx.reply("started")
    return "opted_in"


def handle_courtesy(ctx: Context) -> str:
    """A greeting, thanks or an empty SMS: no ticket, no review item.

    Thanks and acknowledgements need no answer; a greeting gets the help text, once a day at
    most; an empty message is dropped with a log line.
    """
    kind = ctx.result.courtesy
    if kind == "empty":
        log.info("message %s is empty: dropped", ctx.message.id)
        return "empty"
    if kind == "greeting":
        helped = ctx.chunk.last_reply_at(ctx.citizen.id, "help")
        if helped is None or helped < utcnow() - HELP_AGAIN_AFTER:
            ctx.reply("help")
            return "help"
    return "courtesy"


def handle_unknown(ctx: Context) -> str:
    if ctx.result.courtesy is not None and not ctx.result.spam:
        return handle_courtesy(ctx)
    follow_up = _follow_up(ctx)
    if follow_up is not None:
        return follow_up
    waiting = _awaiting_location(ctx)
    if waiting is not None and not ctx.result.spam:
        return _unclear_location(ctx, waiting)
    ctx.message.review_status = "pending"
    ctx.message.review_reason = "spam" if ctx.result.spam else (
        "low_confidence" if ctx.result.intent == "complaint" else "not_understood")
    if not ctx.result.spam:
        ctx.reply("review_ack")
    return "review"


def _unclear_location(ctx: Context, ticket: Ticket) -> str:
    """A reply to our location question that names no place we know (a wrong kelurahan, say):
    an operator places the ticket; the citizen is told which ticket waits for it."""
    tickets.queue_event(ctx.session, ticket, "citizen_message", actor="citizen",
                        inbound_message_id=ctx.message.id, purpose="location_unclear",
                        text=(ctx.message.text or "")[:500])
    ctx.message.review_status = "pending"
    ctx.message.review_reason = "location_unclear"
    ctx.reply("location_unclear", ticket=ticket, number=ticket.number)
    return "review"


HANDLERS = {
    "complaint": handle_complaint,
    "status": handle_status,
    "cancel": handle_cancel,
    "help": handle_help,
    "stop": handle_stop,
    "start": handle_start,
    "unknown": handle_unknown,
}
