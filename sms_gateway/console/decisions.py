"""What an operator decides about a review-queue message, applied in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

import routing
from routing import lifecycle
from sms_gateway.agency.records import directory_for
from sms_gateway.complaints import replies
from sms_gateway.complaints.inbound import citizen_for
from sms_gateway.complaints.outbox import queue_sms
from sms_gateway.console import regions
from sms_gateway.dispatch import FORWARD_TICKET
from sms_gateway.services import Services
from sms_gateway.store import cases as store_cases
from sms_gateway.store import tickets
from sms_gateway.store.console import ConsoleUser, LabelledExample
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Citizen, InboundMessage, Ticket
from sms_gateway.telco.gsm import encoding_of
from sms_gateway.telco.sending import enqueue_send

# Statuses in which a reopened message may still correct its ticket.
CORRECTABLE = frozenset({lifecycle.BELUM_TERVERIFIKASI, lifecycle.TERVERIFIKASI,
                         lifecycle.TERDISPOSISI, lifecycle.DIPROSES, lifecycle.TERTUNDA,
                         lifecycle.BUKAN_WEWENANG})
ACTIONS = ("ticket", "attach", "ask", "spam", "not_complaint")
OUTCOMES = {"ticket": "ticket_created", "attach": "attached", "ask": "asked_info",
            "spam": "spam", "not_complaint": "not_complaint"}


class DecisionError(ValueError):
    """The decision is incomplete or inconsistent; the message is shown to the operator."""


@dataclass(frozen=True)
class Decision:
    """The operator's form, checked: an action and what it needs."""

    action: str
    category: str | None = None
    region_code: str | None = None
    agency_code: str | None = None
    anonymous: bool = False
    confidential: bool = False
    about_officials: bool = False
    ticket_id: int | None = None
    reply_text: str = ""

    def check(self, directory: routing.Directory) -> None:
        """Raise DecisionError unless the decision can be applied."""
        if self.action not in ACTIONS:
            raise DecisionError("Unknown action.")
        if self.action == "ticket":
            if self.category not in directory.categories:
                raise DecisionError("Choose a category.")
            if self.region_code and regions.get(self.region_code) is None:
                raise DecisionError("Unknown region.")
            if self.agency_code and directory.get_agency(self.agency_code) is None:
                raise DecisionError("Unknown agency.")
        if self.action == "attach" and not self.ticket_id:
            raise DecisionError("Choose a ticket.")
        if self.action == "ask":
            enc = encoding_of(self.reply_text.strip())
            if not self.reply_text.strip() or enc.segments > replies.MAX_SEGMENTS:
                raise DecisionError(
                    "The question must fit in three SMS (459 plain characters, 201 with special "
                    "ones).")


@dataclass
class Outcome:
    """What a decision did, and the jobs to start once its transaction has committed."""

    message_id: int
    action: str
    ticket: Ticket | None = None
    outbound_ids: list[int] = field(default_factory=list)
    forward_ids: list[int] = field(default_factory=list)
    corrected_category: bool = False  # an existing ticket's category was changed


def apply(services: Services, session: Session, message: InboundMessage, user: ConsoleUser,
          decision: Decision) -> Outcome:
    """Apply a checked decision to a message the caller has claimed."""
    decision.check(directory_for(services))
    outcome = Outcome(message.id, decision.action)
    citizen = citizen_for(session, services, message)
    message.citizen_id = citizen.id
    if decision.action == "ticket":
        _make_ticket(services, session, message, citizen, user, decision, outcome)
    elif decision.action == "attach":
        _attach(services, session, message, citizen, user, decision, outcome)
    elif decision.action == "ask":
        _reply(services, session, message, citizen, outcome, "ask_info",
               body=decision.reply_text.strip())
    else:
        _close_unverified(session, message, user, decision.action)
    message.outcome = OUTCOMES[decision.action]
    _label(session, message, user, decision,
           source="correction" if outcome.corrected_category else "review")
    return outcome


