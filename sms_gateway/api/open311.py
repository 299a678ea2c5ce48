"""Open311 GeoReport v2 (JSON only): categories as services, public tickets as requests.

Confidential (rahasia) tickets never appear here. A public request shows category, place,
status and dates; the citizen's own words only once an operator approved them for publication
(`Ticket.text_published_at`), and then redacted (`parsers.redact`). An anonymous (anonim)
report's place is cut to its kecamatan and its coordinates left out. Filing a request needs
an agency token as `api_key`; the request becomes a ticket routed and forwarded like one that
came by SMS.
See https://wiki.open311.org/GeoReport_v2/ for the specification.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

import parsers
import routing
from parsers.redact import redact
from routing import deadlines, lifecycle
from sms_gateway.agency.payload import iso, latest_response
from sms_gateway.agency.records import directory_for
from sms_gateway.api.auth import ApiError, authenticate, bearer_token, services
from sms_gateway.complaints import actions, cases
from sms_gateway.store import tickets
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Ticket

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
CLOSED = frozenset({lifecycle.SELESAI, lifecycle.ARSIP, lifecycle.DIBATALKAN})
MAX_RESULTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
MAX_DESCRIPTION = 4000
# Region code depth of a kecamatan (35.78.22): as precise as an anonymous report's place gets.
KECAMATAN_DEPTH = 3


def _error(status: int, description: str) -> Response:
    response = jsonify([{"code": status, "description": description}])
    response.status_code = status
    return response


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return _error(exc.status, exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return _error(exc.code or 500, exc.description or exc.name or "error")


@bp.get("/services.json")
def list_services() -> Response:
    """Every complaint category as an Open311 service."""
    directory = directory_for(services())
    return jsonify([
        {"service_code": c.code, "service_name": c.name, "description": c.name_en,
         "metadata": False, "type": "realtime", "keywords": c.code.replace("_", ","),
         "group": directory.agency_types[c.agency_type].name
         if c.agency_type in directory.agency_types else ""}
        for c in directory.categories.values()])


def _place(ticket: Ticket) -> tuple[str | None, str | None]:
    """The published region code and name: an anonymous report's no finer than its kecamatan."""
    code, name = ticket.region_code, ticket.region_name
    if not ticket.anonymous or code is None or code.count(".") < KECAMATAN_DEPTH:
        return code, name
    code = ".".join(code.split(".")[:KECAMATAN_DEPTH])
    region = directory_for(services()).regions.get(code)
    return code, region.name if region else None


def _request_json(session: Session, ticket: Ticket) -> dict[str, Any]:
    response = latest_response(session, ticket.id)
    stage = deadlines.deadline_for_status(ticket.status, ticket.updated_at)
    categories = routing.default_directory().categories
    service_name = (categories[ticket.category].name if ticket.category in categories
                    else ticket.category)
    code, name = _place(ticket)
    hide_point = ticket.anonymous
    return {
        "service_request_id": ticket.number,
        "status": "closed" if ticket.status in CLOSED else "open",
        "status_notes": redact(response.text) if response
        else lifecycle.status_label(ticket.status),
        "service_name": service_name,
        "service_code": ticket.category,
        "description": redact(ticket.description) if ticket.text_published_at
        else service_name,
        "agency_responsible": ticket.agency_name,
        "service_notice": None,
        "requested_datetime": iso(ticket.created_at),
        "updated_datetime": iso(ticket.updated_at),
        "expected_datetime": iso(stage.due_at) if stage else None,
        "address": name,
        "address_id": code,
        "zipcode": None,
        "lat": None if hide_point else ticket.latitude,
        "long": None if hide_point else ticket.longitude,
        "media_url": None,
    }


def _date_arg(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "bad_request", f"{name} must be a W3C date-time") from None
    if moment.tzinfo is None:
        raise ApiError(400, "bad_request", f"{name} needs a time zone")
    return moment


