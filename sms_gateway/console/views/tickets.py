"""Tickets: the searchable list and one ticket's page (thread, history, deadline clock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from routing import lifecycle
from sms_gateway.complaints import actions, replies
from sms_gateway.console import audit, labels, privacy, roles, ticket_queries, web
from sms_gateway.console.ticket_queries import TicketFilter
from sms_gateway.store import tickets
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Citizen, Ticket

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sms_gateway.services import Services

bp = Blueprint("tickets", __name__)

MAX_TEXT = 2000  # an answer or a note; what reaches the citizen is checked by the action


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


def _show(number: str, *, revealed: str | None = None, status: int = 200,
          error: str | None = None) -> tuple[str, int]:
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
    allowed = actions.operator_moves(ticket.status)
    answerable = [st for st in actions.AGENCY_STATUSES
                  if st == ticket.status or lifecycle.can_transition(ticket.status, st)]
    return render_template(
        "console/ticket.html", ticket=ticket, deadline=deadline, thread=thread,
        history=history, responses=responses, revealed=revealed, now=now,
        probable=tickets.probable_place(ticket),
        phone=privacy.masked(user, citizen, anonymous=ticket.anonymous),
        may_reveal=citizen is not None and privacy.may_reveal(user, anonymous=ticket.anonymous),
        allowed=allowed, answerable=answerable, error=error, categories=web.categories(),
        correctable=ticket.status in actions.CORRECTABLE, sms_max=replies.MAX_SEGMENTS,
        sms_reserve=_reserve(ticket),
        may_hand_on=ticket.status in (lifecycle.TERDISPOSISI, lifecycle.DIPROSES),
        may_decline=lifecycle.can_transition(ticket.status, lifecycle.BUKAN_WEWENANG)), status


def _reserve(ticket: Ticket) -> int:
    """Characters the status SMS takes around an answer or a note (for the live counter)."""
    return max(len(replies.render_fitted(name, "id", number=ticket.number, response="",
                                         agency=ticket.agency_name or ""))
               for name in replies.LONG_TEXT) + 1


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


def _act(number: str, audit_action: str, run: Callable[..., object]) -> Response | tuple[str, int]:
    """Run one domain action on a ticket the user may change; its error shows on the page."""
    svc = web.services()
    user = g.console_user
    effects = actions.Effects()
    try:
        with svc.sessions.begin() as s:
            ticket = ticket_queries.get_for(s, user, number, to_change=True)
            if ticket is None:
                abort(404)
            run(svc, s, ticket, effects)
            audit.record(s, user, audit_action, target_type="ticket", target_id=number,
                         remote_addr=web.remote_addr(),
                         status=request.form.get("status") or None)
            status = ticket.status
    except actions.ActionError as exc:
        return _show(number, status=400, error=str(exc))
    effects.run(svc)
    flash(f"#{number}: {web.status_label(status)}")
    return redirect(url_for("console.tickets.show", number=number))


def _agency_user() -> str | None:
    """The agency of a signed-in agency user (None for operators and admins)."""
    user = g.console_user
    if user.role == "agency":
        if not user.agency_code:
            abort(403)
        return str(user.agency_code)
    return None


@bp.post("/tickets/<number>/status")
@roles.require(roles.ALL_TICKETS)
def change_status(number: str) -> Response | tuple[str, int]:
    """An operator moves the ticket: the same action as the agency API or a job runs it."""
    status = request.form.get("status", "")
    note = request.form.get("note", "").strip()[:MAX_TEXT]
    return _act(number, "ticket.status", lambda svc, s, ticket, effects: actions.change_status(
        svc, s, ticket, g.console_user.email, status, note, effects))


@bp.post("/tickets/<number>/correct")
@roles.require(roles.ALL_TICKETS)
def correct(number: str) -> Response | tuple[str, int]:
    """An operator corrects the category and place: the ticket is routed again, and the
    correction is kept as a labelled example for the parser."""
    category = request.form.get("category", "")
    region_code = request.form.get("region_code", "").strip()[:16] or None

    def run(svc: Services, s: Session, ticket: Ticket, effects: actions.Effects) -> None:
        actions.correct(svc, s, ticket, g.console_user.email, category, region_code, effects)
        labels.record_correction(s, ticket, g.console_user)

    return _act(number, "ticket.correct", run)


@bp.post("/tickets/<number>/respond")
@roles.require(roles.TICKETS)
def respond(number: str) -> Response | tuple[str, int]:
    """An agency user answers on its ticket, as the agency API does (the citizen gets the SMS)."""
    agency_code = _agency_user()
    if agency_code is None:
        abort(403)
    status, text = request.form.get("status", ""), request.form.get("text", "").strip()
    return _act(number, "ticket.respond", lambda svc, s, ticket, effects: actions.respond(
        svc, s, ticket, agency_code, status, text[:MAX_TEXT], effects))


@bp.post("/tickets/<number>/decline")
@roles.require(roles.TICKETS)
def decline(number: str) -> Response | tuple[str, int]:
    """An agency user declines its ticket (bukan_wewenang) with a reason: it is re-routed."""
    agency_code = _agency_user()
    if agency_code is None:
        abort(403)
    reason = request.form.get("reason", "").strip()[:500]
    return _act(number, "ticket.decline", lambda svc, s, ticket, effects: actions.decline(
        svc, s, ticket, agency_code, reason, effects, actor=g.console_user.email))


@bp.post("/tickets/<number>/disposisi")
@roles.require(roles.TICKETS)
def hand_on(number: str) -> Response | tuple[str, int]:
    """An agency user (its own tickets) or an operator hands the ticket to another agency."""
    agency_code = _agency_user()
    if agency_code is None and not roles.can(roles.ALL_TICKETS):
        abort(403)
    target = request.form.get("agency_code", "").strip()[:64]
    note = request.form.get("note", "").strip()[:500]
    return _act(number, "ticket.disposisi", lambda svc, s, ticket, effects: actions.disposisi(
        svc, s, ticket, agency_code, target, note, effects, actor=g.console_user.email))


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
