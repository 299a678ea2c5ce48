"""Postgres unreachable for a few seconds during intake: 503 (never 200 unstored), then once.

The gateway reaches Postgres through a TCP proxy in this test; cutting the proxy breaks every
open connection and refuses new ones, as a network partition or a database restart would,
without touching the shared server. Workers go through the same proxy. The test plays the
provider: every message answered 503 is delivered again after the outage.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bench.batch import Audit, audit, make_batch, wait_until, with_duplicates
from bench.fake_sms import FakeSms, FakeSmsServer
from bench.gateway import Gateway, local_gateway
from bench.stack import ProcessGroup, TcpProxy, worker_argv
from tests.support.batch_audit import EndStateChecks
from tests.support.needs import REDIS_DEFAULT, need

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DISTINCT, DUPLICATES = 60, 20
OUTAGE_SECONDS = 3.0
DEADLINE = 120.0


@dataclass
class Run:
    sids: set[str]
    first_answers: dict[str, list[int]]  # sid -> statuses of its deliveries before any retry
    retry_answers: list[int]
    during_outage: list[int]
    health_during_outage: int
    end: Audit
    phone: dict[str, Any]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    need("PostgreSQL", "127.0.0.1", 5432)
    need("Redis", "127.0.0.1", 6379)
    tmp = tmp_path_factory.mktemp("pg")
    proxy = TcpProxy(5432)
    try:
        with FakeSmsServer() as phone, local_gateway(tmp, REDIS_DEFAULT, phone.url,
                                                     web_db_port=proxy.port) as gateway:
            return _outage(gateway, proxy, phone, tmp)
    finally:
        proxy.close()


def _outage(gateway: Gateway, proxy: TcpProxy, phone: FakeSms, tmp: Path) -> Run:
    forms = make_batch(DISTINCT, "P")
    deliveries = with_duplicates(forms, DUPLICATES)
    env = dict(gateway.env)
    env["DATABASE_URL"] = make_url(env["DATABASE_URL"]).set(port=proxy.port).render_as_string(
        hide_password=False)
    answers: dict[str, list[int]] = {}
    during: list[int] = []
    outage = threading.Event()
    with ProcessGroup("worker", worker_argv(), env, 2, tmp) as workers:
        # The cut comes from another thread, so it can land in the middle of a request.
        timer = threading.Timer(0.5, lambda: (proxy.cut(), outage.set()))
        timer.start()
        health = 0
        for i, form in enumerate(deliveries):
            cut_before = outage.is_set()  # a request already running may still commit
            status = gateway.post(form)
            answers.setdefault(form["MessageSid"], []).append(status)
            if cut_before:
                during.append(status)
            if i == len(deliveries) // 2:
                outage.wait(10)
                health = gateway.client.get("/healthz").status_code
                time.sleep(OUTAGE_SECONDS)
                proxy.restore()
                outage.clear()
            time.sleep(0.01)
        timer.join()
        failed = {sid for sid, statuses in answers.items() if 200 not in statuses}
        retries = [gateway.post(f) for f in forms if f["MessageSid"] in failed]
        wait_until(lambda: audit(gateway.services.sessions).settled(), DEADLINE,
                   meanwhile=workers.supervise)
    return Run({f["MessageSid"] for f in forms}, answers, retries, during, health,
               audit(gateway.services.sessions), phone.stats())


def test_the_outage_refused_deliveries_with_503(run: Run) -> None:
    assert (len(run.during_outage) >= 10, set(run.during_outage)) == (True, {503})


def test_healthz_reports_the_database_down(run: Run) -> None:
    assert run.health_during_outage == 503


def test_only_503_or_200_is_ever_answered(run: Run) -> None:
    seen = {s for statuses in run.first_answers.values() for s in statuses}
    assert seen | set(run.retry_answers) <= {200, 503}


def test_a_200_always_means_stored(run: Run) -> None:
    acknowledged = {sid for sid, statuses in run.first_answers.items() if 200 in statuses}
    assert acknowledged - set(run.end.stored) == set()


def test_retries_after_the_outage_are_accepted(run: Run) -> None:
    assert (len(run.retry_answers) > 0, set(run.retry_answers)) == (True, {200})


class TestEndState(EndStateChecks):
    """Nothing lost, nothing doubled, every ticket answered once (tests/support)."""


def test_every_reply_reaches_the_phone_exactly_once(run: Run) -> None:
    sent = run.end.outbound_status["sent"]
    assert (run.phone["delivered"], run.phone["distinct"]) == (sent, sent)
