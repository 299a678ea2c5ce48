"""Many sends in flight per worker process: a bounded pool of threads beside the worker's work.

A provider across the internet answers in 100-300 ms. Sending in the worker's own thread would
hold it that long per SMS (about 5 replies a second); here the worker hands the send to a pool
and goes on with the next message. The pool is bounded (`[sms] send_concurrency` threads):
when every thread is busy, handing over waits for one, so a slow provider slows the worker
down to the provider's pace instead of piling sends up in memory.

Nothing is lost by it: the outbound row is committed before the send is handed over, and the
send claims it in the database. A process that dies with sends in flight leaves them `queued`
(never started: the sweeper queues them again) or `sending` (cut off: the sweeper settles
them, telco/uncertain.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


class SendPool:
    """At most `size` sends at once, each in its own thread; `submit` waits for a free one."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._slots = threading.BoundedSemaphore(size)
        self._executor = ThreadPoolExecutor(size, thread_name_prefix="send")
        self._stopped = False

    def submit(self, work: Callable[[], None], on_error: Callable[[Exception], None]) -> bool:
        """Run `work` in a pool thread, `on_error` with its exception; False once stopped."""
        if self._stopped:
            return False
        self._slots.acquire()

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

    def in_flight(self) -> int:
        """Sends running now (approximate: for metrics and tests)."""
        return self.size - self._slots._value  # noqa: SLF001 - read-only peek

    def stop(self, timeout: float = 30.0) -> None:
        """Take no more sends and wait for those in flight (each bounded by its timeout)."""
        self._stopped = True
        done = threading.Event()

        def wait() -> None:
            self._executor.shutdown(wait=True)
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        if not done.wait(timeout):
            log.warning("sends still in flight after %.0f s; the sweeper will settle them",
                        timeout)
