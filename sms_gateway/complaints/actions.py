"""Every status move of a ticket, one function per action, whoever asks for it.

respond (with a status and a text), disposisi (hand on), decline (bukan_wewenang, re-routed),
verify (route and forward), close (arsip) and the operator's `change_status`, which picks the
action for a status. The agency API, the console and the jobs call these functions, so the
citizen's SMS, the deliveries and the re-route happen the same way wherever a move comes
from. Each action changes the stored state in the caller's transaction and collects the jobs
to run once it commits (`Effects.run`), as process_inbound does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

import routing
from routing import lifecycle, regions
from sms_gateway.agency.records import directory_for, ensure_agency
from sms_gateway.complaints import notify
from sms_gateway.complaints.cases import across_case
from sms_gateway.dispatch import FORWARD_TICKET, REROUTE_TICKET
from sms_gateway.store import tickets
from sms_gateway.store.agency import AgencyResponse
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Ticket, TicketEvent
from sms_gateway.telco.sending import enqueue_send

if TYPE_CHECKING:
    from sms_gateway.services import Services

# The statuses an agency may set itself; everything else follows from other actions.
AGENCY_STATUSES = (lifecycle.DIPROSES, lifecycle.SELESAI, lifecycle.TERTUNDA)
NEEDS_TEXT = frozenset({lifecycle.SELESAI, lifecycle.TERTUNDA})
AWAITING_AFTER = {lifecycle.SELESAI: "rating", lifecycle.TERTUNDA: "info"}


class ActionError(ValueError):
    """An action the ticket's state or the request does not allow (the API answers 409/422)."""

    def __init__(self, message: str, *, conflict: bool = True) -> None:
        super().__init__(message)
        self.conflict = conflict


@dataclass
class Effects:
    """Jobs to queue after the transaction commits."""

    outbound_ids: list[int] = field(default_factory=list)
    forward_ids: list[int] = field(default_factory=list)
    reroute_ids: list[int] = field(default_factory=list)

    def run(self, services: Services) -> None:
        """Queue the collected jobs."""
        for ticket_id in self.forward_ids:
            services.dispatcher.enqueue(FORWARD_TICKET, ticket_id, job_id=f"forward-{ticket_id}")
        for ticket_id in self.reroute_ids:
            services.dispatcher.enqueue(REROUTE_TICKET, ticket_id, job_id=f"reroute-{ticket_id}")
        for outbound_id in self.outbound_ids:
            enqueue_send(services, outbound_id)


def _notify(services: Services, session: Session, ticket: Ticket, event: TicketEvent,
            template: str, effects: Effects, **values: str) -> None:
    try:
        outbound_id = notify.notify_citizen(services, session, ticket, event, template, **values)
    except notify.TooLong as exc:  # said, not cut: the caller's transaction is rolled back
        raise ActionError(str(exc), conflict=False) from None
    if outbound_id is not None:
        effects.outbound_ids.append(outbound_id)


@across_case
def respond(services: Services, session: Session, ticket: Ticket, agency_code: str | None,
            status: str, text: str, effects: Effects, *, actor: str | None = None) -> TicketEvent:
    """Record a response and move the ticket to status (may be its current one).

    agency_code is the answering agency (its text is kept as the agency's response); None
    for an operator, whose text reaches the citizen but is not the agency's answer.
    """
    if status not in AGENCY_STATUSES:
        raise ActionError(f"an agency can set {', '.join(AGENCY_STATUSES)}; "
                          "use disposisi or bukan_wewenang for the rest", conflict=False)
    if status in NEEDS_TEXT and not text:
        raise ActionError(f"status {status} needs a response text", conflict=False)
    actor = actor or f"agency:{agency_code}"
    if ticket.status != status and not lifecycle.can_transition(ticket.status, status):
        raise ActionError(f"a ticket cannot move from {ticket.status} to {status}")
    event = tickets.set_status(session, ticket, status, actor=actor, response=text or None)
    if text and agency_code is not None:
        session.add(AgencyResponse(ticket_id=ticket.id, agency_code=agency_code, status=status,
                                   text=text, at=utcnow()))
    if event is None:  # same status: a further response, no status SMS
        return tickets.add_event(session, ticket, "response", actor=actor, response=text)
    ticket.awaiting = AWAITING_AFTER.get(status)
    template = notify.STATUS_TEMPLATES.get(status)
    if template is not None:
        _notify(services, session, ticket, event, template, effects, response=text)
    return event


