"""What an agency does to a ticket: respond (with a status), disposisi, decline; and re-routing.

Each action changes the stored state in the caller's transaction and collects the jobs to
run once it commits (`Effects.run`), as process_inbound does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

import routing
from routing import lifecycle
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
    outbound_id = notify.notify_citizen(services, session, ticket, event, template, **values)
    if outbound_id is not None:
        effects.outbound_ids.append(outbound_id)


@across_case
def respond(services: Services, session: Session, ticket: Ticket, agency_code: str,
            status: str, text: str, effects: Effects) -> TicketEvent:
    """Record an agency's response and move the ticket to status (may be its current one)."""
    if status not in AGENCY_STATUSES:
        raise ActionError(f"an agency can set {', '.join(AGENCY_STATUSES)}; "
                          "use disposisi or bukan_wewenang for the rest", conflict=False)
    if status in NEEDS_TEXT and not text:
        raise ActionError(f"status {status} needs a response text", conflict=False)
    actor = f"agency:{agency_code}"
    if ticket.status != status and not lifecycle.can_transition(ticket.status, status):
        raise ActionError(f"a ticket cannot move from {ticket.status} to {status}")
    event = tickets.set_status(session, ticket, status, actor=actor, response=text or None)
    if text:
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
def disposisi(services: Services, session: Session, ticket: Ticket, agency_code: str,
              target_code: str, note: str, effects: Effects) -> TicketEvent:
    """Hand the ticket to another agency, which gets it over its own channels."""
    directory = directory_for(services)
    target = directory.get_agency(target_code)
    if target is None:
        raise ActionError(f"unknown agency {target_code!r}", conflict=False)
    if target.code == agency_code:
        raise ActionError("the ticket is already with this agency", conflict=False)
    if ticket.status not in (lifecycle.TERDISPOSISI, lifecycle.DIPROSES):
        raise ActionError(f"a ticket in status {ticket.status} cannot be handed on")
    ensure_agency(session, directory, target.code)
    actor = f"agency:{agency_code}"
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
def decline(services: Services, session: Session, ticket: Ticket, agency_code: str,
            reason: str, effects: Effects) -> TicketEvent:
    """Mark the ticket bukan_wewenang (not ours): it goes back to be routed elsewhere."""
    if not lifecycle.can_transition(ticket.status, lifecycle.BUKAN_WEWENANG):
        raise ActionError(f"a ticket in status {ticket.status} cannot be declined")
    event = tickets.set_status(session, ticket, lifecycle.BUKAN_WEWENANG,
                               actor=f"agency:{agency_code}", agency_code=agency_code,
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
    decision = routing.route(ticket.category, ticket.region_code, exclude=excluded,
                             directory=directory_for(services))
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
