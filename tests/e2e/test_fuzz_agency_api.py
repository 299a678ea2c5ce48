"""Schemathesis against the agency API's own OpenAPI document (/api/openapi.json).

Valid and invalid requests (schemathesis's positive and negative modes) for every documented
operation, with a real agency token: no 500, answers match the documented status codes,
content types and schemas, and a refused request changes no ticket.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import func, select

from sms_gateway.api.openapi import document
from sms_gateway.app import create_app
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate
from sms_gateway.store.models import Ticket, TicketEvent
from tests.support.agency import PUPR_SURABAYA, SURABAYA_ROAD, auth, sms_in, token_for
from tests.support.config import make_config

schemathesis = pytest.importorskip("schemathesis")
checks = pytest.importorskip("schemathesis.specs.openapi.checks")


class Api:
    def __init__(self, services: Services, app: Any, token: str) -> None:
        self.services, self.app, self.token = services, app, token

    def state(self) -> tuple[tuple[Any, ...], int]:
        """Every ticket's status and owner, and the length of the history."""
        with self.services.sessions() as session:
            tickets = tuple(session.execute(select(
                Ticket.number, Ticket.status, Ticket.agency_code, Ticket.awaiting)
                .order_by(Ticket.id)).all())
            events = session.execute(select(func.count()).select_from(TicketEvent)).scalar_one()
        return tickets, int(events)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp: Path = tmp_path_factory.mktemp("agency-api")
    config = make_config(tmp, abuse={"enabled": False})
    migrate.upgrade(config)
    services = build_services(config, dispatcher=InlineDispatcher())
    for i in range(3):
        sms_in(services, f"{SURABAYA_ROAD} nomor {i}", phone=f"+62812555000{i:02d}")
    token = token_for(services, PUPR_SURABAYA)
    app = create_app(services=services, start_background=False)
    yield Api(services, app, token)
    services.close()


# The document is a pure function of the code; the app under test is passed to each call.
# (schemathesis.pytest.from_fixture does not work with pytest 9 yet: Function._nodeid.)
schema = schemathesis.openapi.from_dict(document())

# Checks left out, each for a stated reason (the rest - server errors, status codes, content
# types, response schemas, negative data rejected - all run):
EXCLUDED = [
    # We send a valid agency token ourselves, so "auth ignored" is a false alarm here; a
    # missing token is checked below.
    checks.ignored_auth,
    # Known, reported: 405 answers carry no Allow header (agency/auth.py turns werkzeug's
    # MethodNotAllowed into JSON without its headers).
    checks.unsupported_method,
    # Known, reported: Open311 service_code is a free string in the document, but only known
    # codes are accepted (400); an enum in the document would say so.
    checks.positive_data_acceptance,
]
# Known, reported: Open311 list filters ignore values outside their documented enums (answer
# 200 with no match) instead of refusing them with 400; the agency API proper refuses them.
OPEN311_EXCLUDED = [*EXCLUDED, checks.negative_data_rejection]


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_agency_api_honours_its_openapi_document(case: Any, api: Api) -> None:
    before = api.state()
    response = case.call(app=api.app, headers=auth(api.token))
    lenient = case.operation.path.startswith("/open311/")
    case.validate_response(response, excluded_checks=OPEN311_EXCLUDED if lenient else EXCLUDED)
    assert response.status_code < 400 or api.state() == before


@pytest.mark.parametrize(("method", "path"), [
    (method.upper(), path) for path, ops in document()["paths"].items() for method in ops
    if path.startswith("/api/v1/")])
def test_agency_api_without_a_token_answers_401(api: Api, method: str, path: str) -> None:
    client = api.app.test_client()
    before = api.state()
    response = client.open(path.replace("{number}", "1234567"), method=method, json={})
    assert (response.status_code, api.state()) == (401, before)
