"""The agency API (JSON, bearer tokens): an agency reads and answers its own tickets only.

Anything outside the agency's scope answers 404, exactly as a ticket that does not exist.
The contract is the OpenAPI document served at /api/openapi.json (agency/openapi.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from routing import lifecycle
from sms_gateway.agency import payload
from sms_gateway.agency.scorecard import scorecard
from sms_gateway.api.auth import (
    ApiError,
    agency_required,
    handle_api_error,
    handle_http_error,
    services,
)
from sms_gateway.complaints import actions
from sms_gateway.store import cases
from sms_gateway.store.agency import AgencyDelivery, AgencyRecord, SlaBreach
from sms_gateway.store.console import add_audit
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Ticket

bp = Blueprint("agency_api", __name__, url_prefix="/api/v1")
bp.register_error_handler(ApiError, handle_api_error)
bp.register_error_handler(HTTPException, handle_http_error)

MAX_LIMIT = 200
TEXT_LIMITS = {"response": 2000, "note": 500, "reason": 500, "agency_code": 64, "status": 24}
# The query parameters each endpoint documents (api/openapi.py); any other is refused, so that
# a misspelt filter (`statuss=selesai`) is an error rather than a silently unfiltered list.
QUERY_PARAMS = {
    "agency_api.list_tickets": frozenset({"status", "limit", "offset", "updated_since",
                                          "updated_until"}),
}


@bp.before_request
def _known_query_parameters() -> None:
    unknown = sorted(set(request.args) - QUERY_PARAMS.get(request.endpoint or "", frozenset()))
    if unknown:
        raise ApiError(400, "bad_request", f"unknown query parameter {unknown[0]!r}")


def _scope(agency_code: str) -> Any:
    """Tickets an agency may read: its own, and those escalated to it."""
    escalated = select(SlaBreach.ticket_id).where(SlaBreach.escalated_to == agency_code)
    return or_(Ticket.agency_code == agency_code, Ticket.id.in_(escalated))


def _ticket(session: Session, number: str, *, write: bool = False) -> Ticket:
    """The agency's ticket; to write, locked and read afresh with its case's other tickets
    (store/cases.for_change)."""
    query = select(Ticket).where(Ticket.number == number, _scope(g.agency_code))
    ticket = (cases.for_change(session, query) if write
              else session.execute(query).scalar_one_or_none())
    if ticket is None:
        raise ApiError(404, "not_found", f"no ticket {number} for this agency")
    if write and ticket.agency_code != g.agency_code:
        raise ApiError(403, "forbidden",
                       "this ticket was escalated to you; only its agency can change it")
    return ticket


def _body(required: set[str], optional: set[str]) -> dict[str, str]:
    """Return the JSON object body with only known string fields, stripped."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    unknown = sorted(set(data) - required - optional)
    if unknown:
        raise ApiError(400, "bad_request", f"unknown field {unknown[0]!r}")
    out: dict[str, str] = {}
    for key in required | optional:
        value = data.get(key, "")
        if not isinstance(value, str):
            raise ApiError(400, "bad_request", f"field {key!r} must be a string")
        if len(value) > TEXT_LIMITS[key]:
            raise ApiError(400, "bad_request", f"field {key!r} is longer than "
                           f"{TEXT_LIMITS[key]} characters")
        value = value.strip()
        if key in required and not value:
            raise ApiError(400, "bad_request", f"field {key!r} is required")
        out[key] = value
    return out


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, "bad_request", f"{name} must be an integer from {low} to {high}")
    return int(raw)


