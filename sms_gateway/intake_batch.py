"""Queueing stored messages in batches: one RQ job for many SMS, off the webhook's path.

RQ's enqueue costs the web process more CPU than storing the SMS does (building the job,
two Redis pipelines: about 0.6 ms of 2 ms per webhook, docs/performance.md). The webhook
therefore stores the message, answers, and leaves its id here; a thread of each web process
queues the ids gathered over `intake_batch_ms` as one `process_inbound_batch` job.

Nothing is lost by the wait: the message is in the database before the webhook answers. If
the process dies before the batch is queued, or Redis refuses it, the message stays
`received` and the sweeper queues it like any other left behind.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Sequence

from sms_gateway.dispatch import Dispatcher

log = logging.getLogger(__name__)

PROCESS_INBOUND_BATCH = "sms_gateway.jobs.inbound.process_inbound_batch"


class IntakeBatcher:
    """Collects ids of freshly stored messages and queues them in batches from a thread."""

    def __init__(self, dispatcher: Dispatcher, window_seconds: float, max_size: int) -> None:
        self.dispatcher = dispatcher
        self.window = window_seconds
        self.max_size = max(max_size, 1)
        self._start_in_this_process()

    def _start_in_this_process(self) -> None:
        # Set up anew in each process: a gunicorn worker forked from a master that built the
        # app must not share its lock or its ids, and has none of its threads.
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._ids: list[int] = []
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def add(self, message_id: int) -> None:
        """Queue this message with the next batch (within the window)."""
        if os.getpid() != self._pid:
            self._start_in_this_process()
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
            queued = 0
            for start in range(0, len(ids), self.max_size):
                chunk = ids[start:start + self.max_size]
                if self._enqueue(chunk):
                    queued += len(chunk)
            return queued

    def pending(self) -> int:
        with self._lock:
            return len(self._ids)

    def stop(self) -> None:
        """Queue what is left and end the thread."""
        self._stopped = True
        self._wake.set()
        self.flush()

    def _enqueue(self, ids: Sequence[int]) -> bool:
        try:
            self.dispatcher.enqueue(PROCESS_INBOUND_BATCH, list(ids),
                                    job_id=f"inbound-batch-{ids[0]}-{len(ids)}", fresh=True)
            return True
        except Exception:  # noqa: BLE001 - stored already: the sweeper queues them later
            log.warning("could not queue %d inbound messages (first %s); the sweeper will",
                        len(ids), ids[0], exc_info=True)
            return False

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait()
            if self._stopped:
                break
            # Gather what arrives within the window, then queue it all. Clearing before the
            # flush takes the ids means an id added meanwhile sets the event again.
            time.sleep(self.window)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the thread must live on; the sweeper covers
                log.exception("intake batch flush failed")
