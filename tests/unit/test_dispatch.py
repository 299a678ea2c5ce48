"""The embedded job runner runs the same job functions as RQ, with the same retry policy."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest

from sms_gateway.dispatch import InlineDispatcher, InProcessDispatcher, RetryPolicy, run_or_queue

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


class _Recording(InlineDispatcher):
    """Records what is queued instead of running it."""

    def __init__(self, runs_follow_ups: bool) -> None:
        super().__init__()
        self.runs_follow_ups = runs_follow_ups  # type: ignore[misc]
        self.queued: list[tuple[str, tuple[Any, ...], float]] = []

    def enqueue(self, func: str, *args: Any, job_id: str, retry: RetryPolicy | None = None,
                at_front: bool = False, fresh: bool = False, delay: float = 0) -> None:
        self.queued.append((job_id, args, delay))


def test_follow_up_runs_here_when_the_dispatcher_allows_it() -> None:
    CALLS.clear()
    dispatcher = _Recording(runs_follow_ups=True)
    run_or_queue(dispatcher, f"{__name__}.record", "now", job_id="f1")
    assert (CALLS["now"], dispatcher.queued) == (1, [])


def test_failed_follow_up_is_queued_after_the_first_retry_interval() -> None:
    CALLS.clear()
    dispatcher = _Recording(runs_follow_ups=True)
    run_or_queue(dispatcher, f"{__name__}.always_fail", "bad", job_id="f2",
                 retry=RetryPolicy(max=3, intervals=[7, 30]))
    assert (CALLS["bad"], dispatcher.queued) == (1, [("f2", ("bad",), 7)])


def test_follow_up_is_only_queued_where_queueing_runs_it() -> None:
    CALLS.clear()
    dispatcher = _Recording(runs_follow_ups=False)
    run_or_queue(dispatcher, f"{__name__}.record", "later", job_id="f3")
    assert (CALLS["later"], dispatcher.queued) == (0, [("f3", ("later",), 0)])


def test_in_process_runner_waits_for_a_delay(runner: InProcessDispatcher) -> None:
    started = time.monotonic()
    runner.enqueue(f"{__name__}.record", "delayed", job_id="d1", delay=0.4)
    runner.join(1)
    assert CALLS["delayed"] == 0  # not yet due: nothing was queued to join
    while CALLS["delayed"] == 0 and time.monotonic() - started < 5:
        time.sleep(0.02)
    assert CALLS["delayed"] == 1 and time.monotonic() - started >= 0.4