@across_case
def disposisi(services: Services, session: Session, ticket: Ticket, agency_code: str | None,
              target_code: str, note: str, effects: Effects, *,
              actor: str | None = None) -> TicketEvent:
    """Hand the ticket to another agency, which gets it over its own channels."""
    directory = directory_for(services)
    target = directory.get_agency(target_code)
    if target is None:
        raise ActionError(f"unknown agency {target_code!r}", conflict=False)
    if target.code == (agency_code or ticket.agency_code):
        raise ActionError("the ticket is already with this agency", conflict=False)
    if target.code in tickets.withheld_from(ticket, directory=directory):
        raise ActionError(f"{target.code} is the office this complaint is about; under the "
                          "oversight rule it cannot receive it", conflict=False)
    if ticket.status not in (lifecycle.TERDISPOSISI, lifecycle.DIPROSES):
        raise ActionError(f"a ticket in status {ticket.status} cannot be handed on")
    ensure_agency(session, directory, target.code)
    actor = actor or f"agency:{agency_code}"
    agency_code = agency_code or ticket.agency_code
    ticket.agency_code, ticket.agency_name = target.code, target.name
    ticket.awaiting = None
    detail = {"agency_code": target.code, "from_agency": agency_code, "note": note or None}
    event = tickets.set_status(session, ticket, lifecycle.TERDISPOSISI, actor=actor, **detail)
    if event is None:  # terdisposisi -> terdisposisi: a re-disposition
        event = tickets.add_event(session, ticket, "disposisi", actor=actor,
                                  from_status=ticket.status, to_status=ticket.status, **detail)
    effects.forward_ids.append(ticket.id)
    _notify(services, session, ticket, event, "update_dialihkan", effects, agency=target.name)
    return event


@across_case
def decline(services: Services, session: Session, ticket: Ticket, agency_code: str | None,
            reason: str, effects: Effects, *, actor: str | None = None) -> TicketEvent:
    """Mark the ticket bukan_wewenang (not ours): it goes back to be routed elsewhere.

    An operator declines for the ticket's current agency (agency_code None).
    """
    if not lifecycle.can_transition(ticket.status, lifecycle.BUKAN_WEWENANG):
        raise ActionError(f"a ticket in status {ticket.status} cannot be declined")
    agency_code = agency_code or ticket.agency_code
    event = tickets.set_status(session, ticket, lifecycle.BUKAN_WEWENANG,
                               actor=actor or f"agency:{agency_code}", agency_code=agency_code,
                               reason=reason or None)
    assert event is not None
    ticket.awaiting = None
    effects.reroute_ids.append(ticket.id)
    return event


def declined_by(session: Session, ticket_id: int) -> set[str]:
    """Return the agencies that declined this ticket."""
    events = session.execute(select(TicketEvent.detail).where(
        TicketEvent.ticket_id == ticket_id,
        TicketEvent.to_status == lifecycle.BUKAN_WEWENANG)).scalars().all()
    return {str(d["agency_code"]) for d in events if d and d.get("agency_code")}


@across_case
def reroute(services: Services, session: Session, ticket: Ticket,
            effects: Effects) -> routing.Route | None:
    """Route a declined ticket again, avoiding every agency that declined it, and forward it."""
    if ticket.status != lifecycle.BUKAN_WEWENANG:
        return None
    excluded = declined_by(session, ticket.id)
    decision = tickets.route_of(ticket, exclude=excluded, directory=directory_for(services))
    if decision.agency is None:  # no region: an operator has to place it
        tickets.add_event(session, ticket, "routed", agency_code=None,
                          reasons=list(decision.reasons))
        return decision
    ensure_agency(session, directory_for(services), decision.agency.code)
    ticket.agency_code, ticket.agency_name = decision.agency.code, decision.agency.name
    event = tickets.set_status(session, ticket, lifecycle.TERVERIFIKASI,
                               reasons=list(decision.reasons), excluded=sorted(excluded))
    assert event is not None
    effects.forward_ids.append(ticket.id)
    _notify(services, session, ticket, event, "update_dialihkan", effects,
            agency=decision.agency.name)
    return decision


