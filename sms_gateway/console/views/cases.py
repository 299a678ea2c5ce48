"""Cases: operators merge a ticket's case into another's, or split a ticket out of its case."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response

from routing import lifecycle
from sms_gateway.complaints import cases
from sms_gateway.console import audit, case_queries, roles, ticket_queries, web
from sms_gateway.store.db import retrying_deadlocks
from sms_gateway.store.models import Ticket

bp = Blueprint("cases", __name__)


@bp.app_template_global("terminal_statuses")
def terminal_statuses() -> frozenset[str]:
    """Withdrawn and archived: such a ticket joins no case (no merge or split form)."""
    return lifecycle.TERMINAL


@bp.app_template_global("case_panel")
def case_panel(ticket: Ticket) -> dict[str, Any] | None:
    """The ticket's case for the ticket page (None when it stands alone)."""
    if ticket.case_id is None:
        return None
    with web.services().sessions() as s:
        found = ticket_queries.get_for(s, g.console_user, ticket.number)
        return case_queries.panel(s, found) if found is not None else None


@bp.post("/tickets/<number>/case/merge", endpoint="merge")
@roles.require(roles.ALL_TICKETS)
def merge(number: str) -> Response:
    into_number = request.form.get("into", "").strip().lstrip("#")

    def run() -> str | None:
        """The merge in one transaction; the error to show, if any."""
        with web.services().sessions.begin() as s:
            ticket = ticket_queries.get_for(s, g.console_user, number)
            if ticket is None:
                abort(404)
            into = ticket_queries.get_for(s, g.console_user, into_number) if into_number else None
            if into is None or into.id == ticket.id:
                return web.t("No other ticket with that number.")
            try:
                case_id = cases.merge(s, ticket, into, actor=g.console_user.email)
            except cases.MergeRefused as refused:
                text = web.t(refused.text)
                return f"#{refused.number}: {text}" if refused.number else text
            audit.record(s, g.console_user, "case.merge", target_type="ticket",
                         target_id=number, remote_addr=web.remote_addr(), into=into.number,
                         case=case_id)
            return None

    error = retrying_deadlocks(run)
    if error is not None:
        flash(error, "error")
    else:
        flash(f"#{number}: {web.t('Merged into the case of')} #{into_number}")
    return redirect(url_for("console.tickets.show", number=number))


@bp.post("/tickets/<number>/case/split", endpoint="split")
@roles.require(roles.ALL_TICKETS)
def split(number: str) -> Response:
    def run() -> int | None:
        with web.services().sessions.begin() as s:
            ticket = ticket_queries.get_for(s, g.console_user, number)
            if ticket is None:
                abort(404)
            left = cases.split(s, ticket, actor=g.console_user.email)
            if left is not None:
                audit.record(s, g.console_user, "case.split", target_type="ticket",
                             target_id=number, remote_addr=web.remote_addr(), case=left)
            return left

    if retrying_deadlocks(run) is None:  # taken out already (a page from before)
        flash(f"#{number}: {web.t('The ticket is in no case.')}", "error")
    else:
        flash(f"#{number}: {web.t('Taken out of its case')}")
    return redirect(url_for("console.tickets.show", number=number))
