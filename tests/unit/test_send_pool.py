"""The send pool: sends run beside the worker, at most `size` at once, failures handed back."""

from __future__ import annotations

import threading
import time

from sms_gateway.telco.send_pool import SendPool


def test_slow_sends_run_side_by_side() -> None:
    pool = SendPool(8)
    started = time.monotonic()
    for _ in range(8):
        pool.submit(lambda: time.sleep(0.3), lambda exc: None)
    handed_over = time.monotonic() - started
    pool.stop()
    # One after another they would take 2.4 s; handing them over takes no time at all.
    assert (handed_over < 0.2, time.monotonic() - started < 1.2) == (True, True)


def test_never_more_sends_in_flight_than_its_size() -> None:
    pool = SendPool(3)
    lock, running, peak = threading.Lock(), [0], [0]

    def work() -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    for _ in range(12):
        pool.submit(work, lambda exc: None)
    pool.stop()
    assert peak[0] == 3


def test_a_failed_send_is_handed_to_on_error() -> None:
    pool = SendPool(2)
    errors: list[Exception] = []
    pool.submit(lambda: (_ for _ in ()).throw(RuntimeError("provider down")), errors.append)
    pool.stop()
    assert [str(e) for e in errors] == ["provider down"]


def test_a_stopped_pool_refuses_work() -> None:
    pool = SendPool(2)
    pool.stop()
    assert pool.submit(lambda: None, lambda exc: None) is False