def after_commit(services: Services, outcome: Outcome) -> None:
    """Start the forward and send jobs of a committed decision, as the pipeline does."""
    for ticket_id in outcome.forward_ids:
        services.dispatcher.enqueue(FORWARD_TICKET, ticket_id, job_id=f"forward-{ticket_id}")
    for outbound_id in outcome.outbound_ids:
        enqueue_send(services, outbound_id)


def _reply(services: Services, session: Session, message: InboundMessage, citizen: Citizen,
           outcome: Outcome, purpose: str, ticket: Ticket | None = None, *,
           body: str | None = None, **values: str) -> None:
    """Queue a review's answer: the template named `purpose`, or an operator's own `body`."""
    # The pipeline's acknowledgement used reply:<id>; a review's answer has its own cause.
    row = queue_sms(services, session, citizen, purpose=purpose,
                    dedupe_key=f"review:{message.id}:{purpose}", body=body,
                    template=None if body is not None else purpose, values=values,
                    ticket_id=ticket.id if ticket else None, inbound_message_id=message.id)
    if row is not None:
        outcome.outbound_ids.append(row.id)


def _for_change(session: Session, ticket_id: int | None) -> Ticket | None:
    """The message's ticket, locked and read afresh with its case's other tickets, as every
    status change reads them (store/cases.for_change): the citizen may be withdrawing it
    (BATAL) meanwhile."""
    if ticket_id is None:
        return None
    return store_cases.for_change(session, select(Ticket).where(Ticket.id == ticket_id))


def _make_ticket(services: Services, session: Session, message: InboundMessage,
                 citizen: Citizen, user: ConsoleUser, decision: Decision,
                 outcome: Outcome) -> None:
    assert decision.category is not None
    region = regions.get(decision.region_code) if decision.region_code else None
    ticket = _for_change(session, message.ticket_id)
    if ticket is not None and ticket.category != decision.category:
        outcome.corrected_category = True
    fields = {"category": decision.category, "region_code": region.code if region else None,
              "region_name": region.name if region else None,
              "anonymous": decision.anonymous, "confidential": decision.confidential,
              "about_officials": decision.about_officials}
    if ticket is None:
        probable = (message.parse or {}).get("probable_region") or {}
        ticket = tickets.open_ticket(session, citizen_id=citizen.id,
                                     inbound_message_id=message.id,
                                     probable_region_code=probable.get("code"),
                                     probable_region_name=probable.get("name"),
                                     description=message.text or "", **fields)
        message.ticket_id = ticket.id
    elif ticket.status not in CORRECTABLE:
        raise DecisionError("This ticket can no longer be corrected.")
    else:  # a reopened message: correct the ticket it made
        for name, value in fields.items():
            setattr(ticket, name, value)
    parse = message.parse or {}
    tickets.add_event(session, ticket, "reviewed", actor=user.email,
                      inbound_message_id=message.id, category=decision.category,
                      region_code=ticket.region_code, parser_category=parse.get("category"))
    forwarded_before = ticket.status in (lifecycle.TERDISPOSISI, lifecycle.DIPROSES)
    # A ticket the pipeline opened unverified (below the model's threshold): the citizen has
    # its number already, this decision verifies and forwards it.
    verifying = message.outcome == "ticket_unverified" and not forwarded_before
    previous_agency = ticket.agency_code
    agency = _route(services, session, ticket, user, decision, parse.get("keyword"))
    outcome.ticket = ticket
    if agency is None:
        _reply(services, session, message, citizen, outcome, "ask_location", ticket,
               number=ticket.number)
        return
    if forwarded_before:
        if agency.code != previous_agency:  # already with an agency: re-disposition
            _redispose(session, ticket, user)
            outcome.forward_ids.append(ticket.id)
        return
    outcome.forward_ids.append(ticket.id)
    _reply(services, session, message, citizen, outcome,
           "ticket_verified" if verifying else "ticket_created", ticket,
           number=ticket.number, agency=agency.name)


