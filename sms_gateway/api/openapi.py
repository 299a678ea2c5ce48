"""The OpenAPI 3.0 document of the agency API and Open311, served at /api/openapi.json.

Kept next to the views it describes; tests check that every route of the two blueprints is
documented and that answers match these schemas.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from routing import lifecycle

bp = Blueprint("agency_openapi", __name__)

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props,
            "required": list(props) if required is None else required,
            "additionalProperties": False}


def _s(nullable: bool = False, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string", **extra}
    if nullable:
        out["nullable"] = True
    return out


def _answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _errors(*codes: int, open311: bool = False) -> dict[str, Any]:
    texts = {400: "Bad request", 401: "Missing, invalid or revoked token",
             403: "Escalated ticket: read-only for the escalation target",
             404: "Not found (or not this agency's)", 409: "Not allowed in the ticket's status",
             422: "Unknown or unusable value"}
    schema = _ref("Open311Errors") if open311 else _ref("Error")
    return {str(c): _answer(texts[c], schema) for c in codes}


NUMBER = {"name": "number", "in": "path", "required": True,
          "schema": _s(pattern="^[0-9]{7}$"), "description": "The ticket number (7 digits)."}
DATE_TIME = _s(format="date-time")
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]

SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": _s(), "message": _s()}),
    "Open311Errors": {"type": "array", "items": _obj({"code": {"type": "integer"},
                                                      "description": _s()})},
    "Response": _obj({"status": _s(), "text": _s(), "at": DATE_TIME}),
    "TicketSummary": _obj({
        "number": _s(), "status": _s(enum=list(lifecycle.STATUSES)), "status_label": _s(),
        "category": _s(), "category_name": _s(), "region_code": _s(True),
        "region_name": _s(True),
        "probable_region": {"allOf": [_ref("ProbableRegion")], "nullable": True},
        "lat": {"type": "number", "nullable": True},
        "long": {"type": "number", "nullable": True}, "description": _s(),
        "anonymous": {"type": "boolean"},
        "confidential": {"type": "boolean"}, "source": _s(), "agency_code": _s(True),
        "agency_name": _s(True), "awaiting": _s(True),
        "rating": {"type": "integer", "nullable": True, "minimum": 1, "maximum": 5},
        "case": _ref("Case"),
        "latest_response": {"allOf": [_ref("Response")], "nullable": True},
        "created_at": DATE_TIME, "updated_at": DATE_TIME,
    }),
    "ProbableRegion": {
        **_obj({"code": _s(description="Kemendagri code of the kelurahan/desa"),
                "name": _s(), "probable": {"type": "boolean", "enum": [True]},
                "basis": _s(enum=["address"])}),
        "description": "A GUESS, not the ticket's place: the kelurahan/desa that a street or "
                       "address in the SMS suggests (e.g. 'jl kebraon gang 5'). The confirmed "
                       "place is region_code/region_name, which routing used; null once an "
                       "operator or the citizen confirms this guess (region_code is then it)."},
    "Case": _obj({
        "id": {"type": "integer", "nullable": True,
               "description": "The case many reporters of one problem share; null: alone."},
        "reporters": {"type": "integer", "minimum": 1,
                      "description": "Citizens who reported it (withdrawn tickets not counted)."},
        "reports": {"type": "array", "description": "Detail only: every ticket of the case.",
                    "items": _obj({"number": _s(), "status": _s(), "description": _s(),
                                   "created_at": DATE_TIME})}},
        ["id", "reporters"]),
    "Event": _obj({"at": DATE_TIME, "kind": _s(), "actor": _s(), "from_status": _s(True),
                   "to_status": _s(True), "detail": {"type": "object"}}),
    "AgencyResponse": _obj({"agency_code": _s(), "status": _s(), "text": _s(),
                            "at": DATE_TIME}),
    "Agency": _obj({"code": _s(), "name": _s(), "agency_type": _s(), "region_code": _s(True),
                    "level": _s(), "channels": {"type": "array", "items": _s()},
                    "consecutive_failures": {"type": "integer"}}),
    "TicketList": _obj({"tickets": {"type": "array", "items": _ref("TicketSummary")},
                        "total": {"type": "integer"}, "limit": {"type": "integer"},
                        "offset": {"type": "integer"}}),
    "StatusChange": _obj({"status": _s(enum=["diproses", "selesai", "tertunda"]),
                          "response": _s(maxLength=2000)}, ["status"]),
    "Disposisi": _obj({"agency_code": _s(minLength=1, maxLength=64),
                       "note": _s(maxLength=500)}, ["agency_code"]),
    "Decline": _obj({"reason": _s(maxLength=500)}, []),
    "Scorecard": _obj({"agency_code": _s(), "received": {"type": "integer"},
                       "answered": {"type": "integer"},
                       "median_response_hours": {"type": "number", "nullable": True},
                       "within_deadline_share": {"type": "number", "nullable": True},
                       "breaches": {"type": "integer"}, "ratings": {"type": "integer"},
                       "average_rating": {"type": "number", "nullable": True,
                                          "minimum": 1, "maximum": 5},
                       "rating_counts": _obj({str(r): {"type": "integer"} for r in range(1, 6)}),
                       "as_of": DATE_TIME}),
    "Service": _obj({"service_code": _s(), "service_name": _s(), "description": _s(),
                     "metadata": {"type": "boolean"}, "type": _s(enum=["realtime"]),
                     "keywords": _s(), "group": _s()}),
    "ServiceRequest": _obj({
        "service_request_id": _s(), "status": _s(enum=["open", "closed"]),
        "status_notes": _s(), "service_name": _s(), "service_code": _s(),
        "description": _s(), "agency_responsible": _s(True), "service_notice": _s(True),
        "requested_datetime": DATE_TIME, "updated_datetime": DATE_TIME,
        "expected_datetime": {**DATE_TIME, "nullable": True}, "address": _s(True),
        "address_id": _s(True), "zipcode": _s(True),
        "lat": {"type": "number", "nullable": True}, "long": {"type": "number", "nullable": True},
        "media_url": _s(True)}),
    "RequestCreated": _obj({"service_request_id": _s(), "service_notice": _s(True),
                            "account_id": _s(True)}),
    "NewRequest": _obj({
        "api_key": _s(description="An agency token (or send it as a Bearer token)."),
        "jurisdiction_id": _s(), "service_code": _s(),
        "description": _s(minLength=1, maxLength=4000),
        "address_id": _s(description="Kemendagri region code, e.g. 35.78.05.1001"),
        "address_string": _s(),
        "lat": {"type": "number", "minimum": -90, "maximum": 90,
                "description": "WGS 84 latitude; with long, or neither. Kept and shown, not "
                               "used for routing (address_id or address_string is)."},
        "long": {"type": "number", "minimum": -180, "maximum": 180,
                 "description": "WGS 84 longitude; with lat, or neither."}},
        ["service_code", "description"]),
}
SCHEMAS["TicketDetail"] = {"allOf": [_ref("TicketSummary"), {
    "type": "object", "required": ["reporter", "history", "responses"],
    "properties": {
        "reporter": {"type": "object", "nullable": True, "properties": {"phone": _s()},
                     "description": "Absent (null) for anonymous tickets."},
        "history": {"type": "array", "items": _ref("Event")},
        "responses": {"type": "array", "items": _ref("AgencyResponse")}}}]}
# allOf cannot be combined with additionalProperties: false on the parts.
SCHEMAS["TicketSummary"].pop("additionalProperties")
# Open311 clients send many optional fields (email, lat, long, attribute[...]): allowed.
SCHEMAS["NewRequest"].pop("additionalProperties")


def _post(summary: str, body: str, *errors: int) -> dict[str, Any]:
    return {"post": {
        "summary": summary, "security": BEARER, "parameters": [NUMBER],
        "requestBody": {"required": True, "content": {JSON: {"schema": _ref(body)}}},
        "responses": {"200": _answer("The ticket after the change", _ref("TicketSummary")),
                      **_errors(*errors)}}}


def _q(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


PATHS: dict[str, Any] = {
    "/api/v1/agency": {"get": {"summary": "The calling agency", "security": BEARER,
                               "responses": {"200": _answer("The agency", _ref("Agency")),
                                             **_errors(401)}}},
    "/api/v1/tickets": {"get": {
        "summary": "List this agency's tickets", "security": BEARER,
        "parameters": [
            _q("status", _s(enum=list(lifecycle.STATUSES))),
            _q("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
            _q("offset", {"type": "integer", "minimum": 0, "maximum": 1000000, "default": 0}),
            _q("updated_since", DATE_TIME, "Only tickets changed at or after this time."),
            _q("updated_until", DATE_TIME, "Only tickets changed before this time.")],
        "responses": {"200": _answer("A page of tickets", _ref("TicketList")),
                      **_errors(400, 401)}}},
    "/api/v1/tickets/{number}": {"get": {
        "summary": "One ticket with reporter, history and responses", "security": BEARER,
        "parameters": [NUMBER],
        "responses": {"200": _answer("The ticket", _ref("TicketDetail")),
                      **_errors(401, 404)}}},
    "/api/v1/tickets/{number}/status": _post(
        "Set diproses, selesai or tertunda with a response (sent to the citizen by SMS)",
        "StatusChange", 400, 401, 403, 404, 409, 422),
    "/api/v1/tickets/{number}/disposisi": _post(
        "Hand the ticket to another agency", "Disposisi", 400, 401, 403, 404, 409, 422),
    "/api/v1/tickets/{number}/bukan_wewenang": _post(
        "Decline the ticket (not ours): it is routed again", "Decline",
        400, 401, 403, 404, 409),
    "/api/v1/scorecard": {"get": {"summary": "This agency's scorecard", "security": BEARER,
                                  "responses": {"200": _answer("Scorecard", _ref("Scorecard")),
                                                **_errors(401)}}},
    "/open311/v2/services.json": {"get": {
        "summary": "Complaint categories as Open311 services",
        "parameters": [_q("jurisdiction_id", _s())],
        "responses": {"200": _answer("Services", {"type": "array",
                                                  "items": _ref("Service")})}}},
    "/open311/v2/requests.json": {
        "get": {"summary": "Public (non-confidential) requests",
                "parameters": [_q("jurisdiction_id", _s()), _q("service_request_id", _s()),
                               _q("service_code", _s()), _q("start_date", DATE_TIME),
                               _q("end_date", DATE_TIME),
                               _q("status", _s(enum=["open", "closed", "open,closed"]))],
                "responses": {"200": _answer("Requests", {"type": "array",
                                                          "items": _ref("ServiceRequest")}),
                              **_errors(400, open311=True)}},
        "post": {"summary": "File a request (needs an agency token as api_key)",
                 "requestBody": {"required": True, "content": {
                     "application/x-www-form-urlencoded": {"schema": _ref("NewRequest")}}},
                 "responses": {"201": _answer("Created", {"type": "array",
                                                          "items": _ref("RequestCreated")}),
                               **_errors(400, 401, open311=True)}}},
    "/open311/v2/requests/{service_request_id}.json": {"get": {
        "summary": "One public request",
        "parameters": [{**NUMBER, "name": "service_request_id"},
                       _q("jurisdiction_id", _s())],
        "responses": {"200": _answer("A one-element list", {"type": "array",
                                                            "items": _ref("ServiceRequest")}),
                      **_errors(404, open311=True)}}},
}


def document() -> dict[str, Any]:
    """Return the OpenAPI document."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "SMS gateway 1708: agency API and Open311", "version": "1",
                 "description": "See docs/agencies.md. Tickets outside an agency's scope "
                                "answer 404."},
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
    }


@bp.get("/api/openapi.json")
def openapi_json() -> Response:
    """Serve the OpenAPI document."""
    return jsonify(document())