def verify(services: Services, session: Session, ticket: Ticket, actor: str, note: str,
           effects: Effects) -> TicketEvent:
    """Verify a ticket: route it when it has no agency yet, then forward it (the citizen hears)."""
    if ticket.status == lifecycle.BUKAN_WEWENANG:
        decision = reroute(services, session, ticket, effects)
        if decision is None or decision.agency is None:
            raise ActionError("the ticket needs a place before it can be routed", conflict=False)
        return _last_event(session, ticket)
    if not lifecycle.can_transition(ticket.status, lifecycle.TERVERIFIKASI):
        raise ActionError(f"a ticket cannot move from {ticket.status} to terverifikasi")
    if ticket.agency_code is None:
        decision = tickets.apply_route(session, ticket, directory=directory_for(services))
        if decision.agency is None:
            raise ActionError("the ticket needs a place before it can be routed", conflict=False)
    event = tickets.set_status(session, ticket, lifecycle.TERVERIFIKASI, actor=actor,
                               note=note or None)
    ticket.awaiting = None
    event = event or _last_event(session, ticket)
    ensure_agency(session, directory_for(services), str(ticket.agency_code))
    effects.forward_ids.append(ticket.id)
    _notify(services, session, ticket, event, "update_diteruskan", effects)
    return event


def forward_again(services: Services, session: Session, ticket: Ticket, actor: str, note: str,
                  effects: Effects) -> TicketEvent:
    """Disposition the ticket (again) to its current agency, which gets it over its channels."""
    if ticket.agency_code is None:
        raise ActionError("the ticket has no agency yet; verify it first", conflict=False)
    if not lifecycle.can_transition(ticket.status, lifecycle.TERDISPOSISI):
        raise ActionError(f"a ticket cannot move from {ticket.status} to terdisposisi")
    ensure_agency(session, directory_for(services), ticket.agency_code)
    event = tickets.set_status(session, ticket, lifecycle.TERDISPOSISI, actor=actor,
                               agency_code=ticket.agency_code, note=note or None)
    if event is None:
        event = tickets.add_event(session, ticket, "disposisi", actor=actor,
                                  from_status=ticket.status, to_status=ticket.status,
                                  agency_code=ticket.agency_code, note=note or None)
    ticket.awaiting = None
    effects.forward_ids.append(ticket.id)
    return event


@across_case
def close(services: Services, session: Session, ticket: Ticket, actor: str, note: str,
          effects: Effects) -> TicketEvent:
    """Close (arsip) a ticket and the rest of its case (one problem: a ticket that does not
    belong is split out first); each citizen hears it unless already answered."""
    if not lifecycle.can_transition(ticket.status, lifecycle.ARSIP):
        raise ActionError(f"a ticket in status {ticket.status} cannot be closed")
    answered = ticket.status == lifecycle.SELESAI
    event = tickets.set_status(session, ticket, lifecycle.ARSIP, actor=actor, note=note or None)
    assert event is not None
    ticket.awaiting = None
    if not answered:
        _notify(services, session, ticket, event, "update_arsip", effects, response=note)
    return event


# "Dibatalkan pelapor": the citizen's own word (BATAL <number>), never an operator's move.
CITIZEN_ONLY = frozenset({lifecycle.DIBATALKAN})


def operator_moves(status: str) -> list[str]:
    """The statuses an operator may move a ticket in this status to (change_status)."""
    return [s for s in lifecycle.STATUSES
            if s not in CITIZEN_ONLY and lifecycle.can_transition(status, s)]


