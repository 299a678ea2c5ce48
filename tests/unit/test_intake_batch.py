"""The web side's batches: every stored message queued once, in order, soon, and never lost."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import select

from sms_gateway.dispatch import PROCESS_INBOUND_BATCH, InlineDispatcher, RetryPolicy
from sms_gateway.jobs.inbound import process_inbound_batch
from sms_gateway.services import Services
from sms_gateway.store.models import InboundMessage, Ticket
from sms_gateway.telco.inbox import enqueue_inbound
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.intake_batch import GroupEnqueuer, IntakeBatcher
from sms_gateway.telco.providers.base import IncomingSms
from tests.support.db import sql_statements


class _Recording(InlineDispatcher):
    """Keeps what is queued; can be told to fail like an unreachable Redis."""

    def __init__(self) -> None:
        super().__init__()
        self.queued: list[tuple[str, list[int], str]] = []
        self.down = False
        self.refused = 0
        self.lock = threading.Lock()

    def enqueue(self, func: str, *args: Any, job_id: str, retry: RetryPolicy | None = None,
                at_front: bool = False, fresh: bool = False, delay: float = 0) -> None:
        if self.down:
            self.refused += 1
            raise ConnectionError("redis unreachable")
        with self.lock:  # a batch's ids, or another job's arguments
            self.queued.append((func, list(args[0]) if isinstance(args[0], list)
                                else list(args), job_id))

    def ids(self) -> list[int]:
        with self.lock:
            return [i for _, batch, _ in self.queued for i in batch]


def _wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.005)


def test_ids_are_queued_by_the_thread_within_the_window() -> None:
    dispatcher = _Recording()
    batcher = IntakeBatcher(dispatcher, window_seconds=0.05, max_size=100)
    for i in range(1, 6):
        batcher.add(i)
    assert dispatcher.queued == []  # the requests did not wait for the queue
    _wait_for(lambda: dispatcher.ids() == [1, 2, 3, 4, 5])
    assert dispatcher.queued == [(PROCESS_INBOUND_BATCH, [1, 2, 3, 4, 5], "inbound-batch-1-5")]
    batcher.stop()


def test_a_full_batch_is_queued_at_once_and_big_flushes_are_split() -> None:
    dispatcher = _Recording()
    batcher = IntakeBatcher(dispatcher, window_seconds=60, max_size=3)
    for i in range(1, 4):
        batcher.add(i)
    assert dispatcher.ids() == [1, 2, 3]  # the third add filled the batch
    batcher.stop()
    many = IntakeBatcher(dispatcher, window_seconds=60, max_size=3)
    many._ids = list(range(10, 18))  # noqa: SLF001 - more than one batch waiting
    assert many.flush() == 8
    assert [len(batch) for _, batch, _ in dispatcher.queued[1:]] == [3, 3, 2]


def test_many_threads_adding_lose_and_repeat_nothing() -> None:
    dispatcher = _Recording()
    batcher = IntakeBatcher(dispatcher, window_seconds=0.002, max_size=7)

    def add(start: int) -> None:
        for i in range(start, start + 500):
            batcher.add(i)

    threads = [threading.Thread(target=add, args=(k * 1000,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batcher.flush()  # when flush returns, everything added before is queued
    ids = dispatcher.ids()
    assert (len(ids), set(ids)) == (2000, {k * 1000 + i for k in range(4) for i in range(500)})
    assert max(len(batch) for _, batch, _ in dispatcher.queued) <= 7
    batcher.stop()


def test_an_unreachable_queue_loses_the_batch_to_the_sweeper_not_the_thread() -> None:
    dispatcher = _Recording()
    dispatcher.down = True
    batcher = IntakeBatcher(dispatcher, window_seconds=0.01, max_size=100)
    batcher.add(1)
    _wait_for(lambda: dispatcher.refused == 1)  # the thread tried, and Redis refused
    dispatcher.down = False
    batcher.add(2)  # the thread lived on
    _wait_for(lambda: dispatcher.ids() == [2])
    assert dispatcher.ids() == [2]
    batcher.stop()


def _store_complaints(services: Services, prefix: str, n: int) -> list[int]:
    """Store n distinct complaints from n phones; returns their message ids."""
    return [store_inbound(services, "console", "console", IncomingSms(
        f"{prefix}{i}", f"+6281234{len(prefix)}{ord(prefix[0]) % 10}{i:04d}", "1708",
        f"jalan rusak parah nomor {i} di kota bandung", {})).message_id for i in range(n)]


def test_a_batch_processes_each_message_and_survives_one_failing(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _store_complaints(services, "B", 3)
    import sms_gateway.complaints.inbound as inbound

    real = inbound._handle

    def failing_for_the_second(svc: Services, session: Any, message: Any, *rest: Any) -> Any:
        if message.id == ids[1]:
            raise RuntimeError("database hiccup")
        return real(svc, session, message, *rest)

    # It fails the batch's one transaction, then again when tried alone.
    monkeypatch.setattr(inbound, "_handle", failing_for_the_second)
    process_inbound_batch(ids)
    with services.sessions() as session:
        states = dict(session.execute(select(InboundMessage.id, InboundMessage.state)).all())
        attempts = session.get(InboundMessage, ids[1]).attempts  # type: ignore[union-attr]
        tickets = session.execute(select(Ticket.inbound_message_id)).scalars().all()
    # The failed one stays "received" with its attempt counted: the sweeper queues it again.
    assert ([states[i] for i in ids], attempts, sorted(tickets)) == (
        ["processed", "received", "processed"], 1, [ids[0], ids[2]])


def test_a_batch_is_claimed_and_its_citizens_created_in_one_statement_each(
        services: Services) -> None:
    ids = _store_complaints(services, "O", 5)
    with sql_statements(services.engine) as statements:
        process_inbound_batch(ids)
    with services.sessions() as session:
        tickets = session.execute(select(Ticket.inbound_message_id)).scalars().all()
    claims = [s for s in statements if s.startswith("UPDATE inbound_messages SET state")]
    citizens = [s for s in statements if s.startswith("INSERT INTO citizens")]
    assert (sorted(tickets), len(claims), len(citizens)) == (ids, 1, 1)


def test_identical_complaints_in_one_batch_make_one_ticket(services: Services) -> None:
    sms = [IncomingSms(f"D{i}", "+6281234500001", "1708", "jalan rusak parah di kota bandung", {})
           for i in range(2)]
    ids = [store_inbound(services, "console", "console", m).message_id for m in sms]
    process_inbound_batch(ids)
    with services.sessions() as session:
        outcomes = session.execute(select(InboundMessage.outcome).order_by(
            InboundMessage.id)).scalars().all()
        tickets = session.execute(select(Ticket.id)).scalars().all()
    assert (len(tickets), outcomes) == (1, ["ticket_created", "merged"])


def test_without_a_batcher_fresh_messages_are_queued_one_by_one(services: Services) -> None:
    assert services.batcher is None  # embedded mode: the in-process runner is cheap
    queued: list[tuple[str, tuple[Any, ...], str]] = []

    class Plain(InlineDispatcher):
        def enqueue(self, func: str, *args: Any, job_id: str, **_: Any) -> None:
            queued.append((func, args, job_id))

    services.dispatcher = Plain()
    assert enqueue_inbound(services, 42, fresh=True)
    assert queued == [("sms_gateway.jobs.inbound.process_inbound", (42,), "inbound-42")]


def test_a_batch_past_its_time_budget_queues_the_rest_again(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    ids = _store_complaints(services, "T", 3)
    services.config = replace(services.config,
                              queue=replace(services.config.queue, job_timeout_seconds=0))
    dispatcher = _Recording()
    services.dispatcher = dispatcher
    clock = iter(range(100))
    monkeypatch.setattr("sms_gateway.complaints.inbound.time.monotonic", lambda: next(clock))
    monkeypatch.setattr("sms_gateway.complaints.inbound.PROCESS_CHUNK", 1)
    process_inbound_batch(ids)
    with services.sessions() as session:
        states = dict(session.execute(select(InboundMessage.id, InboundMessage.state)).all())
    requeued = [(job_id, batch) for func, batch, job_id in dispatcher.queued
                if func == PROCESS_INBOUND_BATCH]
    assert ([states[i] for i in ids], requeued) == (
        ["processed", "received", "received"],
        [(f"inbound-batch-{ids[1]}-2", ids[1:])])


def test_a_forked_process_starts_its_own_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    dispatcher = _Recording()
    batcher = IntakeBatcher(dispatcher, window_seconds=60, max_size=100)
    batcher.add(1)  # waiting in the parent when it forks
    parent_thread, parent_halt = batcher._thread, batcher._halt
    monkeypatch.setattr("sms_gateway.telco.intake_batch.os.getpid", lambda: -1)
    batcher.add(2)
    assert (batcher.pending(), batcher.flush(), dispatcher.ids()) == (1, 1, [2])
    batcher.stop()
    parent_halt.set()  # a real fork leaves the parent's thread behind in the parent
    assert parent_thread is not None
    parent_thread.join(5)


def test_after_stop_ids_are_queued_at_once() -> None:
    dispatcher = _Recording()
    batcher = IntakeBatcher(dispatcher, window_seconds=60, max_size=100)
    batcher.stop()
    batcher.add(7)
    assert (dispatcher.ids(), batcher.pending()) == ([7], 0)


class _Slow(_Recording):
    """An enqueue that takes a while, so that requests pile up behind it."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.calls = 0

    def enqueue(self, func: str, *args: Any, job_id: str, retry: RetryPolicy | None = None,
                at_front: bool = False, fresh: bool = False, delay: float = 0) -> None:
        with self.lock:
            self.calls += 1
        time.sleep(self.seconds)
        super().enqueue(func, *args, job_id=job_id, fresh=fresh)


