"""A batch of distinct signed SMS with deliberate duplicates, and the audit of where it ended.

Shared by the failure tests and the end-to-end benchmark: whatever broke on the way, the
database must show each distinct message stored once, settled as one ticket or one review
item, with exactly one reply per ticket and at most one reply per message.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.stack import sender_number, twilio_form
from sms_gateway.store.models import InboundMessage, OutboundMessage, Ticket

# Complaints that open and route a ticket; every 5th message needs a person, every 7th is spam.
PLACES = ("kota bandung", "kota surabaya", "kabupaten bogor", "kota medan", "kota makassar")
ISSUES = ("jalan rusak parah", "lampu jalan mati", "sampah menumpuk", "air pdam tidak mengalir",
          "pungutan liar di kantor kelurahan")


def message_text(i: int) -> str:
    if i % 7 == 3:
        return f"Selamat! Anda menang undian {i} juta dari Shopee, hub 0812345{i:05d}"
    if i % 5 == 4:
        return f"halo pak {i} tolong"
    return f"{ISSUES[i % len(ISSUES)]} nomor {i} di {PLACES[(i // 5) % len(PLACES)]}"


def make_batch(n: int, tag: str, first_sender: int = 0) -> list[dict[str, str]]:
    """n distinct Twilio forms, each from its own number (so no per-sender limit applies)."""
    return [twilio_form(f"SM{tag}{i:06d}", message_text(i), sender_number(first_sender + i))
            for i in range(n)]


def with_duplicates(forms: list[dict[str, str]], copies: int,
                    seed: int = 7) -> list[dict[str, str]]:
    """The batch plus `copies` re-deliveries of random members, shuffled in."""
    rng = random.Random(seed)
    out = list(forms) + [rng.choice(forms) for _ in range(copies)]
    rng.shuffle(out)
    return out


@dataclass
class Audit:
    """Where a batch ended, read from the database alone."""

    stored: Counter[str] = field(default_factory=Counter)  # provider id -> rows
    unsettled: list[str] = field(default_factory=list)  # not processed, or neither outcome
    tickets_per_message: Counter[str] = field(default_factory=Counter)
    replies_per_ticket: Counter[int] = field(default_factory=Counter)
    replies_per_message: Counter[str] = field(default_factory=Counter)
    outbound_status: Counter[str] = field(default_factory=Counter)
    reviews: int = 0

    @property
    def tickets(self) -> int:
        return sum(self.tickets_per_message.values())

    def missing(self, sids: set[str]) -> set[str]:
        return sids - set(self.stored)

    def stored_twice(self) -> set[str]:
        return {sid for sid, n in self.stored.items() if n != 1}

    def extra_tickets(self) -> set[str]:
        return {sid for sid, n in self.tickets_per_message.items() if n > 1}

    def tickets_without_one_reply(self) -> set[int]:
        return {t for t, n in self.replies_per_ticket.items() if n != 1}

    def messages_with_two_replies(self) -> set[str]:
        return {sid for sid, n in self.replies_per_message.items() if n > 1}

    def settled(self, final: frozenset[str] = frozenset({"sent", "delivered"})) -> bool:
        return not self.unsettled and set(self.outbound_status) <= final


def audit(sessions: sessionmaker[Session]) -> Audit:
    """Read the end state of every inbound message, ticket and reply."""
    result = Audit()
    with sessions() as session:
        messages = session.execute(select(
            InboundMessage.id, InboundMessage.provider_message_id, InboundMessage.state,
            InboundMessage.review_status)).all()
        ticket_rows = session.execute(select(Ticket.id, Ticket.inbound_message_id)).all()
        replies = session.execute(select(
            OutboundMessage.inbound_message_id, OutboundMessage.ticket_id,
            OutboundMessage.status).where(OutboundMessage.dedupe_key.like("reply:%"))).all()
        for status, n in session.execute(select(OutboundMessage.status, func.count())
                                         .group_by(OutboundMessage.status)).all():
            result.outbound_status[status] = n
    sid_of = {m.id: m.provider_message_id for m in messages}
    tickets_of: Counter[int] = Counter(t.inbound_message_id for t in ticket_rows)
    for m in messages:
        result.stored[m.provider_message_id] += 1
        opened = tickets_of.get(m.id, 0)
        result.tickets_per_message[m.provider_message_id] += opened
        result.reviews += m.review_status == "pending"
        if m.state != "processed" or (opened == 0 and m.review_status != "pending"):
            result.unsettled.append(m.provider_message_id)
    for t in ticket_rows:
        result.replies_per_ticket[t.id] += 0
    for r in replies:
        if r.ticket_id is not None:
            result.replies_per_ticket[r.ticket_id] += 1
        if r.inbound_message_id is not None:
            result.replies_per_message[sid_of.get(r.inbound_message_id, "?")] += 1
    return result


def wait_until(check: Callable[[], bool], timeout: float, every: float = 0.5,
               meanwhile: Callable[[], object] | None = None) -> float:
    """Poll until check() is true; returns the seconds it took (raises TimeoutError)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"not settled after {timeout}s")
        if meanwhile is not None:
            meanwhile()
        time.sleep(every)
    return time.monotonic() - started
