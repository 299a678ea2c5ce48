"""The embedded job runner runs the same job functions as RQ, with the same retry policy."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from sms_gateway.dispatch import InlineDispatcher, InProcessDispatcher, RetryPolicy

CALLS: Counter[str] = Counter()
LOCK = threading.Lock()


def record(key: str) -> None:
    with LOCK:
        CALLS[key] += 1


def fail_twice(key: str) -> None:
    with LOCK:
        CALLS[key] += 1
        if CALLS[key] <= 2:
            raise RuntimeError("not yet")


def always_fail(key: str) -> None:
    with LOCK:
        CALLS[key] += 1
    raise RuntimeError("never")


@pytest.fixture
def runner() -> InProcessDispatcher:
    CALLS.clear()
    dispatcher = InProcessDispatcher(threads=2)
    dispatcher.start()
    yield dispatcher
    dispatcher.stop()


def test_in_process_runner_runs_enqueued_jobs(runner: InProcessDispatcher) -> None:
    for i in range(5):
        runner.enqueue(f"{__name__}.record", f"job{i}", job_id=f"j{i}")
    runner.join(5)
    assert sorted(CALLS) == [f"job{i}" for i in range(5)]


def test_in_process_runner_retries_until_success(runner: InProcessDispatcher) -> None:
    runner.enqueue(f"{__name__}.fail_twice", "flaky", job_id="flaky",
                   retry=RetryPolicy(max=3, intervals=[0]))
    for _ in range(50):
        runner.join(1)
        if CALLS["flaky"] >= 3:
            break
        threading.Event().wait(0.05)
    assert CALLS["flaky"] == 3


def test_in_process_runner_stops_after_the_retry_budget(runner: InProcessDispatcher) -> None:
    runner.enqueue(f"{__name__}.always_fail", "bad", job_id="bad",
                   retry=RetryPolicy(max=2, intervals=[0]))
    for _ in range(50):
        runner.join(1)
        if runner.failed_count():
            break
        threading.Event().wait(0.05)
    assert (CALLS["bad"], runner.failed_count()) == (3, 1)


def test_inline_runner_records_a_failure_instead_of_raising() -> None:
    CALLS.clear()
    inline = InlineDispatcher()
    inline.enqueue(f"{__name__}.always_fail", "x", job_id="x")
    assert (inline.failed_count(), CALLS["x"]) == (1, 1)
