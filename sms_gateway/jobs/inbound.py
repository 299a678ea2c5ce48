"""Step 2 of an SMS: understand it and act: a ticket, a command, or the review queue."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import parsers
from routing import lifecycle, regions
from sms_gateway import abuse, replies, tickets
from sms_gateway.agency import followups
from sms_gateway.agency.payload import latest_response
from sms_gateway.agency.records import directory_for
from sms_gateway.db import utcnow
from sms_gateway.dispatch import run_or_queue
from sms_gateway.intake_batch import queue_ids
from sms_gateway.jobs.forward import enqueue_deliveries
from sms_gateway.jobs.outbound import retry_policy as send_retry_policy
from sms_gateway.models import FAILED, PROCESSED, RECEIVED, Citizen, InboundMessage, Ticket
from sms_gateway.outbox import SEND_SMS, queue_sms
from sms_gateway.pii import mask_phone
from sms_gateway.services import Services, current

log = logging.getLogger(__name__)

MAX_PROCESS_ATTEMPTS = 3
LOCATION_WINDOW = timedelta(days=3)
FORWARD_TICKET = "sms_gateway.jobs.forward.forward_ticket"


@dataclass
class Context:
    """What one inbound message's handling works with, inside one transaction."""

    services: Services
    session: Session
    message: InboundMessage
    citizen: Citizen
    result: parsers.ParseResult
    outbound_ids: list[int] = field(default_factory=list)
    forward_ids: list[int] = field(default_factory=list)
    delivery_ids: list[int] = field(default_factory=list)

    @property
    def language(self) -> str:
        return self.citizen.language or self.services.config.sms.language

    def reply(self, template: str, *, ticket: Ticket | None = None, **values: str) -> None:
        """Queue the one reply this inbound message gets."""
        body = replies.render_fitted(template, self.language, **values)
        row = queue_sms(self.session, self.citizen, body, purpose=template,
                        dedupe_key=f"reply:{self.message.id}",
                        channel=self.services.config.sms.outbound,
                        ticket_id=ticket.id if ticket else None,
                        inbound_message_id=self.message.id)
        if row is not None:
            self.outbound_ids.append(row.id)


def process_inbound(message_id: int) -> None:
    """Parse one stored message and act on it, exactly once whatever the retries."""
    services = current()
    try:
        ctx = _process(services, message_id)
    except Exception as exc:
        _record_failure(services, message_id, exc)
        raise
    if ctx is None:
        return
    # The reply first: the citizen is waiting for it. Both run here unless queueing is cheaper
    # (dispatch.run_or_queue); the rows are committed, so a crash from here on loses nothing.
    for outbound_id in ctx.outbound_ids:
        run_or_queue(services.dispatcher, SEND_SMS, outbound_id, job_id=f"send-{outbound_id}",
                     retry=send_retry_policy(services), at_front=True)
    for ticket_id in ctx.forward_ids:
        run_or_queue(services.dispatcher, FORWARD_TICKET, ticket_id,
                     job_id=f"forward-{ticket_id}")
    enqueue_deliveries(services, ctx.delivery_ids)


def process_inbound_batch(message_ids: list[int]) -> None:
    """Process messages the webhooks queued together (intake_batch.py), each on its own.

    One message's failure is recorded on it (attempts, last error) and does not stop the
    others; it stays `received`, so the sweeper queues it again like a failed single job.
    Past half the job timeout (slow sends, say) the rest goes back to the queue as a new
    batch rather than be cut off by the worker.
    """
    services = current()
    budget = services.config.queue.job_timeout_seconds / 2
    started = time.monotonic()
    for n, message_id in enumerate(message_ids):
        if n and time.monotonic() - started > budget:
            rest = [int(i) for i in message_ids[n:]]
            log.warning("batch over its time budget; %d messages queued again", len(rest))
            queue_ids(services.dispatcher, rest, fresh=False)
            return
        try:
            process_inbound(int(message_id))
        except Exception:  # noqa: BLE001 - recorded by process_inbound; the rest go on
            log.exception("inbound message %s failed in a batch", message_id)


def _process(services: Services, message_id: int) -> Context | None:
    with services.sessions.begin() as session:
        # The claim: only the transaction that flips this row does the work.
        claimed = session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == message_id, InboundMessage.state == RECEIVED)
            .values(state=PROCESSED, processed_at=utcnow())).rowcount
        if not claimed:
            return None
        message = session.get(InboundMessage, message_id)
        assert message is not None
        citizen = citizen_for(session, services, message)
        result = parsers.parse(message.text or "",
                               default_region=services.config.parser.default_region or None)
        ctx = Context(services, session, message, citizen, result)
        handler = HANDLERS.get(result.intent, handle_unknown)
        # Spam, floods and repeats stop here (abuse.py); everything else goes to its handler.
        outcome = abuse.screen(ctx) or handler(ctx)
        # Set last, so that the handlers' queries do not flush the row once more before this.
        message.citizen_id, message.parse, message.outcome = citizen.id, result.as_dict(), outcome
        return ctx


def _record_failure(services: Services, message_id: int, exc: Exception) -> None:
    """Count a failed try; after a few, stop retrying and hand the message to an operator."""
    with services.sessions.begin() as session:
        message = session.get(InboundMessage, message_id)
        if message is None or message.state != RECEIVED:
            return
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= MAX_PROCESS_ATTEMPTS:
            message.state = FAILED
            message.review_status = "pending"
            message.review_reason = "processing_failed"


