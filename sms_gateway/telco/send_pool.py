"""Many sends in flight per worker process: a bounded pool of threads beside the worker's work.

A provider across the internet answers in 100-300 ms. Sending in the worker's own thread would
hold it that long per SMS (about 5 replies a second); here the worker hands the send to a pool
and goes on with the next message. The pool is bounded (`[sms] send_concurrency` threads):
when every thread is busy, handing over waits for one, so a slow provider slows the worker
down to the provider's pace instead of piling sends up in memory. A batch of sends reserves
the free threads first (`reserve`) and claims only as many rows as it got threads, so a row is
never `sending` while it waits for a thread.

The sends' results are written down together (`Recorder`): a few tens of milliseconds' worth
in one transaction instead of one each. Nothing is lost by either: the outbound row is
committed before the send is handed over, and the send claims it in the database. A process
that dies with sends in flight or results not yet written leaves them `queued` (never started:
the sweeper queues them again) or `sending` (cut off: the sweeper settles them,
telco/uncertain.py).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

# Results written in one transaction at most, and how long the first waits for company.
RECORD_BATCH = 100
RECORD_LINGER_SECONDS = 0.03
# Results waiting beyond this many make the senders wait (the database is behind).
RECORD_BACKLOG = 10 * RECORD_BATCH


class Recorder(Generic[T]):
    """Items written by `write` in batches: `batch` at most, `linger` s after the first, on stop.

    One thread writes; adders wait only when `backlog` items are already waiting.
    """

    def __init__(self, write: Callable[[list[T]], None], *, batch: int = RECORD_BATCH,
                 linger: float = RECORD_LINGER_SECONDS, backlog: int = RECORD_BACKLOG) -> None:
        self._write = write
        self._batch, self._linger, self._backlog = batch, linger, max(backlog, batch)
        self._items: list[T] = []
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="send-recorder", daemon=True)
        self._thread.start()

    def add(self, item: T) -> bool:
        """Queue one item for the next write; False once stopped (the caller writes it)."""
        with self._cond:
            while len(self._items) >= self._backlog and not self._stopped:
                self._cond.wait()
            if self._stopped:
                return False
            self._items.append(item)
            if len(self._items) == 1 or len(self._items) >= self._batch:
                self._cond.notify_all()
        return True

    def waiting(self) -> int:
        """Items not written yet (for metrics and tests)."""
        with self._cond:
            return len(self._items)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._items and not self._stopped:
                    self._cond.wait()
                if not self._items:
                    return  # stopped, all written
                deadline = time.monotonic() + self._linger
                while len(self._items) < self._batch and not self._stopped:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                items = self._items[:self._batch]
                del self._items[:self._batch]
                self._cond.notify_all()  # adders waiting on the backlog
            try:
                self._write(items)
            except Exception:  # noqa: BLE001 - a thread has no caller to raise to
                log.exception("%d send results could not be written; the sweeper will settle "
                              "them", len(items))

    def stop(self, timeout: float = 30.0) -> None:
        """Take no more items, write those waiting, and wait for that."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("send results still being written after %.0f s", timeout)


class SendPool:
    """At most `size` sends at once, each in its own thread; handing one over waits for a slot.

    With `write`, the pool also has a `Recorder` for the sends' results (`record`), stopped
    after the last send.
    """

    def __init__(self, size: int, write: Callable[[list[Any]], None] | None = None) -> None:
        self.size = size
        # A process forked from this one (RQ's `worker --fork` work horse) has none of the
        # threads and exits right after its job: it sends in its own thread.
        self._pid = os.getpid()
        self._slots = threading.BoundedSemaphore(size)
        self._executor = ThreadPoolExecutor(size, thread_name_prefix="send")
        self._stopped = False
        self.recorder: Recorder[Any] | None = Recorder(write) if write is not None else None

    def submit(self, work: Callable[[], None], on_error: Callable[[Exception], None]) -> bool:
        """Run `work` in a pool thread, `on_error` with its exception; False once stopped."""
        if not self.reserve(1):
            return False
        return self.run(work, on_error)

    def reserve(self, n: int) -> int:
        """Wait for one free thread, then take up to `n` of those free; 0 once stopped (or in
        a process forked from the one that made the pool).

        Each reserved thread is then either `run` or given back with `release`.
        """
        if self._stopped or n <= 0 or os.getpid() != self._pid:
            return 0
        self._slots.acquire()
        taken = 1
        while taken < n and self._slots.acquire(blocking=False):
            taken += 1
        return taken

    def release(self, n: int) -> None:
        """Give back reserved threads that will not be used."""
        for _ in range(n):
            self._slots.release()

    def run(self, work: Callable[[], None], on_error: Callable[[Exception], None]) -> bool:
        """Run `work` in a reserved thread; False (and the thread given back) once stopped."""

        def run() -> None:
            try:
                work()
            except Exception as exc:  # noqa: BLE001 - handed to on_error, which queues a retry
                try:
                    on_error(exc)
                except Exception:  # noqa: BLE001 - a thread has no caller to raise to
                    log.exception("send failed and could not be queued for a retry; the "
                                  "sweeper will find it")
            finally:
                self._slots.release()

        try:
            self._executor.submit(run)
        except RuntimeError:  # shut down meanwhile
            self._slots.release()
            return False
        return True

    def record(self, item: Any) -> bool:
        """Hand a send's result to the recorder; False without one or once stopped."""
        return self.recorder is not None and self.recorder.add(item)

    def in_flight(self) -> int:
        """Sends running now (approximate: for metrics and tests)."""
        return self.size - self._slots._value  # noqa: SLF001 - read-only peek

    def stop(self, timeout: float = 30.0) -> None:
        """Take no more sends, wait for those in flight (each bounded), then write their results."""
        self._stopped = True
        done = threading.Event()

        def wait() -> None:
            self._executor.shutdown(wait=True)
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        if not done.wait(timeout):
            log.warning("sends still in flight after %.0f s; the sweeper will settle them",
                        timeout)
        if self.recorder is not None:
            self.recorder.stop(timeout)
