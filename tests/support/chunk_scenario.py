"""A scenario for batched processing (complaints/chunk.py): senders who write several times
within one chunk, and what the chunk must end with, as if each message had been processed on
its own (tests/unit/test_process_chunk.py, tests/integration/test_process_chunk_postgres.py)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sms_gateway.agency.dispositions import forward_many
from sms_gateway.complaints import inbound
from sms_gateway.dispatch import InlineDispatcher, RetryPolicy
from sms_gateway.services import Services, build_services, set_current
from sms_gateway.store import migrate
from sms_gateway.store.models import Citizen, InboundMessage, OutboundMessage, Ticket, TicketEvent
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms
from tests.support.agency import SURABAYA_ROAD
from tests.support.config import make_config
from tests.support.db import sql_statements

LIMIT = 3  # messages per sender and window before the rest is throttled
SAME_ROAD = ("Ada lubang besar di jalan Kelurahan Ketintang Kecamatan Gayungan Surabaya, "
             "jalan rusak bahaya untuk motor")
AMBIGUOUS = "jalan rusak parah di kenjeran tolong diperbaiki"  # asked with numbered choices
VAGUE = "mohon bantuan pak, warga kelurahan kapasan sudah lama menunggu tapi belum ada kabar"
SPAM = "Selamat! Anda menang undian 100 juta dari Shopee, hub 081234567890"

# Handled before the chunk, one by one, their forwards done: a case to join, a question asked.
PROLOGUE = [("lead", SURABAYA_ROAD), ("asked", AMBIGUOUS)]
# The chunk, in arrival order: (sender, text). Senders write more than once within it.
CHUNK = [
    ("asked", "2"),  # picks a place for the ticket asked before the chunk
    ("twice", "jalan rusak parah nomor 1 di kota bandung"),
    ("flood", "lampu jalan mati nomor 1 di kota medan"),
    ("twice", "Jalan rusak PARAH, nomor 1 di kota Bandung!"),  # the same words: merged
    ("flood", "lampu jalan mati nomor 2 di kota medan"),
    ("choice", AMBIGUOUS),
    ("reporter", SAME_ROAD),  # joins the lead's case
    ("flood", "lampu jalan mati nomor 3 di kota medan"),
    ("choice", "1"),  # answers the question asked earlier in this chunk
    ("flood", "lampu jalan mati nomor 4 di kota medan"),  # over the limit: throttled
    ("other", SAME_ROAD),  # joins the case too
    ("greeter", "halo"),
    ("flood", "lampu jalan mati nomor 5 di kota medan"),  # throttled, no second throttle SMS
    ("greeter", "halo pak"),  # the help text once a day
    ("stopper", "STOP"),
    ("spammer", SPAM),
    ("stopper", "STOP"),  # confirmed once
    ("vague", VAGUE),
    ("lead", "CEK"),
]
PHONES = {name: f"+62812{70000000 + i:08d}" for i, name in enumerate(
    dict.fromkeys(name for name, _ in PROLOGUE + CHUNK))}


class HoldingDispatcher(InlineDispatcher):
    """Holds the follow-ups (jobs, and the forwards with hold_forwards) until released.

    One by one, a ticket would be forwarded before the next message is handled, in a batch
    after the chunk: held, both compare what processing itself wrote.
    """

    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[str, tuple[Any, ...], str]] = []
        self.forwards: list[int] = []

    def enqueue(self, func: str, *args: Any, job_id: str, retry: RetryPolicy | None = None,
                at_front: bool = False, fresh: bool = False, delay: float = 0) -> None:
        self.held.append((func, args, job_id))

    def release(self, services: Services) -> None:
        forwards, self.forwards = self.forwards, []
        forward_many(services, forwards)
        held, self.held = self.held, []
        for func, args, job_id in held:
            super().enqueue(func, *args, job_id=job_id)


def hold_forwards(services: Services, ticket_ids: list[int]) -> None:
    """In place of agency.dispositions.forward_many in complaints/inbound.py (monkeypatch)."""
    assert isinstance(services.dispatcher, HoldingDispatcher)
    services.dispatcher.forwards += ticket_ids


def gateway(path: Path, **database: str) -> Services:
    """Services for the scenario (SQLite under path unless a database url is given), whose
    follow-ups wait for HoldingDispatcher.release (with inbound.forward_many = hold_forwards)."""
    config = make_config(path, abuse={"max_messages_per_window": LIMIT},
                         **({"database": database} if database else {}))
    migrate.upgrade(config)
    return build_services(config, dispatcher=HoldingDispatcher())


def store(services: Services, messages: list[tuple[str, str]]) -> list[int]:
    return [store_inbound(services, "console", "console", IncomingSms(
        f"c-{uuid.uuid4().hex}", PHONES[name], "1708", text, {})).message_id
            for name, text in messages]


def prologue(services: Services) -> None:
    set_current(services)  # the jobs run on the current services
    for message_id in store(services, PROLOGUE):
        inbound.process(services, message_id)
        assert isinstance(services.dispatcher, HoldingDispatcher)
        services.dispatcher.release(services)


def state(services: Services) -> dict[str, Any]:
    """What processing wrote, with ids and random ticket numbers replaced by positions."""
    with services.sessions() as s:
        messages = s.execute(select(InboundMessage).order_by(InboundMessage.id)).scalars().all()
        position = {m.id: i for i, m in enumerate(messages)}
        tickets = s.execute(select(Ticket).order_by(Ticket.inbound_message_id)).scalars().all()
        ref = {t.id: f"T{position[t.inbound_message_id or 0]}" for t in tickets}
        numbers = {t.number: ref[t.id] for t in tickets}
        citizens = {c.id: c for c in s.execute(select(Citizen)).scalars()}
        events = s.execute(select(TicketEvent).order_by(TicketEvent.id)).scalars().all()
        outbound = s.execute(select(OutboundMessage).order_by(OutboundMessage.id)).scalars().all()

    def plain(value: Any) -> Any:
        text = json.dumps(value, sort_keys=True, default=str)
        return re.sub(r"\d{7}", lambda m: numbers.get(m.group(), m.group()), text)

    return {
        "messages": [(m.outcome, m.review_status, m.review_reason, ref.get(m.ticket_id or 0),
                      m.citizen_id is not None, plain(m.parse)) for m in messages],
        "tickets": [(ref[t.id], t.category, t.region_code, t.status, t.agency_code, t.awaiting,
                     t.case_id is not None, t.confidential) for t in tickets],
        # Each ticket's history in order; across tickets the forwards' events come after the
        # chunk's commit in a batch, after each message's commit one by one.
        "events": {ref[t.id]: [(e.kind, e.actor, e.from_status, e.to_status, plain(e.detail))
                               for e in events if e.ticket_id == t.id] for t in tickets},
        "outbound": [(position.get(o.inbound_message_id or 0), ref.get(o.ticket_id or 0),
                      o.purpose, o.status, plain(o.body), citizens[o.citizen_id].phone_masked)
                     for o in outbound],
        "opted_out": sorted(c.phone_masked for c in citizens.values() if c.opted_out),
    }


def batch_and_alone(batch: Services, alone: Services) -> None:
    """The scenario in both: the chunk as one batch in `batch`, one by one in `alone`."""
    prologue(batch)
    inbound.process_batch(batch, store(batch, CHUNK))
    prologue(alone)
    for message_id in store(alone, CHUNK):
        inbound.process(alone, message_id)


def statements_for_complaints(services: Services, n: int) -> int:
    """SQL statements of one batch of n complaints from n senders new to the gateway."""
    set_current(services)
    ids = store(services, [(name, f"jalan rusak parah nomor {i} di kota bandung")
                           for i, name in enumerate(list(PHONES)[:n])])
    with sql_statements(services.engine) as seen:
        inbound.process_batch(services, ids)
    return len(seen)


def batch_and_alone_gateways(tmp_path: Path, monkeypatch: Any, batch_url: str | None = None,
                             alone_url: str | None = None) -> Iterator[tuple[Services, Services]]:
    """Two gateways with forwards held (`hold_forwards`): one for a chunk, one for the same
    messages one by one; on two databases of their own (SQLite unless URLs are given)."""
    monkeypatch.setattr(inbound, "forward_many", hold_forwards)
    batch = gateway(tmp_path / "batch", **({"url": batch_url} if batch_url else {}))
    alone = gateway(tmp_path / "alone", **({"url": alone_url} if alone_url else {}))
    yield batch, alone
    batch.close()
    alone.close()