@bp.get("/requests.json")
def list_requests() -> Response:
    """Public requests, filtered as GeoReport v2 describes (default: the last 90 days)."""
    query = select(Ticket).where(Ticket.confidential.is_(False))
    ids = request.args.get("service_request_id")
    if ids is not None:
        numbers = [n.strip() for n in ids.split(",") if n.strip()]
        query = query.where(Ticket.number.in_(numbers[:MAX_RESULTS]))
    else:
        end = _date_arg("end_date") or utcnow()
        start = _date_arg("start_date") or end - DEFAULT_WINDOW
        query = query.where(Ticket.created_at >= start, Ticket.created_at <= end)
        codes = request.args.get("service_code")
        if codes is not None:
            query = query.where(Ticket.category.in_([c.strip() for c in codes.split(",")]))
        status = request.args.get("status")
        if status is not None:
            wanted = {s.strip() for s in status.split(",")}
            if not wanted <= {"open", "closed"}:
                raise ApiError(400, "bad_request", "status must be open, closed or both")
            if wanted == {"open"}:
                query = query.where(Ticket.status.not_in(CLOSED))
            elif wanted == {"closed"}:
                query = query.where(Ticket.status.in_(CLOSED))
    with services().sessions() as session:
        rows = session.execute(query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
                               .limit(MAX_RESULTS)).scalars().all()
        return jsonify([_request_json(session, t) for t in rows])


@bp.get("/requests/<number>.json")
def get_request(number: str) -> Response:
    """One public request, as a one-element list (as the specification has it)."""
    with services().sessions() as session:
        ticket = session.execute(select(Ticket).where(
            Ticket.number == number, Ticket.confidential.is_(False))).scalar_one_or_none()
        if ticket is None:
            raise ApiError(404, "not_found", f"no public request {number}")
        return jsonify([_request_json(session, ticket)])


def _region(form: dict[str, str], description: str) -> str:
    directory = directory_for(services())
    code = form.get("address_id", "").strip()
    if code:
        if code not in directory.regions:
            raise ApiError(400, "bad_request", f"address_id {code!r} is not a Kemendagri "
                           "region code")
        return code
    address = form.get("address_string", "").strip()
    region = parsers.parse(f"{description} {address}").region if address else None
    if region is None:
        raise ApiError(400, "bad_request", "give address_id (a Kemendagri region code such "
                       "as 35.78) or an address_string naming the kelurahan/kecamatan/kota")
    return region.code


def _coordinates(form: dict[str, str]) -> tuple[float | None, float | None]:
    """The optional `lat` and `long` (WGS 84 degrees): both or neither, numbers in range."""
    raw = {k: form.get(k, "").strip() for k in ("lat", "long")}
    if not any(raw.values()):
        return None, None
    if not all(raw.values()):
        raise ApiError(400, "bad_request", "give both lat and long, or neither")
    try:
        lat, long = float(raw["lat"]), float(raw["long"])
    except ValueError:
        raise ApiError(400, "bad_request", "lat and long must be decimal degrees") from None
    if not (-90 <= lat <= 90 and -180 <= long <= 180):  # also refuses nan; inf is out of range
        raise ApiError(400, "bad_request", "lat must be within -90..90 and long within -180..180")
    return lat, long


@bp.post("/requests.json")
def create_request() -> Response:
    """File a request for a category and region; it is routed and forwarded at once."""
    agency_code = authenticate(bearer_token(allow_api_key=True))
    form = {k: v for k, v in request.form.items()}
    svc = services()
    category = form.get("service_code", "").strip()
    if category not in directory_for(svc).categories:
        raise ApiError(400, "bad_request", f"unknown service_code {category!r}")
    description = form.get("description", "")
    if len(description) > MAX_DESCRIPTION or not description.strip():
        raise ApiError(400, "bad_request",
                       f"description is required (at most {MAX_DESCRIPTION} characters)")
    description = description.strip()
    region_code = _region(form, description)
    latitude, longitude = _coordinates(form)
    region = directory_for(svc).regions.get(region_code)
    effects = actions.Effects()
    with svc.sessions.begin() as session:
        ticket = tickets.open_ticket(
            session, source="open311", category=category, region_code=region_code,
            region_name=region.name if region else None, description=description,
            latitude=latitude, longitude=longitude)
        tickets.add_event(session, ticket, "filed", actor=f"agency:{agency_code}",
                          channel="open311")
        lead = cases.find_case(session, svc.config.cases, ticket)
        if lead is not None:  # reported already: joins that case, no second forward
            cases.join(session, ticket, lead, actor=f"agency:{agency_code}")
        else:
            decision = tickets.apply_route(session, ticket, directory=directory_for(svc))
            if decision.agency is not None:
                effects.forward_ids.append(ticket.id)
        number = ticket.number
        notice = f"Diteruskan ke {ticket.agency_name}" if ticket.agency_name else None
    effects.run(svc)
    response = jsonify([{"service_request_id": number, "service_notice": notice,
                         "account_id": None}])
    response.status_code = 201
    return response