def _time_arg(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ApiError(400, "bad_request", f"{name} must be an ISO 8601 time with a zone")
    return moment


def _run(action: str, number: str, fields: dict[str, str]) -> Response:
    svc = services()
    effects = actions.Effects()
    with svc.sessions.begin() as session:
        ticket = _ticket(session, number, write=True)
        try:
            if action == "status":
                actions.respond(svc, session, ticket, g.agency_code, fields["status"],
                                fields["response"], effects)
            elif action == "disposisi":
                actions.disposisi(svc, session, ticket, g.agency_code, fields["agency_code"],
                                  fields["note"], effects)
            else:
                actions.decline(svc, session, ticket, g.agency_code, fields["reason"], effects)
        except actions.ActionError as exc:
            raise ApiError(409 if exc.conflict else 422,
                           "conflict" if exc.conflict else "unprocessable", str(exc)) from None
        document = payload.ticket_summary(session, ticket)
    effects.run(svc)
    return jsonify(document)


@bp.get("/agency")
@agency_required
def me() -> Response:
    """The calling agency."""
    with services().sessions() as session:
        agency = session.get(AgencyRecord, g.agency_code)
        assert agency is not None
        return jsonify(code=agency.code, name=agency.name, agency_type=agency.agency_type,
                       region_code=agency.region_code, level=agency.level,
                       channels=[c["kind"] for c in agency.channels or []],
                       consecutive_failures=agency.consecutive_failures)


@bp.get("/tickets")
@agency_required
def list_tickets() -> Response:
    """The agency's tickets, newest change first, filtered by status and time."""
    status = request.args.get("status")
    if status is not None and status not in lifecycle.STATUSES:
        raise ApiError(400, "bad_request", f"unknown status {status!r}")
    limit = _int_arg("limit", 50, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 1_000_000)
    since, until = _time_arg("updated_since"), _time_arg("updated_until")
    query = select(Ticket).where(_scope(g.agency_code))
    if status is not None:
        query = query.where(Ticket.status == status)
    if since is not None:
        query = query.where(Ticket.updated_at >= since)
    if until is not None:
        query = query.where(Ticket.updated_at < until)
    with services().sessions() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(query.order_by(Ticket.updated_at.desc(), Ticket.id.desc())
                               .limit(limit).offset(offset)).scalars().all()
        items = [payload.ticket_summary(session, t) for t in rows]
    return jsonify(tickets=items, total=total, limit=limit, offset=offset)


@bp.get("/tickets/<number>")
@agency_required
def get_ticket(number: str) -> Response:
    """One ticket with its reporter (unless anonymous), history and responses."""
    svc = services()
    with svc.sessions.begin() as session:
        ticket = _ticket(session, number)
        # Reading it is how a pull-channel agency receives the ticket.
        session.execute(update(AgencyDelivery).where(
            AgencyDelivery.ticket_id == ticket.id, AgencyDelivery.agency_code == g.agency_code,
            AgencyDelivery.state == "available").values(
            state="delivered", delivered_at=utcnow(), updated_at=utcnow()))
        detail = payload.ticket_detail(session, svc.vault, ticket)
        if detail.get("reporter"):  # a citizen's number, read as the console's reveal is
            add_audit(session, f"agency:{g.agency_code}", "phone.reveal", target_type="ticket",
                      target_id=ticket.number, remote_addr=request.remote_addr, via="api",
                      agency=g.agency_code, anonymous=ticket.anonymous)
        return jsonify(detail)


@bp.post("/tickets/<number>/status")
@agency_required
def change_status(number: str) -> Response:
    """Set diproses, selesai or tertunda with a response text the citizen receives by SMS."""
    return _run("status", number, _body({"status"}, {"response"}))


@bp.post("/tickets/<number>/disposisi")
@agency_required
def hand_on(number: str) -> Response:
    """Hand the ticket to another agency (disposisi)."""
    return _run("disposisi", number, _body({"agency_code"}, {"note"}))


@bp.post("/tickets/<number>/bukan_wewenang")
@agency_required
def not_ours(number: str) -> Response:
    """Decline the ticket: it is routed again, avoiding this agency."""
    return _run("bukan_wewenang", number, _body(set(), {"reason"}))


@bp.get("/scorecard")
@agency_required
def own_scorecard() -> Response:
    """Received, answered, median response time and share within the deadline."""
    with services().sessions() as session:
        return jsonify(scorecard(session, g.agency_code, now=utcnow()))
