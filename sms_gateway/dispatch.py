"""Delivering work to jobs: RQ on Redis in production, a thread pool in the embedded mode.

Both run the very same job functions, named by import path. The database stays the source of
truth: losing what is queued here loses no message, the sweeper finds it again.
"""

from __future__ import annotations

import importlib
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

log = logging.getLogger(__name__)


# The one table of job names: every job is queued by the import path of its entry point in
# `sms_gateway.jobs`, so RQ workers and the in-process pool run the very same functions.
PROCESS_INBOUND = "sms_gateway.jobs.inbound.process_inbound"
PROCESS_INBOUND_BATCH = "sms_gateway.jobs.inbound.process_inbound_batch"
SEND_SMS = "sms_gateway.jobs.outbound.send_sms"
FORWARD_TICKET = "sms_gateway.jobs.forward.forward_ticket"
REROUTE_TICKET = "sms_gateway.jobs.forward.reroute_ticket"
DELIVER = "sms_gateway.jobs.forward.deliver"
# What the sweeper runs each round, in order (sweeper.py).
PERIODIC = (
    "sms_gateway.sweeper.sweep",
    "sms_gateway.jobs.forward.requeue_deliveries",
    "sms_gateway.jobs.sla.run_periodic",
    "sms_gateway.jobs.retention.purge_message_text",
    "sms_gateway.jobs.periodic.channel_upkeep",
    "sms_gateway.jobs.alerts.notify_alerts",
    "sms_gateway.jobs.periodic.retrain_models",
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long after a failure a job runs again."""

    max: int
    intervals: Sequence[float]

    @classmethod
    def for_attempts(cls, attempts: int, intervals: Sequence[float]) -> RetryPolicy:
        """The queue-side policy for work tried at most `attempts` times in all."""
        return cls(max=max(attempts - 1, 0), intervals=tuple(intervals) or (60,))

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based; the last interval
        repeats; 60 when no interval is configured)."""
        intervals = self.intervals or (60,)
        return intervals[min(max(attempt, 1) - 1, len(intervals) - 1)]


class Dispatcher(Protocol):
    # True where a job may run its follow-up jobs itself (see `run_or_queue`): a worker's
    # queue round trip costs more than most jobs. False where enqueueing already runs them.
    runs_follow_ups: bool

    def enqueue(self, func: str, *args: Any, job_id: str,
                retry: RetryPolicy | None = None, at_front: bool = False,
                fresh: bool = False, delay: float = 0) -> None:
        """Queue one job; `fresh`: the caller knows no job with this id can exist yet;
        `delay`: seconds before it may run."""
        ...

    def depth(self) -> int: ...

    def oldest_waiting(self) -> datetime | None:
        """When the job at the head of the queue was queued; None if none waits (or unknown)."""
        ...

    def failed_count(self) -> int: ...

    def ping(self) -> bool: ...


def resolve(path: str) -> Callable[..., Any]:
    """Import a job function from its dotted path."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def run_or_queue(dispatcher: Dispatcher, func: str, *args: Any, job_id: str,
                 retry: RetryPolicy | None = None, at_front: bool = False) -> None:
    """Run a follow-up job here and now, as its own job would; queue it only if that fails.

    A worker that has just opened a ticket sends the reply itself instead of paying a queue
    round trip (in RQ about 5 ms of CPU and some twenty Redis commands a job). Nothing is lost
    by it: the job is idempotent and its state is in the database, so if this process dies
    before or during the call the sweeper queues it again. A failed first try is queued for a
    retry after the policy's first interval, like a queued job that failed.
    """
    if not dispatcher.runs_follow_ups:
        dispatcher.enqueue(func, *args, job_id=job_id, retry=retry, at_front=at_front)
        return
    try:
        resolve(func)(*args)
    except Exception:  # noqa: BLE001 - logged, then retried from the queue
        log.warning("follow-up %s failed here; queued for a retry", job_id, exc_info=True)
        delay = retry.delay(1) if retry is not None and retry.intervals else 0
        dispatcher.enqueue(func, *args, job_id=job_id, retry=retry, at_front=at_front,
                           delay=delay)


class RqDispatcher:
    """Enqueue onto an RQ queue with the JSON serializer and deterministic job ids."""

    runs_follow_ups = True

    def __init__(self, redis_url: str, name: str, job_timeout: int) -> None:
        from redis import Redis
        from rq import Queue
        from rq.serializers import JSONSerializer

        self.redis = Redis.from_url(redis_url)
        self.queue = Queue(name, connection=self.redis, serializer=JSONSerializer,
                           default_timeout=job_timeout)

    def enqueue(self, func: str, *args: Any, job_id: str,
                retry: RetryPolicy | None = None, at_front: bool = False,
                fresh: bool = False, delay: float = 0) -> None:
        from rq import Retry

        # Job ids are global in Redis: prefix them so deployments sharing a server never meet.
        full_id = f"{self.queue.name}-{job_id}"
        if not fresh and self._on_its_way(full_id):
            return  # skipping is only an optimisation: every job is idempotent
        rq_retry = (Retry(max=retry.max, interval=[int(i) for i in retry.intervals])
                    if retry else None)
        if delay > 0:  # the worker's scheduler moves it to the queue when due
            self.queue.enqueue_in(timedelta(seconds=delay), func, *args, job_id=full_id,
                                  result_ttl=300, failure_ttl=86400, retry=rq_retry)
            return
        self.queue.enqueue_call(
            func, args=args, job_id=full_id, at_front=at_front, result_ttl=300,
            failure_ttl=86400, retry=rq_retry)

    def _on_its_way(self, full_id: str) -> bool:
        """True when this job is really waiting in the queue or scheduled for a retry."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job, JobStatus

        try:
            status = Job.fetch(full_id, connection=self.redis,
                               serializer=self.queue.serializer).get_status(refresh=False)
        except NoSuchJobError:
            return False
        if status == JobStatus.SCHEDULED:
            return True
        if status == JobStatus.QUEUED:
            return self.redis.execute_command("LPOS", self.queue.key, full_id) is not None
        return False

    def depth(self) -> int:
        return int(self.queue.count)

    def oldest_waiting(self) -> datetime | None:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        head = self.redis.lindex(self.queue.key, 0)
        if head is None:
            return None
        try:
            job = Job.fetch(head.decode() if isinstance(head, bytes) else head,
                            connection=self.redis,
                            serializer=self.queue.serializer)
        except NoSuchJobError:
            return None
        at = job.enqueued_at
        if at is None:
            return None
        return at if at.tzinfo is not None else at.replace(tzinfo=UTC)

    def failed_count(self) -> int:
        return int(self.queue.failed_job_registry.count)

    def ping(self) -> bool:
        try:
            return bool(self.redis.ping())
        except Exception:  # noqa: BLE001 - any failure means unreachable
            return False


class InProcessDispatcher:
    """A few daemon threads running jobs inside this process (embedded mode)."""

    runs_follow_ups = True

    def __init__(self, threads: int = 2) -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, str, str, tuple[Any, ...],
                                               RetryPolicy | None, int]] = queue.PriorityQueue()
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._seq = 0
        self._failed = 0
        self._threads = [threading.Thread(target=self._run, name=f"jobs-{i}", daemon=True)
                         for i in range(threads)]
        self._started = False
        self._stop = threading.Event()
        self._timers: set[threading.Timer] = set()

    def start(self) -> None:
        if not self._started:
            self._started = True
            for t in self._threads:
                t.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Let each thread finish the job it runs, wait for them; queued jobs are dropped.

        Nothing is lost by dropping them: the messages are in the database and the sweeper
        queues them again on the next start.
        """
        self._stop.set()
        with self._lock:
            timers, self._timers = self._timers, set()
        for timer in timers:
            timer.cancel()
        for t in self._threads:
            if t.is_alive() and t is not threading.current_thread():
                t.join(timeout)
                if t.is_alive():
                    log.warning("job thread %s still running after %.0f s", t.name, timeout)

    def _later(self, delay: float, func: str, args: tuple[Any, ...], **kwargs: Any) -> None:
        """Enqueue after `delay` seconds (a retry's back-off, a delayed job)."""
        def fire() -> None:
            with self._lock:
                self._timers.discard(timer)
            self.enqueue(func, *args, **kwargs)

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        with self._lock:
            if self._stop.is_set():
                return
            self._timers.add(timer)
        timer.start()

    def enqueue(self, func: str, *args: Any, job_id: str,
                retry: RetryPolicy | None = None, at_front: bool = False, fresh: bool = False,
                delay: float = 0, _try: int = 0) -> None:
        if delay > 0:
            self._later(delay, func, args, job_id=job_id, retry=retry, at_front=at_front,
                        _try=_try)
            return
        with self._lock:
            if job_id in self._pending:
                return
            self._pending.add(job_id)
            self._seq += 1
            self._queue.put((0 if at_front else 1, self._seq, job_id, func, args, retry, _try))

    def depth(self) -> int:
        return self._queue.qsize()

    def oldest_waiting(self) -> datetime | None:
        return None  # the threads' queue dies with the process: nothing to wait for

    def failed_count(self) -> int:
        return self._failed

    def ping(self) -> bool:
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                _, _, job_id, func, args, retry, attempt = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            with self._lock:
                self._pending.discard(job_id)
            try:
                resolve(func)(*args)
            except Exception:
                log.exception("job %s failed (try %d)", job_id, attempt + 1)
                if retry and attempt < retry.max:
                    delay = retry.delay(attempt + 1)
                    self._later(delay, func, args, job_id=job_id, retry=retry,
                                _try=attempt + 1)
                else:
                    self._failed += 1
            finally:
                self._queue.task_done()

    def join(self, timeout: float = 10.0) -> bool:
        """Wait until every queued job has run (tests and `simulate`)."""
        done = threading.Event()

        def waiter() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=waiter, daemon=True).start()
        return done.wait(timeout)


class InlineDispatcher:
    """Runs each job at once in the caller's thread (unit tests, one-shot commands).

    A delay is not waited for: the job runs at once, like every other here.
    """

    runs_follow_ups = False  # enqueueing already runs the job here

    def __init__(self) -> None:
        self.ran: list[tuple[str, tuple[Any, ...]]] = []
        self.errors: list[BaseException] = []
        self._failed = 0
        self._depth = 0
        self._active: set[str] = set()

    def enqueue(self, func: str, *args: Any, job_id: str,
                retry: RetryPolicy | None = None, at_front: bool = False,
                fresh: bool = False, delay: float = 0) -> None:
        if job_id in self._active:
            return
        self._active.add(job_id)
        try:
            self.ran.append((func, args))
            resolve(func)(*args)
        except Exception as exc:  # recorded like a worker would; the caller goes on
            log.exception("job %s failed", job_id)
            self._failed += 1
            self.errors.append(exc)
        finally:
            self._active.discard(job_id)

    def depth(self) -> int:
        return self._depth

    def oldest_waiting(self) -> datetime | None:
        return None

    def failed_count(self) -> int:
        return self._failed

    def ping(self) -> bool:
        return True