def _close_unverified(session: Session, message: InboundMessage, user: ConsoleUser,
                      action: str) -> None:
    """Spam or not a complaint after all: the unverified ticket it opened is closed."""
    ticket = _for_change(session, message.ticket_id)
    if ticket is not None and ticket.status == lifecycle.BELUM_TERVERIFIKASI:
        tickets.set_status(session, ticket, lifecycle.ARSIP, actor=user.email, reason=action)


def _route(services: Services, session: Session, ticket: Ticket, user: ConsoleUser,
           decision: Decision, keyword: str | None) -> routing.Agency | None:
    """Give the ticket routing's agency, or the operator's when they chose another one."""
    directory = directory_for(services)
    suggested = tickets.route_of(ticket, keyword, directory=directory)
    chosen = directory.get_agency(decision.agency_code) if decision.agency_code else None
    if chosen is not None and chosen.code in suggested.withheld_from:
        raise DecisionError("This complaint is about that office; under the oversight rule "
                            "it goes to the oversight body.")
    forwarded = ticket.status in (lifecycle.TERDISPOSISI, lifecycle.DIPROSES)
    if (chosen is None or (suggested.agency is not None and chosen.code ==
                           suggested.agency.code)) and not forwarded:
        tickets.apply_route(session, ticket, keyword, directory=directory)
        return suggested.agency
    agency = chosen or suggested.agency
    if agency is None:
        ticket.awaiting = "location"
        return None
    ticket.agency_code, ticket.agency_name, ticket.awaiting = agency.code, agency.name, None
    reasons = ["agency chosen by operator"] if chosen else list(suggested.reasons)
    if not forwarded:
        tickets.set_status(session, ticket, lifecycle.TERVERIFIKASI, actor=user.email,
                           reasons=reasons)
    tickets.add_event(session, ticket, "routed", actor=user.email, agency_code=agency.code,
                      reasons=reasons,
                      suggested=suggested.agency.code if suggested.agency else None)
    return agency


def _redispose(session: Session, ticket: Ticket, user: ConsoleUser) -> None:
    event = tickets.set_status(session, ticket, lifecycle.TERDISPOSISI, actor=user.email,
                               agency_code=ticket.agency_code)
    if event is None:  # terdisposisi -> terdisposisi
        tickets.add_event(session, ticket, "disposisi", actor=user.email,
                          from_status=ticket.status, to_status=ticket.status,
                          agency_code=ticket.agency_code)


def _attach(services: Services, session: Session, message: InboundMessage, citizen: Citizen,
            user: ConsoleUser, decision: Decision, outcome: Outcome) -> None:
    ticket = session.execute(select(Ticket).where(
        Ticket.id == decision.ticket_id, Ticket.citizen_id == citizen.id)).scalar_one_or_none()
    if ticket is None or ticket.status in lifecycle.TERMINAL:
        raise DecisionError("Choose a ticket.")
    message.ticket_id = ticket.id
    tickets.add_event(session, ticket, "citizen_message", actor=user.email,
                      inbound_message_id=message.id, purpose="attached_by_operator")
    outcome.ticket = ticket
    _reply(services, session, message, citizen, outcome, "info_added", ticket,
           number=ticket.number)


def _label(session: Session, message: InboundMessage, user: ConsoleUser,
           decision: Decision, *, source: str) -> None:
    """Every decision is a labelled example (the latest one per message), with who and when."""
    parse = message.parse or {}
    region = parse.get("region") or {}
    # Only a message that made a ticket is a self-contained example of its category; a
    # follow-up attached to a ticket often names just a place.
    category = decision.category if decision.action == "ticket" else None
    row = session.execute(select(LabelledExample).where(
        LabelledExample.inbound_message_id == message.id)).scalar_one_or_none()
    if row is None:
        row = LabelledExample(inbound_message_id=message.id, text=message.text or "")
        session.add(row)
    row.decision, row.category, row.user_id = decision.action, category, user.id
    row.source, row.actor, row.created_at = source, user.email, utcnow()
    row.region_code = decision.region_code if decision.action == "ticket" else None
    row.parser_category = parse.get("category")
    row.parser_region_code = region.get("code") if isinstance(region, dict) else None
    session.flush()
