"""Queueing stored messages with fewer RQ enqueues: the webhook's side of the queue.

RQ's enqueue costs the web process more CPU than storing the SMS does (building the job,
two Redis pipelines: about 0.6 ms of 2 ms per webhook, docs/performance.md). Two ways to
share it, chosen by `[queue] intake_batch_ms` (production mode only):

- above 0 (50, the default): `IntakeBatcher`. The webhook stores the message, answers, and
  leaves its id here; a thread of each web process queues the ids gathered over that many
  milliseconds as one `process_inbound_batch` job, which a worker handles in a few
  statements (complaints/inbound.py).
- 0: `GroupEnqueuer`. Each webhook answers only once its message is queued, but webhooks
  that finish storing while another's enqueue is on its way are queued together, in one job,
  by the first of them (group commit).

Nothing is lost either way: the message is in the database before the webhook answers. If
the process dies before the batch is queued, or Redis refuses it, the message stays
`received` and the sweeper queues it like any other left behind.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Sequence

from sms_gateway.dispatch import PROCESS_INBOUND, PROCESS_INBOUND_BATCH, Dispatcher

log = logging.getLogger(__name__)



def queue_ids(dispatcher: Dispatcher, ids: Sequence[int], *, fresh: bool = True) -> bool:
    """One job for these stored messages (the usual single job for one); False, and a
    warning, when the queue refused it: they are stored, the sweeper queues them later.

    `fresh`: stored just now, so no job with this id can exist yet (no look-up in Redis).
    """
    try:
        if len(ids) == 1:
            dispatcher.enqueue(PROCESS_INBOUND, ids[0], job_id=f"inbound-{ids[0]}", fresh=fresh)
        else:
            dispatcher.enqueue(PROCESS_INBOUND_BATCH, list(ids),
                               job_id=f"inbound-batch-{ids[0]}-{len(ids)}", fresh=fresh)
        return True
    except Exception:  # noqa: BLE001 - stored already: the sweeper queues them later
        log.warning("could not queue %d inbound messages (first %s); the sweeper will",
                    len(ids), ids[0], exc_info=True)
        return False


def queue_in_chunks(dispatcher: Dispatcher, ids: Sequence[int], max_size: int, *,
                    fresh: bool = True) -> int:
    """Queue ids as jobs of at most max_size messages; returns how many were queued."""
    queued = 0
    for start in range(0, len(ids), max_size):
        chunk = ids[start:start + max_size]
        if queue_ids(dispatcher, chunk, fresh=fresh):
            queued += len(chunk)
    return queued


class _PerProcess:
    """Locks, ids and threads set up anew in each process: a gunicorn worker forked from a
    master that built the app must not share the master's, and has none of its threads."""

    def __init__(self, dispatcher: Dispatcher, max_size: int) -> None:
        self.dispatcher = dispatcher
        self.max_size = max(max_size, 1)
        self._start_in_this_process()

    def _start_in_this_process(self) -> None:
        self._pid = os.getpid()

    def _after_fork(self) -> None:
        if os.getpid() != self._pid:
            self._start_in_this_process()


class GroupEnqueuer(_PerProcess):
    """Queues each webhook's message before the webhook answers, sharing the enqueue.

    Group commit, as databases do for their log: the first request to finish storing queues
    its message; requests that finish while that enqueue is on its way wait, and the first
    of them queues all of theirs as one job when it is done. Under load a web process makes
    one RQ enqueue for several messages; alone, a message is queued by itself at once. When
    `add` returns, the message is in the queue (or the failure is logged for the sweeper).
    """

    def _start_in_this_process(self) -> None:
        super()._start_in_this_process()
        self._cond = threading.Condition()
        self._ids: list[int] = []
        self._next = 1  # the number of the group now gathering in _ids
        self._done = 0  # every group up to this number has been queued
        self._leading = False

    def add(self, message_id: int) -> None:
        self._after_fork()
        with self._cond:
            self._ids.append(message_id)
            mine = self._next
            while self._done < mine:
                if not self._leading:  # lead this group: take it and queue it
                    self._leading = True
                    ids, self._ids = self._ids, []
                    self._next += 1
                    break
                self._cond.wait()
            else:
                return  # another request queued this group
        try:
            queue_in_chunks(self.dispatcher, ids, self.max_size)
        finally:
            with self._cond:
                self._done = mine
                self._leading = False
                self._cond.notify_all()

    def flush(self) -> int:
        return 0  # nothing waits here once add() has returned

    def pending(self) -> int:
        with self._cond:
            return len(self._ids)

    def stop(self) -> None:
        pass


class IntakeBatcher(_PerProcess):
    """Collects ids of freshly stored messages and queues them in batches from a thread."""

    def __init__(self, dispatcher: Dispatcher, window_seconds: float, max_size: int) -> None:
        self.window = window_seconds
        super().__init__(dispatcher, max_size)

    def _start_in_this_process(self) -> None:
        super()._start_in_this_process()
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._ids: list[int] = []
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def add(self, message_id: int) -> None:
        """Queue this message with the next batch (within the window)."""
        self._after_fork()
        with self._lock:
            self._ids.append(message_id)
            full = len(self._ids) >= self.max_size
            if self._thread is None and not self._stopped:
                self._thread = threading.Thread(target=self._run, name="intake-batcher",
                                                daemon=True)
                self._thread.start()
                atexit.register(self.flush)
        if full or self._stopped:  # no thread after stop(): queue it now
            self.flush()
        else:
            self._wake.set()

    def flush(self) -> int:
        """Queue everything gathered so far, now; returns how many messages were queued.

        When it returns, every id added before the call is in the queue (or logged as not
        queued, for the sweeper): tests and shutdown rely on that.
        """
        with self._flushing:
            with self._lock:
                ids, self._ids = self._ids, []
            return queue_in_chunks(self.dispatcher, ids, self.max_size)

    def pending(self) -> int:
        with self._lock:
            return len(self._ids)

    def stop(self, timeout: float = 10.0) -> None:
        """Queue what is left and end the thread."""
        self._stopped = True
        self._halt.set()
        self._wake.set()
        self.flush()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait()
            if self._stopped:
                break
            # Gather what arrives within the window, then queue it all. Clearing before the
            # flush takes the ids means an id added meanwhile sets the event again.
            self._halt.wait(self.window)  # stop() ends the window early: it flushes itself
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the thread must live on; the sweeper covers
                log.exception("intake batch flush failed")
