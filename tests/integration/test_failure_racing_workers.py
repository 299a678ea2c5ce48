"""Three workers racing on one queue that holds every job several times: each thing done once.

Copies of each inbound job (and, once replies exist, of each send job) are pushed past the
enqueue guard, and sweeps run concurrently, so several workers pick up the same message or the
same reply at the same moment. Replies go through a provider that does not deduplicate (the
Twilio dialect of the local fake): a second send would reach the phone.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.batch import Audit, audit, make_batch, wait_until, with_duplicates
from bench.fake_sms import FakeSms, FakeSmsServer
from bench.gateway import Gateway, local_gateway
from bench.stack import ProcessGroup, worker_argv
from sms_gateway.dispatch import RqDispatcher
from sms_gateway.store.models import InboundMessage, OutboundMessage
from tests.support.batch_audit import EndStateChecks
from tests.support.needs import REDIS_DEFAULT, need

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DISTINCT, DUPLICATES, WORKERS, COPIES = 60, 20, 3, 3
DEADLINE = 120.0


@dataclass
class Run:
    sids: set[str]
    statuses: list[int]
    end: Audit
    replies_per_phone: Counter[str]
    phone_requests: int


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    need("PostgreSQL", "127.0.0.1", 5432)
    need("Redis", "127.0.0.1", 6379)
    tmp = tmp_path_factory.mktemp("race")
    with FakeSmsServer() as phone, \
            local_gateway(tmp, REDIS_DEFAULT, phone.url, sms={"outbound": "twilio"}) as gateway:
        return _race(gateway, phone, tmp)


def _race(gateway: Gateway, phone: FakeSms, tmp: Path) -> Run:
    forms = make_batch(DISTINCT, "W")
    statuses = [gateway.post(form) for form in with_duplicates(forms, DUPLICATES)]
    queue = gateway.services.dispatcher
    assert isinstance(queue, RqDispatcher)
    with gateway.services.sessions() as session:
        message_ids = session.execute(select(InboundMessage.id)).scalars().all()
    for _ in range(COPIES):  # random job ids: the guard cannot see these are the same job
        for message_id in message_ids:
            queue.queue.enqueue_call("sms_gateway.jobs.inbound.process_inbound",
                                     args=(message_id,))
    with ProcessGroup("worker", worker_argv(), gateway.env, WORKERS, tmp) as workers:
        copied: set[int] = set()

        def more_copies() -> None:
            with gateway.services.sessions() as session:
                outbound = set(session.execute(select(OutboundMessage.id)).scalars())
            for outbound_id in outbound - copied:
                for _ in range(COPIES):
                    queue.queue.enqueue_call("sms_gateway.jobs.outbound.send_sms",
                                             args=(outbound_id,), at_front=True)
            copied.update(outbound)
            workers.supervise()

        started = time.monotonic()
        wait_until(lambda: audit(gateway.services.sessions).settled(), DEADLINE, every=0.2,
                   meanwhile=more_copies)
        wait_until(lambda: queue.depth() == 0, 30, every=0.2)  # the late copies ran too
        assert time.monotonic() - started < DEADLINE
    return Run({f["MessageSid"] for f in forms}, statuses, audit(gateway.services.sessions),
               Counter(d[1] for d in phone.delivered), phone.requests)


class TestEndState(EndStateChecks):
    """Nothing lost, nothing doubled, every ticket answered once (tests/support)."""


def test_no_reply_is_sent_twice(run: Run) -> None:
    sent = run.end.outbound_status["sent"]
    assert (run.phone_requests, max(run.replies_per_phone.values())) == (sent, 1)
