"""Workers SIGKILLed again and again in the middle of a batch, restarted at once: nothing lost.

Two real `sms-gateway worker` processes (RQ SimpleWorker + scheduler + sweeper) on a scratch
Postgres database and a queue of their own; replies go out through a local provider that
deduplicates on our reference, so a send cut off mid-way may be sent again (see
test_pipeline_rq's test_send_cut_off_mid_way_is_not_sent_again for providers that do not).
Each send takes 30 ms at the provider, so kills land inside sends as well as inside parsing.
The web side runs with batched intake (`intake_batch_ms = 50`), so kills also land inside
batches of messages.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.batch import Audit, audit, make_batch, wait_until, with_duplicates
from bench.fake_sms import FakeSms, FakeSmsServer, Fault
from bench.gateway import Gateway, local_gateway
from bench.stack import ProcessGroup, worker_argv
from tests.support.batch_audit import EndStateChecks
from tests.support.needs import REDIS_DEFAULT, need

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DISTINCT, DUPLICATES, PARTS = 80, 30, 4
KILLS, PROGRESS_BEFORE_KILL = 7, 10
DEADLINE = 120.0


@dataclass
class Run:
    sids: set[str]
    statuses: list[int]
    end: Audit
    phone: dict[str, Any]
    pending_at_kills: list[int]
    took: float
    restarts: int


def unsettled_work(end: Audit) -> int:
    return len(end.unsettled) + sum(n for s, n in end.outbound_status.items()
                                    if s in ("queued", "sending"))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    need("PostgreSQL", "127.0.0.1", 5432)
    need("Redis", "127.0.0.1", 6379)
    tmp = tmp_path_factory.mktemp("kill")
    with FakeSmsServer() as phone, local_gateway(tmp, REDIS_DEFAULT, phone.url,
                                                     queue={"intake_batch_ms": 50}) as gateway:
        # Sends answered 300 ms late: a batch's replies stay in flight a while, so each kill
        # finds work pending (the batched workers process a part within milliseconds).
        phone.faults = [Fault(count=10**6, delay=0.3, accepted=True)]
        return _kill_while_working(gateway, phone, tmp)


def _kill_while_working(gateway: Gateway, phone: FakeSms, tmp: Path) -> Run:
    """Post the batch in parts; each time the workers have done some work, kill one."""
    rng = random.Random(1708)
    forms = make_batch(DISTINCT, "K")
    deliveries = with_duplicates(forms, DUPLICATES)
    parts = [deliveries[i::PARTS] for i in range(PARTS)]
    statuses: list[int] = []
    pending: list[int] = []
    with ProcessGroup("worker", worker_argv(), gateway.env, 2, tmp) as workers:
        started = time.monotonic()
        last_done = 0
        while len(pending) < KILLS:
            if parts and PARTS - len(parts) <= len(pending):  # one more part after each kill
                statuses += [gateway.post(form) for form in parts.pop(0)]
            end = audit(gateway.services.sessions)
            if done(end) - last_done >= PROGRESS_BEFORE_KILL and unsettled_work(end) > 0:
                # The workers are busy: kill one in the middle of whatever it does.
                workers.restart(rng.randrange(2))
                pending.append(unsettled_work(end))
                last_done = done(end)
            if time.monotonic() - started > DEADLINE:
                break
            time.sleep(0.05)
        for part in parts:
            statuses += [gateway.post(form) for form in part]
        try:
            wait_until(lambda: audit(gateway.services.sessions).settled(), DEADLINE,
                       meanwhile=workers.supervise)
        except TimeoutError:
            end = audit(gateway.services.sessions)
            raise TimeoutError(f"unsettled {end.unsettled} outbound {end.outbound_status}\n"
                               + workers.logs()[-6000:]) from None
        took = time.monotonic() - started
        restarts = workers.restarts
    return Run({f["MessageSid"] for f in forms}, statuses, audit(gateway.services.sessions),
               phone.stats(), pending, took, restarts)


def done(end: Audit) -> int:
    """Units of work finished: messages processed plus replies sent."""
    return sum(end.stored.values()) - len(end.unsettled) + end.outbound_status["sent"]


def test_every_delivery_was_acknowledged(run: Run) -> None:
    assert set(run.statuses) == {200}


def test_the_workers_were_killed_while_work_was_pending(run: Run) -> None:
    assert [p > 0 for p in run.pending_at_kills] == [True] * KILLS


class TestEndState(EndStateChecks):
    """Nothing lost, nothing doubled, every ticket answered once (tests/support)."""


def test_every_reply_reaches_the_phone_exactly_once(run: Run) -> None:
    sent = run.end.outbound_status["sent"]
    assert (run.phone["delivered"], run.phone["distinct"]) == (sent, sent)


def test_everything_is_answered_within_two_minutes(run: Run) -> None:
    assert run.took < DEADLINE
