"""What an agency gets to see of a ticket: one JSON shape for the API, webhooks and e-mail.

Privacy is enforced here, at the boundary: an anonymous ticket never carries the reporter's
phone number, and only the detail view and deliveries carry it at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import routing
from routing import lifecycle
from sms_gateway.store import cases, tickets
from sms_gateway.store.agency import AgencyResponse
from sms_gateway.store.models import Citizen, Ticket, TicketEvent
from sms_gateway.store.pii import Vault


def iso(moment: datetime | None) -> str | None:
    """Return an aware datetime as ISO 8601 in UTC with a Z suffix."""
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


def category_name(code: str) -> str:
    """Return the Indonesian name of a category code (the code itself if unknown)."""
    category = routing.default_directory().categories.get(code)
    return category.name if category else code


def latest_response(session: Session, ticket_id: int) -> AgencyResponse | None:
    """Return the agency's most recent response on a ticket, if any."""
    return session.execute(select(AgencyResponse).where(AgencyResponse.ticket_id == ticket_id)
                           .order_by(AgencyResponse.id.desc()).limit(1)).scalar_one_or_none()


def reporter(session: Session, vault: Vault, ticket: Ticket) -> dict[str, Any] | None:
    """Return how the agency may reach the reporter: nothing for anonymous tickets."""
    if ticket.anonymous or ticket.citizen_id is None:
        return None
    citizen = session.get(Citizen, ticket.citizen_id)
    if citizen is None or not citizen.phone_enc:  # erased (sms-gateway citizen erase)
        return None
    return {"phone": vault.decrypt(citizen.phone_enc)}


def probable_region(ticket: Ticket) -> dict[str, Any] | None:
    """The kelurahan an address suggests, marked as probable; None once it is the place."""
    place = tickets.probable_place(ticket)
    if place is None:
        return None
    return {"code": place[0], "name": place[1], "probable": True, "basis": "address"}


def ticket_summary(session: Session, ticket: Ticket) -> dict[str, Any]:
    """Return a ticket as the API lists it (no reporter, no history)."""
    response = latest_response(session, ticket.id)
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": lifecycle.status_label(ticket.status, "en"),
        "category": ticket.category,
        "category_name": category_name(ticket.category),
        "region_code": ticket.region_code,
        "region_name": ticket.region_name,
        # Only a guess from a street or address in the SMS: never the confirmed place above.
        "probable_region": probable_region(ticket),
        "lat": ticket.latitude,
        "long": ticket.longitude,
        "description": ticket.description,
        "anonymous": ticket.anonymous,
        "confidential": ticket.confidential,
        "source": ticket.source,
        "agency_code": ticket.agency_code,
        "agency_name": ticket.agency_name,
        "awaiting": ticket.awaiting,
        "rating": ticket.rating,
        "case": {"id": ticket.case_id, "reporters": cases.reporters(session, ticket.case_id)},
        "latest_response": None if response is None else {
            "status": response.status, "text": response.text, "at": iso(response.at)},
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
    }


def event_json(event: TicketEvent) -> dict[str, Any]:
    """Return one history entry; details that are internal ids are left out."""
    detail = {k: v for k, v in (event.detail or {}).items() if not k.endswith("_id")}
    return {"at": iso(event.at), "kind": event.kind, "actor": event.actor,
            "from_status": event.from_status, "to_status": event.to_status, "detail": detail}


def ticket_detail(session: Session, vault: Vault, ticket: Ticket) -> dict[str, Any]:
    """Return a ticket with its reporter (unless anonymous), history and responses."""
    events = session.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                             .order_by(TicketEvent.id)).scalars().all()
    responses = session.execute(select(AgencyResponse).where(
        AgencyResponse.ticket_id == ticket.id).order_by(AgencyResponse.id)).scalars().all()
    summary = ticket_summary(session, ticket)
    if ticket.case_id is not None:  # every reporter's own words, no phone numbers
        summary["case"]["reports"] = [
            {"number": t.number, "status": t.status, "description": t.description,
             "created_at": iso(t.created_at)} for t in cases.members(session, ticket.case_id)]
    return {
        **summary,
        "reporter": reporter(session, vault, ticket),
        "history": [event_json(e) for e in events],
        "responses": [{"agency_code": r.agency_code, "status": r.status, "text": r.text,
                       "at": iso(r.at)} for r in responses],
    }
