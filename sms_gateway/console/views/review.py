"""The review queue: list, lock, decide, reveal, reopen; plus region and routing look-ups."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from sms_gateway.agency.records import directory_for
from sms_gateway.console import agencies, audit, decisions, privacy, queue, regions, roles, web
from sms_gateway.console.ticket_queries import open_tickets_of
from sms_gateway.store import tickets
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Citizen, InboundMessage, Ticket

bp = Blueprint("review", __name__)


@bp.get("/review", endpoint="queue")
@roles.require(roles.REVIEW)
def queue_page() -> str:
    with web.services().sessions() as s:
        stats = queue.stats(s)
        items = queue.pending(s, limit=web.services().config.console.page_size)
        vault = web.services().vault
        senders = {i.message.id: privacy.masked_sender(vault, i.message) for i in items}
    return render_template("console/queue.html", stats=stats, items=items, senders=senders,
                           oldest_age=stats.oldest_age(utcnow()))


@bp.post("/review/next")
@roles.require(roles.REVIEW)
def next_message() -> Response:
    minutes = web.services().config.console.lock_minutes
    with web.services().sessions.begin() as s:
        message_id = queue.next_for(s, g.console_user.id, minutes)
    if message_id is None:
        flash(web.t("No message is waiting for review."))
        return redirect(url_for("console.review.queue"))
    return redirect(url_for("console.review.message", message_id=message_id))


def _page(message_id: int, *, status: int = 200, error: str | None = None,
          revealed: str | None = None) -> tuple[str, int]:
    user = g.console_user
    svc = web.services()
    with svc.sessions.begin() as s:
        message = s.get(InboundMessage, message_id)
        if message is None:
            abort(404)
        pending = message.review_status == queue.PENDING
        mine = pending and queue.acquire(s, message_id, user.id, svc.config.console.lock_minutes)
        lock_until = queue.lock_expiry(s, message_id) if mine else None
        citizen = s.get(Citizen, message.citizen_id) if message.citizen_id else None
        recent = list(s.execute(
            select(InboundMessage).where(InboundMessage.sender_hash == message.sender_hash,
                                         InboundMessage.id != message.id)
            .order_by(InboundMessage.received_at.desc()).limit(5)).scalars())
        open_tickets = open_tickets_of(s, message.citizen_id)
        ticket = s.get(Ticket, message.ticket_id) if message.ticket_id else None
        ticket_region = ticket.region_code if ticket else None
    parse: dict[str, Any] = message.parse or {}
    region = (parse.get("region") or {}).get("code")
    suggestion = agencies.suggest(directory_for(svc), parse.get("category"), region,
                                  parse.get("keyword"),
                                  about_officials=bool(parse.get("about_officials")),
                                  confidential=bool(parse.get("confidential")))
    context = {
        "message": message, "parse": parse, "pending": pending, "mine": mine,
        "lock_until": lock_until, "recent": recent, "open_tickets": open_tickets,
        "sender": citizen.phone_masked if citizen else privacy.masked_sender(svc.vault, message),
        "revealed": revealed, "error": error, "suggestion": suggestion,
        "region_hit": regions.get(region) if region else None,
        "probable": _probable(parse, region, ticket_region),
        "categories": web.categories(),
        "ask_text": ("Mohon lengkapi laporan Anda: apa masalahnya dan di mana lokasinya "
                     "(desa/kelurahan, kecamatan, kab/kota)? Balas SMS ini."),
    }
    if not pending:
        context["notice"] = web.t("This message has already been reviewed.")
    elif not mine:
        context["notice"] = web.t("This message is being handled by another operator.")
        status = 409 if status == 200 else status
    return render_template("console/review.html", **context), status


def _probable(parse: dict[str, Any], *places: str | None) -> dict[str, str] | None:
    """The kelurahan an address suggests, unless it is already one of the given places."""
    probable = parse.get("probable_region") or {}
    place = tickets.probable_of(probable.get("code"), probable.get("name"), *places)
    return {"code": place[0], "name": place[1]} if place is not None else None


@bp.get("/review/<int:message_id>")
@roles.require(roles.REVIEW)
def message(message_id: int) -> tuple[str, int]:
    return _page(message_id)


def _decision_from_form() -> decisions.Decision:
    form = request.form
    ticket_id = form.get("ticket_id", "")
    return decisions.Decision(
        action=form.get("action", ""), category=form.get("category") or None,
        region_code=form.get("region_code", "").strip() or None,
        agency_code=form.get("agency_code") or None,
        anonymous=form.get("anonymous") == "1", confidential=form.get("confidential") == "1",
        about_officials=form.get("about_officials") == "1",
        ticket_id=int(ticket_id) if ticket_id.isdigit() else None,
        reply_text=form.get("reply_text", ""))


@bp.post("/review/<int:message_id>")
@roles.require(roles.REVIEW)
def decide(message_id: int) -> Response | tuple[str, int]:
    user = g.console_user
    svc = web.services()
    decision = _decision_from_form()
    try:
        decision.check(directory_for(svc))
        with svc.sessions.begin() as s:
            claimed = queue.claim(s, message_id, user.id)
            if claimed is None:
                raise decisions.DecisionError(
                    "Your lock on this message expired; open it again.")
            outcome = decisions.apply(svc, s, claimed, user, decision)
            audit.record(s, user, f"review.{decision.action}", target_type="message",
                         target_id=message_id, remote_addr=web.remote_addr(),
                         ticket=outcome.ticket.number if outcome.ticket else None)
            number = outcome.ticket.number if outcome.ticket else None
    except decisions.DecisionError as exc:
        return _page(message_id, status=400, error=web.t(str(exc)))
    decisions.after_commit(svc, outcome)
    flash(web.t({"ticket": "Ticket created", "attach": "Message attached to ticket",
                 "ask": "Question sent", "spam": "Marked as spam",
                 "not_complaint": "Marked as not a complaint"}[decision.action])
          + (f" #{number}" if number else ""))
    if number and request.form.get("then") != "next":
        return redirect(url_for("console.tickets.show", number=number))
    return redirect(url_for("console.review.queue"))


@bp.post("/review/<int:message_id>/release")
@roles.require(roles.REVIEW)
def release(message_id: int) -> Response:
    with web.services().sessions.begin() as s:
        queue.release(s, message_id, g.console_user.id)
    return redirect(url_for("console.review.queue"))


@bp.post("/review/<int:message_id>/reveal")
@roles.require(roles.REVIEW)
def reveal(message_id: int) -> Response | tuple[str, int]:
    svc = web.services()
    with svc.sessions.begin() as s:
        message = s.get(InboundMessage, message_id)
        if message is None:
            abort(404)
        try:
            phone = privacy.reveal(
                s, svc.vault, g.console_user, message.sender_enc,
                anonymous=bool((message.parse or {}).get("anonymous")),
                reason=request.form.get("reason", ""), target_type="message",
                target_id=message_id, remote_addr=web.remote_addr())
        except privacy.RevealRefused:
            phone = None
    if phone is None:
        abort(403)
    return _page(message_id, revealed=phone)


@bp.post("/messages/<int:message_id>/reopen")
@roles.require(roles.REVIEW)
def reopen(message_id: int) -> Response:
    with web.services().sessions.begin() as s:
        message = s.get(InboundMessage, message_id)
        if message is None:
            abort(404)
        queue.reopen(s, message)
        audit.record(s, g.console_user, "review.reopen", target_type="message",
                     target_id=message_id, remote_addr=web.remote_addr())
    flash(web.t("Message reopened for review"))
    return redirect(url_for("console.review.message", message_id=message_id))


@bp.get("/regions")
@roles.require(roles.TICKETS)
def region_search() -> Response:
    hits = regions.search(request.args.get("q", "")[:80])
    return jsonify([h.as_dict() for h in hits])


@bp.get("/route")
@roles.require(roles.REVIEW)
def route_suggestion() -> Response:
    suggestion = agencies.suggest(directory_for(web.services()),
                                  request.args.get("category") or None,
                                  request.args.get("region") or None,
                                  about_officials=request.args.get("about_officials") == "1",
                                  confidential=request.args.get("confidential") == "1")
    return jsonify(suggestion.as_dict())