def citizen_for(session: Session, services: Services, message: InboundMessage) -> Citizen:
    """The citizen who sent this message, created on first contact."""
    citizen = session.execute(select(Citizen).where(
        Citizen.phone_hash == message.sender_hash)).scalar_one_or_none()
    if citizen is not None:
        return citizen
    phone = services.vault.decrypt(message.sender_enc)
    citizen = Citizen(phone_hash=message.sender_hash, phone_enc=message.sender_enc,
                      phone_masked=mask_phone(phone), language=services.config.sms.language)
    try:
        with session.begin_nested():
            session.add(citizen)
            session.flush()
    except IntegrityError:  # another worker created this citizen first
        return session.execute(select(Citizen).where(
            Citizen.phone_hash == message.sender_hash)).scalar_one()
    return citizen


def _own_ticket(ctx: Context, number: str | None) -> Ticket | None:
    """The ticket with this number if, and only if, this citizen filed it."""
    if not number:
        return None
    return ctx.session.execute(select(Ticket).where(
        Ticket.number == number, Ticket.citizen_id == ctx.citizen.id)).scalar_one_or_none()


def _awaiting_location(ctx: Context) -> Ticket | None:
    return ctx.session.execute(
        select(Ticket).where(Ticket.citizen_id == ctx.citizen.id,
                             Ticket.awaiting == "location",
                             Ticket.created_at >= utcnow() - LOCATION_WINDOW)
        .order_by(Ticket.created_at.desc()).limit(1)).scalar_one_or_none()


def _follow_up(ctx: Context) -> str | None:
    """An answer to something we asked: the location, a rating, more information."""
    waiting = _awaiting_location(ctx)
    if waiting is not None and ctx.result.region is not None:
        return _join_location(ctx, waiting)
    return followups.follow_up(ctx)


def _route_and_answer(ctx: Context, ticket: Ticket) -> None:
    decision = tickets.apply_route(ctx.session, ticket, ctx.result.keyword,
                                   directory=directory_for(ctx.services))
    if decision.agency is None:
        ctx.reply("ask_location", ticket=ticket, number=ticket.number)
    else:
        ctx.forward_ids.append(ticket.id)
        ctx.reply("ticket_created", ticket=ticket, number=ticket.number,
                  agency=ticket.agency_name or "")


def handle_complaint(ctx: Context) -> str:
    r = ctx.result
    follow_up = _follow_up(ctx)
    if follow_up is not None:
        return follow_up
    if r.needs_review or r.category is None:
        return handle_unknown(ctx)
    region_code, region_name = _region_of(ctx)
    ticket = tickets.open_ticket(
        ctx.session, citizen_id=ctx.citizen.id, inbound_message_id=ctx.message.id,
        category=r.category, region_code=region_code, region_name=region_name,
        description=r.description,
        anonymous=r.anonymous, confidential=r.confidential)
    ctx.message.ticket_id = ticket.id
    _route_and_answer(ctx, ticket)
    return "ticket_created"


def _region_of(ctx: Context) -> tuple[str | None, str | None]:
    """The place named in the SMS, else the region the channel implies (a city's own number)."""
    if ctx.result.region is not None:
        return ctx.result.region.code, ctx.result.region.name
    implied = ctx.services.config.parser.default_region
    info = regions.gazetteer().get(implied) if implied else None
    return (info.code, info.name) if info is not None else (None, None)


def _join_location(ctx: Context, ticket: Ticket) -> str:
    """The answer to our location question: complete the waiting ticket and route it."""
    region = ctx.result.region
    assert region is not None
    ticket.region_code, ticket.region_name = region.code, region.name
    ctx.message.ticket_id = ticket.id
    tickets.add_event(ctx.session, ticket, "citizen_message", actor="citizen",
                      inbound_message_id=ctx.message.id, purpose="location")
    _route_and_answer(ctx, ticket)
    return "location_added"


def handle_status(ctx: Context) -> str:
    ticket = _own_ticket(ctx, ctx.result.ticket_ref)
    number = ctx.result.ticket_ref or "-"
    if ticket is None:
        ctx.reply("status_not_found", number=number)
        return "status_not_found"
    latest = latest_response(ctx.session, ticket.id)
    ctx.reply("status", ticket=ticket, number=ticket.number,
              status=tickets.status_label(ticket.status, ctx.language),
              agency=ticket.agency_name or "", response=f": {latest.text}" if latest else "")
    return "status_reply"


def handle_cancel(ctx: Context) -> str:
    ticket = _own_ticket(ctx, ctx.result.ticket_ref)
    if ticket is None:
        ctx.reply("status_not_found", number=ctx.result.ticket_ref or "-")
        return "status_not_found"
    if not lifecycle.can_transition(ticket.status, "dibatalkan"):
        ctx.reply("cancel_refused", ticket=ticket, number=ticket.number,
                  status=tickets.status_label(ticket.status, ctx.language))
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


def handle_unknown(ctx: Context) -> str:
    follow_up = _follow_up(ctx)
    if follow_up is not None:
        return follow_up
    ctx.message.review_status = "pending"
    ctx.message.review_reason = "spam" if ctx.result.spam else (
        "low_confidence" if ctx.result.intent == "complaint" else "not_understood")
    if not ctx.result.spam:
        ctx.reply("review_ack")
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
