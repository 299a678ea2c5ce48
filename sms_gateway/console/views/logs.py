"""Channel logs: the newest HTTP exchanges with providers, and those of one message.

The logs are masked when stored (`providers.transport.Redactor`); nothing here decrypts or
unmasks. Admins and operators see them: the roles that review messages.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from sms_gateway.console import audit, roles, web
from sms_gateway.store.models import InboundMessage, OutboundMessage, Ticket
from sms_gateway.telco import channel_logs, uncertain
from sms_gateway.telco.providers import channel_configs

bp = Blueprint("logs", __name__, url_prefix="/logs")

MESSAGES: dict[str, type[InboundMessage] | type[OutboundMessage]] = {
    "in": InboundMessage, "out": OutboundMessage}


@bp.get("", endpoint="index")
@roles.require(roles.REVIEW)
def index() -> str:
    svc = web.services()
    channel = request.args.get("channel", "").strip()
    with svc.sessions() as s:
        logs = channel_logs.recent(s, channel=channel or None,
                                   limit=svc.config.console.page_size)
    return render_template("console/logs.html", logs=logs, channel=channel,
                           channels=sorted(channel_configs(svc.config)))


@bp.get("/held", endpoint="held")
@roles.require(roles.REVIEW)
def held() -> str:
    """Sends whose fate was unknown and that policy held for an operator (telco/uncertain)."""
    svc = web.services()
    with svc.sessions() as s:
        rows = uncertain.held(s, limit=svc.config.console.page_size)
    return render_template("console/held.html", rows=rows)


@bp.post("/held/resend", endpoint="resend_held")
@roles.require(roles.REVIEW)
def resend_held() -> Response:
    ids = [int(i) for i in request.form.getlist("outbound_id") if i.isdigit()]
    svc = web.services()
    queued = uncertain.resend_held(svc, ids)
    with svc.sessions.begin() as s:
        for outbound_id in queued:
            audit.record(s, g.console_user, "outbound.resend_held", target_type="outbound",
                         target_id=str(outbound_id), remote_addr=web.remote_addr())
    flash(web.t("Queued to send again: {n}").format(n=len(queued)))
    return redirect(url_for("console.logs.held"))


@bp.get("/<any(in, out):direction>/<int:message_id>", endpoint="message")
@roles.require(roles.REVIEW)
def message(direction: str, message_id: int) -> str:
    with web.services().sessions.begin() as s:
        found = s.get(MESSAGES[direction], message_id)
        if found is None:
            abort(404)
        key = "inbound_id" if direction == "in" else "outbound_id"
        logs = channel_logs.for_message(s, **{key: message_id})
        ticket = _ticket_of(s, found)
        if ticket is not None and ticket.confidential:  # as opening the ticket itself is
            audit.record(s, g.console_user, "ticket.view_confidential", target_type="ticket",
                         target_id=ticket.number, remote_addr=web.remote_addr(),
                         channel_logs=f"{direction}:{message_id}")
    return render_template("console/logs.html", logs=logs, direction=direction,
                           message_id=message_id, ticket=ticket)


def _ticket_of(session: Session, message: InboundMessage | OutboundMessage) -> Ticket | None:
    if message.ticket_id is not None:
        return session.get(Ticket, message.ticket_id)
    if isinstance(message, InboundMessage):  # the message that opened a ticket
        return session.execute(select(Ticket).where(
            Ticket.inbound_message_id == message.id)).scalars().first()
    return None
