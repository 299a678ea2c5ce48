"""Real answers of the agency API and Open311 match the OpenAPI document's schemas."""

from __future__ import annotations

from typing import Any

import pytest

from sms_gateway.api.openapi import document
from sms_gateway.services import Services
from tests.support.agency import (
    PUPR_SURABAYA,
    SURABAYA_ROAD,
    auth,
    sms_in,
    ticket_of,
    token_for,
)

jsonschema = pytest.importorskip("jsonschema")


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: `nullable: true` becomes "or null"."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") else out


def _schema_of(path: str, method: str, status: int) -> dict[str, Any]:
    doc = document()
    answer = doc["paths"][path][method]["responses"][str(status)]
    return {**answer["content"]["application/json"]["schema"],
            "components": _json_schema(doc["components"])}


@pytest.fixture
def setup(client: Any, services: Services) -> dict[str, Any]:
    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    token = token_for(services, PUPR_SURABAYA)
    client.post(f"/api/v1/tickets/{ticket.number}/status", headers=auth(token),
                json={"status": "diproses", "response": "Sedang dicek."})
    return {"number": ticket.number, "headers": auth(token)}


def _requests(setup: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    n, h = setup["number"], setup["headers"]
    return [
        ("/api/v1/agency", "get", "/api/v1/agency", {"headers": h}),
        ("/api/v1/tickets", "get", "/api/v1/tickets", {"headers": h}),
        ("/api/v1/tickets", "get", "/api/v1/tickets", {}),
        ("/api/v1/tickets", "get", "/api/v1/tickets?limit=0", {"headers": h}),
        ("/api/v1/tickets/{number}", "get", f"/api/v1/tickets/{n}", {"headers": h}),
        ("/api/v1/tickets/{number}", "get", "/api/v1/tickets/0000000", {"headers": h}),
        ("/api/v1/tickets/{number}/status", "post", f"/api/v1/tickets/{n}/status",
         {"headers": h, "json": {"status": "selesai", "response": "Sudah."}}),
        ("/api/v1/tickets/{number}/status", "post", f"/api/v1/tickets/{n}/status",
         {"headers": h, "json": {"status": "arsip"}}),
        ("/api/v1/tickets/{number}/disposisi", "post", f"/api/v1/tickets/{n}/disposisi",
         {"headers": h, "json": {"agency_code": "dishub:35.78"}}),
        ("/api/v1/tickets/{number}/bukan_wewenang", "post",
         f"/api/v1/tickets/{n}/bukan_wewenang", {"headers": h, "json": []}),
        ("/api/v1/scorecard", "get", "/api/v1/scorecard", {"headers": h}),
        ("/open311/v2/services.json", "get", "/open311/v2/services.json", {}),
        ("/open311/v2/requests.json", "get", "/open311/v2/requests.json", {}),
        ("/open311/v2/requests.json", "get", "/open311/v2/requests.json?end_date=x", {}),
        ("/open311/v2/requests/{service_request_id}.json", "get",
         f"/open311/v2/requests/{n}.json", {}),
        ("/open311/v2/requests/{service_request_id}.json", "get",
         "/open311/v2/requests/0000000.json", {}),
        ("/open311/v2/requests.json", "post", "/open311/v2/requests.json",
         {"data": {"service_code": "lainnya", "description": "x"}}),
    ]


CASES = range(17)


@pytest.mark.parametrize("case", CASES)
def test_answer_matches_the_documented_schema(client: Any, setup: dict[str, Any],
                                              case: int) -> None:
    path, method, url, kwargs = _requests(setup)[case]
    answer = getattr(client, method)(url, **kwargs)
    schema = _schema_of(path, method, answer.status_code)
    jsonschema.validate(answer.get_json(), schema)


def test_created_open311_request_matches_the_schema(client: Any, services: Services) -> None:
    key = token_for(services, PUPR_SURABAYA)
    answer = client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "jalan_drainase", "description": "Jalan rusak",
        "address_id": "35.78"})
    jsonschema.validate(answer.get_json(),
                        _schema_of("/open311/v2/requests.json", "post", answer.status_code))
