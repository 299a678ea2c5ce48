"""The send pool: sends run beside the worker, at most `size` at once, failures handed back."""

from __future__ import annotations

import threading
import time
from functools import partial

from sms_gateway.telco.send_pool import Recorder, SendPool


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


def test_a_batch_reserves_only_the_threads_that_are_free() -> None:
    pool = SendPool(4)
    release = threading.Event()
    for _ in range(3):
        pool.submit(release.wait, lambda exc: None)
    taken = pool.reserve(10)
    pool.release(taken)
    release.set()
    pool.stop()
    assert taken == 1


def test_a_batch_waits_for_a_thread_when_none_is_free() -> None:
    pool = SendPool(1)
    pool.submit(lambda: time.sleep(0.2), lambda exc: None)
    started = time.monotonic()
    taken = pool.reserve(5)
    waited = time.monotonic() - started
    pool.release(taken)
    pool.stop()
    assert (taken, waited > 0.1) == (1, True)


def test_results_are_written_in_batches_all_in_order() -> None:
    writes: list[list[int]] = []
    recorder = Recorder(writes.append, batch=100, linger=0.05)
    for i in range(250):
        recorder.add(i)
    recorder.stop()
    assert ([len(w) <= 100 for w in writes], [i for w in writes for i in w]) == \
        ([True] * len(writes), list(range(250)))


def test_results_arriving_within_the_linger_are_written_together() -> None:
    writes: list[list[int]] = []
    recorder = Recorder(writes.append, batch=100, linger=0.3)
    recorder.add(1)
    time.sleep(0.05)
    recorder.add(2)
    time.sleep(1.0)  # well past the linger: written without a stop
    recorded = list(writes)
    recorder.stop()
    assert recorded == [[1, 2]]


def test_a_stopped_recorder_refuses_results() -> None:
    recorder: Recorder[int] = Recorder(lambda items: None)
    recorder.stop()
    assert recorder.add(1) is False


def test_stopping_the_pool_writes_the_results_of_sends_in_flight() -> None:
    written: list[int] = []
    pool = SendPool(4, lambda items: written.extend(items))

    def send(i: int) -> None:
        time.sleep(0.1)
        assert pool.record(i)

    for i in range(8):
        pool.submit(partial(send, i), lambda exc: None)
    pool.stop()
    assert sorted(written) == list(range(8))


def test_a_failed_write_does_not_stop_the_recorder() -> None:
    written: list[int] = []

    def write(items: list[int]) -> None:
        if 1 in items:
            raise RuntimeError("database gone")
        written.extend(items)

    recorder = Recorder(write, batch=1, linger=0)
    recorder.add(1)
    recorder.add(2)
    recorder.stop()
    assert written == [2]
