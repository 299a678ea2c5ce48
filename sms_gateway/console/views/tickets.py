"""Tickets: the searchable list and one ticket's page (thread, history, deadline clock)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from routing import lifecycle
from sms_gateway.complaints import actions
from sms_gateway.console import audit, privacy, roles, ticket_queries, web
from sms_gateway.console.ticket_queries import TicketFilter
from sms_gateway.store import tickets
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Citizen

bp = Blueprint("tickets", __name__)


@bp.get("/tickets", endpoint="index")
@roles.require(roles.TICKETS)
def index() -> str:
    svc = web.services()
    f = TicketFilter.from_args(request.args)
    size = svc.config.console.page_size
    now = utcnow()
    with svc.sessions() as s:
        rows, total = ticket_queries.search(s, g.console_user, f, page_size=size, now=now)
    pages = max((total + size - 1) // size, 1)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("console/tickets.html", rows=rows, total=total, f=f, pages=pages,
                           args=args, categories=web.categories(), now=now)


def _show(number: str, *, revealed: str | None = None, status: int = 200) -> tuple[str, int]:
    svc = web.services()
    user = g.console_user
    now = utcnow()
    with svc.sessions.begin() as s:
        ticket = ticket_queries.get_for(s, user, number)
        if ticket is None:
            abort(404)
        citizen = s.get(Citizen, ticket.citizen_id) if ticket.citizen_id else None
        since = ticket_queries.status_since(s, [ticket.id]).get(ticket.id)
        deadline = ticket_queries.deadline_of(ticket, since)
        thread = ticket_queries.thread(s, ticket)
        history = ticket_queries.history(s, ticket)
        responses = ticket_queries.agency_responses(s, ticket)
        if ticket.confidential:  # who read a confidential report is kept
            audit.record(s, user, "ticket.view_confidential", target_type="ticket",
                         target_id=ticket.number, remote_addr=web.remote_addr())
    allowed = [st for st in lifecycle.STATUSES if lifecycle.can_transition(ticket.status, st)]
    answerable = [st for st in actions.AGENCY_STATUSES
                  if st == ticket.status or lifecycle.can_transition(ticket.status, st)]
    return render_template(
        "console/ticket.html", ticket=ticket, deadline=deadline, thread=thread,
        history=history, responses=responses, revealed=revealed, now=now,
        phone=privacy.masked(user, citizen, anonymous=ticket.anonymous),
        may_reveal=citizen is not None and privacy.may_reveal(user, anonymous=ticket.anonymous),
        allowed=allowed, answerable=answerable), status


@bp.get("/tickets/<number>", endpoint="show")
@roles.require(roles.TICKETS)
def show(number: str) -> tuple[str, int]:
    return _show(number)


@bp.post("/tickets/<number>/reveal")
@roles.require(roles.TICKETS)
def reveal(number: str) -> tuple[str, int]:
    svc = web.services()
    with svc.sessions.begin() as s:
        ticket = ticket_queries.get_for(s, g.console_user, number)
        citizen = s.get(Citizen, ticket.citizen_id) if ticket and ticket.citizen_id else None
        if ticket is None or citizen is None or not citizen.phone_enc:  # none, or erased
            abort(404)
        try:
            phone = privacy.reveal(s, svc.vault, g.console_user, citizen.phone_enc,
                                   anonymous=ticket.anonymous,
                                   reason=request.form.get("reason", ""), target_type="ticket",
                                   target_id=ticket.number, remote_addr=web.remote_addr())
        except privacy.RevealRefused:
            phone = None
    if phone is None:
        abort(403)
    return _show(number, revealed=phone)


@bp.post("/tickets/<number>/status")
@roles.require(roles.ALL_TICKETS)
def change_status(number: str) -> Response:
    new = request.form.get("status", "")
    with web.services().sessions.begin() as s:
        ticket = ticket_queries.get_for(s, g.console_user, number)
        if ticket is None:
            abort(404)
        if not lifecycle.can_transition(ticket.status, new):
            abort(400, f"a ticket cannot move from {ticket.status} to {new}")
        tickets.set_status(s, ticket, new, actor=g.console_user.email,
                           note=request.form.get("note", "")[:500] or None)
        audit.record(s, g.console_user, "ticket.status", target_type="ticket",
                     target_id=number, remote_addr=web.remote_addr(), status=new)
    flash(f"#{number}: {web.status_label(new)}")
    return redirect(url_for("console.tickets.show", number=number))


@bp.post("/tickets/<number>/respond")
@roles.require(roles.TICKETS)
def respond(number: str) -> Response:
    """An agency user answers on its ticket, as the agency API does (the citizen gets the SMS)."""
    user = g.console_user
    if user.role != "agency" or not user.agency_code:
        abort(403)
    svc = web.services()
    effects = actions.Effects()
    try:
        with svc.sessions.begin() as s:
            ticket = ticket_queries.get_for(s, user, number)
            if ticket is None:
                abort(404)
            actions.respond(svc, s, ticket, user.agency_code, request.form.get("status", ""),
                            request.form.get("text", "").strip()[:2000], effects)
            audit.record(s, user, "ticket.respond", target_type="ticket", target_id=number,
                         remote_addr=web.remote_addr(), status=request.form.get("status"))
    except actions.ActionError as exc:
        abort(409 if exc.conflict else 400, str(exc))
    effects.run(svc)
    return redirect(url_for("console.tickets.show", number=number))




@bp.post("/tickets/<number>/publish")
@roles.require(roles.ALL_TICKETS)
def publish(number: str) -> Response:
    """An operator approves (or withdraws) the citizen's text for Open311, redacted there."""
    approve = request.form.get("publish") == "1"
    user = g.console_user
    with web.services().sessions.begin() as s:
        ticket = ticket_queries.get_for(s, user, number)
        if ticket is None:
            abort(404)
        if ticket.confidential:  # a rahasia report is never published
            abort(400, "a confidential report is never published")
        ticket.text_published_at = utcnow() if approve else None
        ticket.text_published_by = user.email if approve else None
        audit.record(s, user, "ticket.publish_text" if approve else "ticket.unpublish_text",
                     target_type="ticket", target_id=number, remote_addr=web.remote_addr())
    flash(f"#{number}: " + (web.t("Text approved for publication (redacted).") if approve
                            else web.t("Text withdrawn from publication.")))
    return redirect(url_for("console.tickets.show", number=number))
