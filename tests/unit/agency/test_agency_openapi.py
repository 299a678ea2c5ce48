"""The OpenAPI document: valid enough to fuzz, and every agency route documented."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sms_gateway.api.openapi import document

AGENCY_BLUEPRINTS = ("agency_api.", "open311.", "agency_openapi.")


def _flask_paths(app: Any) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(AGENCY_BLUEPRINTS) and rule.rule != "/api/openapi.json":
            path = re.sub(r"<(?:\w+:)?\w+>", "{}", rule.rule)
            out |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return out


def test_every_agency_route_is_documented(app: Any) -> None:
    documented = {(re.sub(r"\{\w+\}", "{}", p), m) for p, ops in document()["paths"].items()
                  for m in ops}
    assert _flask_paths(app) - documented == set()


def test_every_documented_path_exists(app: Any) -> None:
    documented = {(re.sub(r"\{\w+\}", "{}", p), m) for p, ops in document()["paths"].items()
                  for m in ops}
    assert documented - _flask_paths(app) == set()


def test_every_reference_resolves() -> None:
    doc = document()
    refs = set(re.findall(r"#/components/schemas/(\w+)", str(doc)))
    assert refs - set(doc["components"]["schemas"]) == set()


def test_document_is_served_as_json(client: Any) -> None:
    assert client.get("/api/openapi.json").get_json()["openapi"] == "3.0.3"


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/agency", "/api/v1/scorecard"])
def test_unauthenticated_answer_is_the_documented_error(client: Any, path: str) -> None:
    assert set(client.get(path).get_json()) == {"error", "message"}
