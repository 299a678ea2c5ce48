"""A provider that answers 500 or too late: retried, never sent twice, failed after the budget.

Real worker processes (with RQ's scheduler running the retries) send ticket replies through
the Twilio dialect of the local fake, which - like Twilio - does not deduplicate: every request
it accepts reaches the phone. Each case runs a small batch on a fresh gateway.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.batch import Audit, audit, wait_until
from bench.fake_sms import FakeSmsServer, Fault
from bench.gateway import local_gateway
from bench.stack import ProcessGroup, sender_number, twilio_form, worker_argv
from sms_gateway.dispatch import RqDispatcher
from tests.support.needs import REDIS_DEFAULT, need

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MESSAGES, ATTEMPTS, TIMEOUT = 8, 3, 0.5
DEADLINE = 90.0


@dataclass
class Run:
    end: Audit
    requests: int
    replies_per_phone: Counter[str]
    attempts: list[int]


def _run(tmp: Path, faults: list[Fault], done: Callable[[Audit], bool]) -> Run:
    need("PostgreSQL", "127.0.0.1", 5432)
    need("Redis", "127.0.0.1", 6379)
    with FakeSmsServer() as phone, local_gateway(
            tmp, REDIS_DEFAULT, phone.url,
            sms={"outbound": "twilio", "max_send_attempts": ATTEMPTS},
            twilio={"timeout_seconds": TIMEOUT}) as gateway:
        phone.faults = faults
        for i in range(MESSAGES):
            gateway.post(twilio_form(f"SMF{i:04d}", f"jalan rusak parah nomor {i} di kota bandung",
                                     sender_number(9000 + i)))
        queue = gateway.services.dispatcher
        assert isinstance(queue, RqDispatcher)
        with ProcessGroup("worker", worker_argv(), gateway.env, 1, tmp):
            wait_until(lambda: done(audit(gateway.services.sessions)), DEADLINE)
            # Any stray retry would still be queued or scheduled: let it run out first.
            wait_until(lambda: queue.depth() + queue.queue.scheduled_job_registry.count == 0,
                       30, every=0.2)
        from sqlalchemy import select

        from sms_gateway.store.models import OutboundMessage

        with gateway.services.sessions() as session:
            attempts = list(session.execute(select(OutboundMessage.attempts)).scalars())
        return Run(audit(gateway.services.sessions), phone.requests,
                   Counter(d[1] for d in phone.delivered), attempts)


def all_final(end: Audit) -> bool:
    return not end.unsettled and sum(end.outbound_status.values()) == MESSAGES and set(
        end.outbound_status) <= {"sent", "failed", "held"}


@pytest.fixture(scope="module")
def flaky(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The first 5 sends get 500: the provider said it did not take them."""
    return _run(tmp_path_factory.mktemp("flaky"), [Fault(5, status=500)], all_final)


@pytest.fixture(scope="module")
def timeouts(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The first 3 sends time out (the provider did not take them; the gateway cannot know)."""
    return _run(tmp_path_factory.mktemp("timeouts"), [
        Fault(3, delay=TIMEOUT * 3, accepted=False, status=503)], all_final)


@pytest.fixture(scope="module")
def down(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Every send gets 500."""
    return _run(tmp_path_factory.mktemp("down"), [Fault(10**6, status=500)], all_final)


@pytest.fixture(scope="module")
def lost_answers(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The first 6 sends are taken by the provider, but the answer comes after the timeout."""
    return _run(tmp_path_factory.mktemp("lost"),
                [Fault(6, delay=TIMEOUT * 3, accepted=True)], all_final)


def test_sends_failing_with_500_are_retried_until_sent(flaky: Run) -> None:
    assert flaky.end.outbound_status == Counter({"sent": MESSAGES})


def test_retried_sends_reach_each_phone_once(flaky: Run) -> None:
    assert (flaky.requests, set(flaky.replies_per_phone.values())) == (MESSAGES + 5, {1})


def test_timed_out_sends_twilio_never_got_are_sent_again_once(timeouts: Run) -> None:
    # Twilio does not deduplicate; the sweeper asks its Messages list before any resend.
    assert (timeouts.end.outbound_status, timeouts.requests,
            set(timeouts.replies_per_phone.values())) == (
        Counter({"sent": MESSAGES}), MESSAGES + 3, {1})


def test_a_provider_that_stays_down_fails_the_send_after_the_budget(down: Run) -> None:
    assert (down.end.outbound_status, down.requests) == (
        Counter({"failed": MESSAGES}), MESSAGES * ATTEMPTS)


def test_failed_sends_count_every_attempt(down: Run) -> None:
    assert set(down.attempts) == {ATTEMPTS}


def test_a_send_whose_answer_was_lost_is_not_sent_twice(lost_answers: Run) -> None:
    assert max(lost_answers.replies_per_phone.values()) == 1


def test_a_send_whose_answer_was_lost_is_recorded_sent(lost_answers: Run) -> None:
    assert lost_answers.end.outbound_status == Counter({"sent": MESSAGES})
