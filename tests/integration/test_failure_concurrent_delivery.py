"""The same SMS delivered by parallel requests at the same instant: stored and queued once.

A real threaded HTTP server (werkzeug) serves the app on Postgres and Redis; for each message,
eight threads wait on a barrier and post the very same signed webhook together, as a provider
retrying on a timeout while the first request is still running would.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from werkzeug.serving import make_server

from bench.batch import Audit, audit, make_batch
from bench.fake_sms import FakeSmsServer
from bench.gateway import Gateway, local_gateway
from bench.stack import PUBLIC_URL, queued_message_ids, twilio_signature
from sms_gateway.app import create_app
from sms_gateway.dispatch import RqDispatcher
from tests.support.batch_audit import EndStateChecks
from tests.support.needs import REDIS_DEFAULT, need
from tests.support.rq import run_worker

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DISTINCT, PARALLEL = 12, 8


@dataclass
class Run:
    sids: set[str]
    statuses: list[int]
    queued_jobs: Counter[int]
    end: Audit
    replies_per_phone: Counter[str]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    need("PostgreSQL", "127.0.0.1", 5432)
    need("Redis", "127.0.0.1", 6379)
    tmp = tmp_path_factory.mktemp("concurrent")
    with FakeSmsServer() as phone, \
            local_gateway(tmp, REDIS_DEFAULT, phone.url, sms={"outbound": "twilio"}) as gateway:
        app = create_app(services=gateway.services, start_background=False)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            forms = make_batch(DISTINCT, "C")
            statuses = _post_in_parallel(f"http://127.0.0.1:{server.server_port}", forms)
        finally:
            server.shutdown()
            thread.join(5)
            server.server_close()
        queued = _queued_inbound_jobs(gateway)
        run_worker(gateway.services)
        return Run({f["MessageSid"] for f in forms}, statuses, queued,
                   audit(gateway.services.sessions), Counter(d[1] for d in phone.delivered))


def _post_in_parallel(base: str, forms: list[dict[str, str]]) -> list[int]:
    statuses: list[int] = []
    with ThreadPoolExecutor(PARALLEL) as pool, requests.Session() as http:
        for form in forms:
            barrier = threading.Barrier(PARALLEL)
            headers = {"X-Twilio-Signature": twilio_signature(PUBLIC_URL + "/sms/twilio", form)}

            def deliver(form: dict[str, str] = form, headers: dict[str, str] = headers,
                        barrier: threading.Barrier = barrier) -> int:
                barrier.wait(10)
                return http.post(f"{base}/sms/twilio", data=form, headers=headers,
                                 timeout=30).status_code

            statuses += list(pool.map(lambda _: deliver(), range(PARALLEL)))
    return statuses


def _queued_inbound_jobs(gateway: Gateway) -> Counter[int]:
    """How often each message was queued, whether alone or in a batch (intake_batch.py)."""
    dispatcher = gateway.services.dispatcher
    assert isinstance(dispatcher, RqDispatcher)
    if gateway.services.batcher is not None:
        gateway.services.batcher.flush()
    return queued_message_ids(dispatcher.queue)


def test_every_parallel_delivery_is_acknowledged(run: Run) -> None:
    assert (len(run.statuses), set(run.statuses)) == (DISTINCT * PARALLEL, {200})


class TestEndState(EndStateChecks):
    """Nothing lost, nothing doubled, every ticket answered once (tests/support)."""


def test_every_message_is_queued_exactly_once(run: Run) -> None:
    assert (len(run.queued_jobs), set(run.queued_jobs.values())) == (DISTINCT, {1})


def test_no_phone_gets_two_replies(run: Run) -> None:
    assert {to: n for to, n in run.replies_per_phone.items() if n > 1} == {}
