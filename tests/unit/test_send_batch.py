"""Sends in batches (telco/sending.send_many): one claim statement, results written together.

Stand-in channels record what they were asked to send; the rows and their channel logs are
read back from the database (SQLite here; the benchmark runs the same on Postgres).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from sqlalchemy import func, select, update

from sms_gateway.complaints.outbox import queue_sms
from sms_gateway.services import Services
from sms_gateway.store.channels import ChannelLog, PendingStatus
from sms_gateway.store.models import Citizen, OutboundMessage
from sms_gateway.store.pii import mask_phone
from sms_gateway.sweeper import sweep
from sms_gateway.telco import sending
from sms_gateway.telco.providers.base import OutgoingSms, SendResult
from sms_gateway.telco.providers.errors import SendError, SendErrorKind
from sms_gateway.telco.providers.transport import Exchange
from sms_gateway.telco.send_records import Sent, write_sent
from sms_gateway.telco.sending import claim, deliver, open_pool, send, send_many, send_soon
from tests.support.db import sql_statements


@dataclass
class Phone:
    """A channel that takes every SMS (after `gate` opens, if given), or fails with `fail`."""

    name: str = "phone"
    provider: str = "phone"
    idempotent_send: bool = False
    fail: SendErrorKind | None = None
    gate: threading.Event | None = None
    sent: list[OutgoingSms] = field(default_factory=list)
    tries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, sms: OutgoingSms) -> SendResult:
        with self.lock:
            self.tries += 1
        if self.gate is not None:
            self.gate.wait(5)
        if self.fail is not None:
            raise SendError(self.fail, "down")
        with self.lock:
            self.sent.append(sms)
            return SendResult(f"{self.name}-{len(self.sent)}")


def _with(services: Services, *channels: Phone, **sms: Any) -> Services:
    for channel in channels:
        services.channels[channel.name] = channel  # type: ignore[assignment]
    services.config = replace(services.config, sms=replace(
        services.config.sms, outbound=channels[0].name,
        failover=tuple(c.name for c in channels[1:]), **sms))
    return services


def _queued(services: Services, n: int) -> list[int]:
    """n queued replies, each to its own citizen (+62812000000<i>)."""
    vault, ids = services.vault, []
    with services.sessions.begin() as s:
        for i in range(n):
            phone = f"+62812000000{i:02d}"
            citizen = Citizen(phone_hash=vault.digest(phone), phone_enc=vault.encrypt(phone),
                              phone_masked=mask_phone(phone))
            s.add(citizen)
            s.flush()
            out = queue_sms(services, s, citizen, purpose="ticket_created",
                            body=f"Laporan #{i:07d}", dedupe_key=f"created-{i}")
            assert out is not None
            ids.append(out.id)
    return ids


def _rows(services: Services, ids: list[int]) -> list[tuple[str, str | None, str | None]]:
    with services.sessions() as s:
        return [(o.status, o.channel, o.provider_message_id) for o in s.execute(
            select(OutboundMessage).where(OutboundMessage.id.in_(ids))
            .order_by(OutboundMessage.id)).scalars()]


@contextmanager
def _statements(services: Services) -> Iterator[list[str]]:
    verbs: list[str] = []
    with sql_statements(services.engine) as seen:
        yield verbs
    # SQLite's explicit BEGIN (store/db.py) left out: Postgres has none.
    verbs.extend(v for v in (s.split()[0].upper() for s in seen) if v != "BEGIN")


def test_claim_reads_each_rows_own_phone_in_one_statement(services: Services) -> None:
    ids = _queued(services, 3)
    with _statements(services) as seen:
        claimed = claim(services, ids)
    assert ([(c.outbound_id, c.phone) for c in claimed], seen) == \
        ([(ids[i], f"+62812000000{i:02d}") for i in range(3)], ["UPDATE"])


def test_a_row_is_claimed_once(services: Services) -> None:
    ids = _queued(services, 2)
    first = claim(services, ids[:1])
    again = claim(services, ids)
    assert ([c.outbound_id for c in first], [c.outbound_id for c in again]) == \
        ([ids[0]], [ids[1]])


def test_a_number_that_cannot_be_read_leaves_the_rows_queued(services: Services) -> None:
    ids = _queued(services, 2)
    with services.sessions.begin() as s:
        s.execute(update(Citizen).where(Citizen.phone_hash == services.vault.digest(
            "+6281200000001")).values(phone_enc="not-a-ciphertext"))
    with pytest.raises(Exception):  # noqa: B017 - whatever the vault raises
        claim(services, ids)
    assert [r[0] for r in _rows(services, ids)] == ["queued", "queued"]


def test_a_batch_is_sent_and_recorded_together(services: Services) -> None:
    phone = Phone()
    _with(services, phone)
    ids = _queued(services, 5)
    services.send_pool = open_pool(services, 8)
    with _statements(services) as seen:
        send_many(services, ids)
        services.send_pool.stop()
    services.send_pool = None
    # One claim; the results in one write or a few (channel logs, rows, early reports each).
    assert (sorted(s.to for s in phone.sent), _rows(services, ids)[0][0],
            seen.count("UPDATE") <= 1 + 3, len(seen) <= 1 + 3 * 3) == \
        ([f"+62812000000{i:02d}" for i in range(5)], "sent", True, True)


def test_every_send_of_a_batch_leaves_its_row_sent_with_its_log(services: Services) -> None:
    phone = Phone()
    _with(services, phone)
    ids = _queued(services, 4)
    services.send_pool = open_pool(services, 8)
    send_many(services, ids)
    services.send_pool.stop()
    services.send_pool = None
    with services.sessions() as s:
        logged = s.execute(select(func.count()).select_from(ChannelLog).where(
            ChannelLog.outbound_message_id.in_(ids))).scalar()
    assert ({r[0] for r in _rows(services, ids)}, {r[1] for r in _rows(services, ids)},
            len({r[2] for r in _rows(services, ids)}), logged) == ({"sent"}, {"phone"}, 4, 0)


def test_rows_wait_queued_not_sending_while_every_thread_is_busy(services: Services) -> None:
    gate = threading.Event()
    phone = Phone(gate=gate)
    _with(services, phone)
    ids = _queued(services, 5)
    pool = services.send_pool = open_pool(services, 2)
    handing = threading.Thread(target=send_many, args=(services, ids), name="test-handing")
    handing.start()
    deadline = time.monotonic() + 5
    while pool.in_flight() < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    while_busy = sorted(r[0] for r in _rows(services, ids))
    gate.set()
    handing.join(5)
    pool.stop()
    services.send_pool = None
    assert (while_busy, {r[0] for r in _rows(services, ids)}) == \
        (["queued"] * 3 + ["sending"] * 2, {"sent"})


def test_a_report_that_overtook_its_send_is_applied_when_the_batch_is_recorded(
        services: Services) -> None:
    phone = Phone()
    _with(services, phone)
    ids = _queued(services, 2)
    with services.sessions.begin() as s:
        s.add(PendingStatus(channel="phone", provider_message_id="phone-1", status="delivered"))
    services.send_pool = open_pool(services, 4)
    send_many(services, ids)
    services.send_pool.stop()
    services.send_pool = None
    with services.sessions() as s:
        left = s.execute(select(func.count()).select_from(PendingStatus)).scalar()
    assert (sorted(r[0] for r in _rows(services, ids)), left) == (["delivered", "sent"], 0)


def test_a_batch_fails_over_in_the_configured_order(services: Services) -> None:
    first, second = Phone("first", fail=SendErrorKind.SERVER), Phone("second")
    _with(services, first, second)
    ids = _queued(services, 3)
    services.send_pool = open_pool(services, 4)
    send_many(services, ids)
    services.send_pool.stop()
    services.send_pool = None
    assert ({r[:2] for r in _rows(services, ids)}, len(second.sent), first.tries >= 1) == \
        ({("sent", "second")}, 3, True)


def test_a_send_whose_result_was_never_written_is_settled_by_the_sweeper(
        services: Services) -> None:
    """The process died with the result in the recorder: the row is still `sending`."""
    phone = Phone()
    _with(services, phone)
    ids = _queued(services, 1)
    for c in claim(services, ids):
        deliver(services, c, record=lambda sent: True)  # taken, then lost with the process
    before = _rows(services, ids)[0][0]
    sweep(older_than_seconds=0)  # on_uncertain = "resend" (default)
    assert (before, _rows(services, ids)[0][0], len(phone.sent)) == ("sending", "sent", 2)


def test_one_unrecordable_result_does_not_hold_up_the_others(services: Services) -> None:
    phone = Phone()
    _with(services, phone)
    ids = _queued(services, 2)
    claim(services, ids)
    results = [Sent(ids[0], "phone", SendResult("P1"), []),
               Sent(10_000, "phone", SendResult("P2"), [_exchange()]),  # no such row: FK
               Sent(ids[1], "phone", SendResult("P3"), [])]
    write_sent(services, results)
    assert _rows(services, ids) == [("sent", "phone", "P1"), ("sent", "phone", "P3")]


def test_a_queued_retry_still_sends_one_message_alone(services: Services) -> None:
    phone = Phone()
    _with(services, phone)
    ids = _queued(services, 2)
    send(services, ids[1])
    assert ([r[0] for r in _rows(services, ids)], [s.to for s in phone.sent]) == \
        (["queued", "sent"], ["+6281200000001"])


@dataclass
class Queue:
    """A dispatcher that only notes what was queued, and how late."""

    runs_follow_ups: bool = True
    queued: list[tuple[str, int, float]] = field(default_factory=list)

    def enqueue(self, func: str, *args: Any, job_id: str, delay: float = 0,
                **options: Any) -> None:
        self.queued.append((job_id, *args, delay))


def _claim_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(services: Services, outbound_ids: Any) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(sending, "claim", fail)


def test_a_batch_whose_claim_fails_is_queued_for_retries(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _queued(services, 2)
    queue = Queue()
    services.dispatcher = queue  # type: ignore[assignment]
    _claim_fails(monkeypatch)
    pool = services.send_pool = open_pool(services, 4)
    send_many(services, ids)
    held = pool.in_flight()  # reserved threads not given back would count here
    pool.stop()
    services.send_pool = None
    assert ([(job, oid, delay > 0) for job, oid, delay in queue.queued], held) == \
        ([(f"send-{i}", i, True) for i in ids], 0)


def test_the_send_jobs_failed_claim_raises_for_the_jobs_own_retry(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _queued(services, 1)
    _claim_fails(monkeypatch)
    services.send_pool = open_pool(services, 2)
    try:
        with pytest.raises(RuntimeError, match="database gone"):
            send_soon(services, ids[0])
    finally:
        services.send_pool.stop()
        services.send_pool = None


def _exchange() -> Exchange:
    return Exchange("POST", "http://phone/send", {}, "", 200, "ok", 1)


@dataclass
class SlowPhone(Phone):
    """A channel that answers after a while and counts the sends it has at once."""

    now: int = 0
    most: int = 0

    def send(self, sms: OutgoingSms) -> SendResult:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.05)
        with self.lock:
            self.now -= 1
        return super().send(sms)


def test_a_channels_own_bound_caps_its_sends_in_flight_below_the_pools(
        services: Services) -> None:
    from sms_gateway.config import ChannelConfig

    phone = SlowPhone()
    _with(services, phone)
    services.config = replace(services.config, channels={
        **services.config.channels, "phone": ChannelConfig(provider="phone", send_concurrency=2)})
    ids = _queued(services, 8)
    services.send_pool = open_pool(services, 8)
    send_many(services, ids)
    services.send_pool.stop()
    assert (phone.most, len(phone.sent), {r[0] for r in _rows(services, ids)}) == (
        2, 8, {"sent"})
