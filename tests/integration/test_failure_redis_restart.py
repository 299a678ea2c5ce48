"""Redis killed and restarted empty in the middle of a batch: the database remembers everything.

A private `redis-server` without persistence (never the shared one) serves the queue. It is
SIGKILLed while workers are busy, stays down while more SMS arrive, comes back empty, and is
killed and restarted once more. Workers that exit on a lost connection are restarted as a
supervisor would; the sweeper re-queues whatever the lost queue held.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.batch import Audit, audit, make_batch, wait_until, with_duplicates
from bench.fake_sms import FakeSms, FakeSmsServer, Fault
from bench.gateway import Gateway, local_gateway
from bench.stack import ProcessGroup, RedisServer, worker_argv
from tests.support.batch_audit import EndStateChecks
from tests.support.needs import need, need_program

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DISTINCT, DUPLICATES = 60, 20
DOWN_SECONDS = 3.0
DEADLINE = 120.0


@dataclass
class Run:
    sids: set[str]
    statuses: list[int]
    statuses_while_down: list[int]
    end: Audit
    phone: dict[str, Any]
    pending_at_crashes: list[int]
    took: float


def pending(end: Audit) -> int:
    return len(end.unsettled) + end.outbound_status["queued"] + end.outbound_status["sending"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    need("PostgreSQL", "127.0.0.1", 5432)
    need_program("redis-server", "redis-server")
    tmp = tmp_path_factory.mktemp("redis")
    with RedisServer(tmp) as redis, FakeSmsServer() as phone, \
            local_gateway(tmp, redis.url, phone.url) as gateway:
        # Each send is answered 300 ms late, so a batch's replies are in flight a while:
        # the crashes below come while work is pending (the batched workers finish the rest
        # of a part within milliseconds).
        phone.faults = [Fault(count=10**6, delay=0.3, accepted=True)]
        return _crash_redis(gateway, redis, phone, tmp)


def _crash_redis(gateway: Gateway, redis: RedisServer, phone: FakeSms, tmp: Path) -> Run:
    forms = make_batch(DISTINCT, "R")
    deliveries = with_duplicates(forms, DUPLICATES)
    first, second, third = deliveries[::3], deliveries[1::3], deliveries[2::3]
    crashes: list[int] = []
    with ProcessGroup("worker", worker_argv(), gateway.env, 2, tmp) as workers:
        started = time.monotonic()
        statuses = [gateway.post(form) for form in first]
        _wait_for_work(gateway, workers)
        crashes.append(pending(audit(gateway.services.sessions)))
        redis.kill()
        down = [gateway.post(form) for form in second]
        time.sleep(max(DOWN_SECONDS - (time.monotonic() - started), 0.5))
        redis.start()  # empty: every queued job and the workers' registrations are gone
        statuses += [gateway.post(form) for form in third]
        _wait_for_work(gateway, workers)
        crashes.append(pending(audit(gateway.services.sessions)))
        redis.restart()
        wait_until(lambda: audit(gateway.services.sessions).settled(), DEADLINE,
                   meanwhile=workers.supervise)
        took = time.monotonic() - started
    return Run({f["MessageSid"] for f in forms}, statuses + down, down,
               audit(gateway.services.sessions), phone.stats(), crashes, took)


def _wait_for_work(gateway: Gateway, workers: ProcessGroup) -> None:
    """Until the workers have done something since now (they are busy, not starting) and
    some of it is still pending."""
    before = audit(gateway.services.sessions).tickets

    def busy() -> bool:
        now = audit(gateway.services.sessions)
        return now.tickets > before and pending(now) > 0

    wait_until(busy, 30, every=0.05, meanwhile=workers.supervise)


def test_messages_arriving_while_redis_is_down_are_acknowledged(run: Run) -> None:
    assert set(run.statuses_while_down) == {200}


def test_redis_was_lost_while_work_was_pending(run: Run) -> None:
    assert [p > 0 for p in run.pending_at_crashes] == [True, True]


class TestEndState(EndStateChecks):
    """Nothing lost, nothing doubled, every ticket answered once (tests/support)."""


def test_every_reply_reaches_the_phone_exactly_once(run: Run) -> None:
    sent = run.end.outbound_status["sent"]
    assert (run.phone["delivered"], run.phone["distinct"]) == (sent, sent)


def test_everything_is_answered_within_two_minutes(run: Run) -> None:
    assert run.took < DEADLINE


def test_sweeper_thread_outlives_an_unreachable_redis() -> None:
    from redis.exceptions import ConnectionError as RedisDown

    from sms_gateway.sweeper import SweeperThread

    tries: list[int] = []
    ran: list[int] = []

    def lock() -> bool:  # the Redis lock: refused twice, then Redis is back
        tries.append(1)
        if len(tries) <= 2:
            raise RedisDown("Connection refused")
        return True

    sweeper = SweeperThread(0.01, [lambda: ran.append(1)], lock)
    sweeper.start()
    try:
        wait_until(lambda: bool(ran) or not sweeper.is_alive(), 5, every=0.01)
    finally:
        sweeper.stop()
    assert ran
