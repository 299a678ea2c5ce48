"""The sweeper's agency tasks: lost deliveries are sent again; the SLA check is throttled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from sms_gateway.agency.deliveries import dispose
from sms_gateway.agency.records import directory_for
from sms_gateway.config import Config
from sms_gateway.jobs.forward import requeue_deliveries
from sms_gateway.jobs.sla import run_periodic
from sms_gateway.services import Services
from sms_gateway.store import tickets
from sms_gateway.store.agency import AgencyDelivery
from sms_gateway.store.db import utcnow
from sms_gateway.sweeper import periodic_tasks
from tests.support.agency import (
    PUPR_SURABAYA,
    SECRET_ENV,
    Receiver,
    overrides_file,
    webhook_receiver,
)
from tests.support.config import make_config


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


@pytest.fixture
def config(tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setenv(SECRET_ENV, "periodic-secret")
    channels = [{"agency": PUPR_SURABAYA, "kind": "webhook", "url": receiver.url,
                 "secret": SECRET_ENV}]
    return make_config(tmp_path, agency={"routing_overrides": str(overrides_file(tmp_path,
                                                                                 channels))})


def _stuck_delivery(services: Services) -> int:
    """A delivery whose job was lost: created, never enqueued, claimed long ago."""
    with services.sessions.begin() as session:
        ticket = tickets.open_ticket(session, category="jalan_drainase", region_code="35.78")
        tickets.apply_route(session, ticket, directory=directory_for(services))
        [delivery_id] = dispose(services, session, ticket)
        session.execute(update(AgencyDelivery).where(AgencyDelivery.id == delivery_id).values(
            state="sending", updated_at=utcnow() - timedelta(hours=1)))
        return delivery_id


def test_lost_delivery_is_sent_again(services: Services, receiver: Receiver) -> None:
    delivery_id = _stuck_delivery(services)
    requeue_deliveries()
    with services.sessions() as session:
        state = session.execute(select(AgencyDelivery.state).where(
            AgencyDelivery.id == delivery_id)).scalar_one()
    assert (state, len(receiver.requests)) == ("delivered", 1)


def test_fresh_delivery_is_left_to_its_own_job(services: Services, receiver: Receiver) -> None:
    with services.sessions.begin() as session:
        ticket = tickets.open_ticket(session, category="jalan_drainase", region_code="35.78")
        tickets.apply_route(session, ticket, directory=directory_for(services))
        dispose(services, session, ticket)
    assert requeue_deliveries() == 0


def test_sla_check_runs_at_most_once_per_interval(services: Services) -> None:
    run_periodic()
    assert run_periodic() is None


def test_sweeper_runs_the_agency_tasks(services: Services) -> None:
    names = [task.__name__ for task in periodic_tasks()]
    assert {"requeue_deliveries", "run_periodic"} <= set(names)


def test_metrics_count_deliveries_alerts_and_breaches(services: Services, client: Any) -> None:
    from sms_gateway.store.agency import AgencyAlert, AgencyRecord, SlaBreach

    _stuck_delivery(services)
    now = utcnow()
    with services.sessions.begin() as session:
        ticket_id = session.execute(select(AgencyDelivery.ticket_id)).scalar_one()
        session.get(AgencyRecord, PUPR_SURABAYA).alerted_at = now
        session.add_all([
            AgencyAlert(agency_code=PUPR_SURABAYA, kind="delivery_failures", at=now,
                        notify_attempts=1, notify_error="network: refused"),
            SlaBreach(ticket_id=ticket_id, stage="verifikasi", since=now, due_at=now)])
    body = client.get("/metrics").get_data(as_text=True)
    assert [line for line in body.splitlines() if line.startswith((
        "sms_gateway_agenc", "sms_gateway_sla"))] == [
        'sms_gateway_agency_deliveries_total{state="sending"} 1',
        "sms_gateway_agencies_alerted 1",
        "sms_gateway_agency_alert_emails_failed 1",
        "sms_gateway_sla_breaches_total 1"]