def change_status(services: Services, session: Session, ticket: Ticket, actor: str,
                  status: str, note: str, effects: Effects) -> TicketEvent:
    """An operator's status move: the action that status stands for, with its effects."""
    if status not in lifecycle.STATUSES:
        raise ActionError(f"unknown status {status!r}", conflict=False)
    if status in CITIZEN_ONLY:
        raise ActionError("only the citizen withdraws a ticket (BATAL); close it instead",
                          conflict=False)
    if status != ticket.status and not lifecycle.can_transition(ticket.status, status):
        raise ActionError(f"a ticket cannot move from {ticket.status} to {status}")
    if status in AGENCY_STATUSES:
        return respond(services, session, ticket, None, status, note, effects, actor=actor)
    if status == lifecycle.BUKAN_WEWENANG:
        return decline(services, session, ticket, None, note, effects, actor=actor)
    if status == lifecycle.TERVERIFIKASI:
        return verify(services, session, ticket, actor, note, effects)
    if status == lifecycle.TERDISPOSISI:
        return forward_again(services, session, ticket, actor, note, effects)
    if status == lifecycle.ARSIP:
        return close(services, session, ticket, actor, note, effects)
    # belum_terverifikasi (back from hold): recorded, nothing to send
    event = tickets.set_status(session, ticket, status, actor=actor, note=note or None)
    if event is None:
        raise ActionError(f"the ticket is already {status}", conflict=False)
    ticket.awaiting = None
    return event


CORRECTABLE = frozenset({lifecycle.BELUM_TERVERIFIKASI, lifecycle.TERVERIFIKASI,
                         lifecycle.TERDISPOSISI, lifecycle.DIPROSES, lifecycle.TERTUNDA,
                         lifecycle.BUKAN_WEWENANG})


def correct(services: Services, session: Session, ticket: Ticket, actor: str, category: str,
            region_code: str | None, effects: Effects) -> TicketEvent:
    """An operator corrects a ticket's category and place: it is routed again, and forwarded
    again when its agency changes (the citizen hears where it went)."""
    directory = directory_for(services)
    if category not in directory.categories:
        raise ActionError(f"unknown category {category!r}", conflict=False)
    region = regions.gazetteer().get(region_code) if region_code else None
    if region_code and region is None:
        raise ActionError(f"unknown region {region_code!r}", conflict=False)
    if ticket.status not in CORRECTABLE:
        raise ActionError(f"a ticket in status {ticket.status} can no longer be corrected")
    event = tickets.add_event(session, ticket, "corrected", actor=actor, category=category,
                              from_category=ticket.category,
                              region_code=region.code if region else None,
                              from_region_code=ticket.region_code)
    ticket.category = category
    ticket.region_code = region.code if region else None
    ticket.region_name = region.name if region else None
    decision = tickets.route_of(ticket, exclude=declined_by(session, ticket.id),
                                directory=directory)
    tickets.add_event(session, ticket, "routed", actor=actor,
                      agency_code=decision.agency.code if decision.agency else None,
                      reasons=list(decision.reasons), rule=decision.rule)
    if decision.agency is None:  # still no place: the operator (or the citizen) gives it
        ticket.awaiting = "location"
        return event
    forwarded = ticket.status in (lifecycle.TERDISPOSISI, lifecycle.DIPROSES)
    if forwarded and decision.agency.code == ticket.agency_code:
        return event  # same agency: it has the ticket already
    ensure_agency(session, directory, decision.agency.code)
    ticket.agency_code, ticket.agency_name = decision.agency.code, decision.agency.name
    ticket.awaiting = None
    if forwarded:
        moved = forward_again(services, session, ticket, actor, "", effects)
        _notify(services, session, ticket, moved, "update_dialihkan", effects,
                agency=decision.agency.name)
        return moved
    moved = tickets.set_status(session, ticket, lifecycle.TERVERIFIKASI, actor=actor,
                               reasons=list(decision.reasons)) or event
    effects.forward_ids.append(ticket.id)
    _notify(services, session, ticket, moved, "update_diteruskan", effects)
    return moved


def _last_event(session: Session, ticket: Ticket) -> TicketEvent:
    event = session.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                            .order_by(TicketEvent.id.desc()).limit(1)).scalar_one()
    return event