def test_group_enqueue_queues_a_lone_message_before_returning() -> None:
    dispatcher = _Recording()
    GroupEnqueuer(dispatcher, max_size=50).add(5)
    assert dispatcher.queued == [("sms_gateway.jobs.inbound.process_inbound", [5], "inbound-5")]


def test_group_enqueue_shares_enqueues_and_returns_only_once_queued() -> None:
    dispatcher = _Slow(0.02)
    group = GroupEnqueuer(dispatcher, max_size=50)
    queued_on_return: dict[int, bool] = {}
    start = threading.Barrier(16)

    def request(message_id: int) -> None:
        start.wait(5)
        group.add(message_id)
        queued_on_return[message_id] = message_id in dispatcher.ids()

    threads = [threading.Thread(target=request, args=(i,)) for i in range(1, 17)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    ids = dispatcher.ids()
    assert (sorted(ids), len(ids), all(queued_on_return.values()), len(queued_on_return)) == (
        list(range(1, 17)), 16, True, 16)
    assert dispatcher.calls < 16  # requests that waited were queued together


def test_group_enqueue_survives_a_refusing_queue() -> None:
    dispatcher = _Recording()
    group = GroupEnqueuer(dispatcher, max_size=50)
    dispatcher.down = True
    group.add(1)  # logged for the sweeper; the request is not held up
    dispatcher.down = False
    group.add(2)
    assert (dispatcher.ids(), group.pending()) == ([2], 0)
