"""Long SMS that arrive in parts: held until all are there (or a short window passes), then
joined into one inbound message, so one complaint gives one ticket.

Parts are recognised by the concatenation info a provider passes on (the UDH reference) or,
for phones that split without it, by a "(1/3)" marker at the start or end of the text.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sms_gateway.store.channels import InboundPart
from sms_gateway.store.db import utcnow
from sms_gateway.telco import inbox
from sms_gateway.telco.providers.base import IncomingSms

if TYPE_CHECKING:
    from sms_gateway.services import Services

MAX_PARTS = 20
MISSING = "[...]"
_MARKER_START = re.compile(r"^\s*\(\s*(\d{1,2})\s*/\s*(\d{1,2})\s*\)\s*")
_MARKER_END = re.compile(r"\s*\(\s*(\d{1,2})\s*/\s*(\d{1,2})\s*\)\s*$")


def text_marker(text: str) -> tuple[int, int, str] | None:
    """(part, total, text without the marker) for a "(k/n)" marker at either end, else None."""
    for pattern in (_MARKER_START, _MARKER_END):
        m = pattern.search(text)
        if m:
            part, total = int(m.group(1)), int(m.group(2))
            if 1 <= part <= total <= MAX_PARTS and total >= 2:
                return part, total, (text[:m.start()] + text[m.end():]).strip()
    return None


def part_of(sms: IncomingSms) -> tuple[str, int, int, str] | None:
    """(group reference, part, total, text) when this SMS is one part of several."""
    if sms.part is not None:
        ref, part, total = sms.part
        if 1 <= part <= total and total >= 2:
            return f"udh:{ref}:{total}", part, total, sms.text
        return None
    marked = text_marker(sms.text)
    if marked is None:
        return None
    part, total, text = marked
    return f"text:{total}", part, total, text


def hold(services: Services, channel: str, provider: str, sms: IncomingSms, sender: str,
         part: tuple[str, int, int, str]) -> inbox.Stored:
    """Store one part; when it completes its group, store and return the joined message."""
    reference, number, total, text = part
    vault = services.vault
    sender_hash = vault.digest(sender)
    values = {
        "channel": channel, "provider": provider,
        "provider_message_id": sms.provider_message_id, "sender_hash": sender_hash,
        "sender_enc": vault.encrypt(sender), "recipient": sms.recipient[:32],
        "reference": reference, "part": number, "total": total,
        "text": text.replace("\x00", "\ufffd"),
        "raw_enc": vault.encrypt(json.dumps(dict(sms.raw), ensure_ascii=False)),
        "received_at": sms.received_at or utcnow(),
    }
    window = timedelta(seconds=services.config.sms.multipart_window_seconds)
    with services.sessions.begin() as session:
        dialect = session.get_bind().dialect.name
        upsert: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
        part_id = session.execute(
            upsert(InboundPart).values(**values)
            .on_conflict_do_nothing(index_elements=["channel", "provider_message_id"])
            .returning(InboundPart.id)).scalar()
        if part_id is None:  # a repeated webhook for a part we have
            existing = session.execute(select(InboundPart).where(
                InboundPart.channel == channel,
                InboundPart.provider_message_id == sms.provider_message_id)).scalar_one()
            if existing.joined_message_id is not None:
                return inbox.Stored(existing.joined_message_id, False)
            return inbox.Stored(existing.id, False, held=True)
        group = _open_group(session, channel, sender_hash, reference, utcnow() - window)
        if len({p.part for p in group}) < total:
            return inbox.Stored(int(part_id), True, held=True)
        return _join(session, group)


def _open_group(session: Session, channel: str, sender_hash: str, reference: str,
                since: object) -> list[InboundPart]:
    return list(session.execute(select(InboundPart).where(
        InboundPart.channel == channel, InboundPart.sender_hash == sender_hash,
        InboundPart.reference == reference, InboundPart.joined_message_id.is_(None),
        InboundPart.received_at >= since).order_by(InboundPart.part, InboundPart.id)).scalars())


def _join(session: Session, group: list[InboundPart]) -> inbox.Stored:
    """One inbound message from the parts there are; missing ones show as "[...]"."""
    first = group[0]
    by_number: dict[int, InboundPart] = {}
    for p in group:
        by_number.setdefault(p.part, p)
    sep = "" if first.reference.startswith("udh:") else " "
    texts = [by_number[n].text if n in by_number else MISSING
             for n in range(1, first.total + 1)]
    stored = inbox.insert_message(session, {
        "channel": first.channel, "provider": first.provider,
        "provider_message_id": f"joined:{min(p.provider_message_id for p in group)}"[:128],
        "sender_hash": first.sender_hash, "sender_enc": first.sender_enc,
        "recipient": first.recipient, "text": sep.join(texts).strip(),
        "raw_enc": None, "received_at": min(p.received_at for p in group),
        "state": "received", "attempts": 0,
    })
    session.execute(update(InboundPart).where(InboundPart.id.in_([p.id for p in group]))
                    .values(joined_message_id=stored.message_id))
    return stored


def flush(services: Services) -> list[int]:
    """Join the groups whose window has passed, complete or not; returns new message ids."""
    cutoff = utcnow() - timedelta(seconds=services.config.sms.multipart_window_seconds)
    joined: list[int] = []
    with services.sessions.begin() as session:
        stale = session.execute(
            select(InboundPart.channel, InboundPart.sender_hash, InboundPart.reference)
            .where(InboundPart.joined_message_id.is_(None), InboundPart.received_at < cutoff)
            .distinct().limit(500)).all()
        for channel, sender_hash, reference in stale:
            group = list(session.execute(select(InboundPart).where(
                InboundPart.channel == channel, InboundPart.sender_hash == sender_hash,
                InboundPart.reference == reference, InboundPart.joined_message_id.is_(None))
                .order_by(InboundPart.part, InboundPart.id)).scalars())
            if group:
                stored = _join(session, group)
                if stored.created:
                    joined.append(stored.message_id)
    for message_id in joined:
        inbox.enqueue_inbound(services, message_id)
    return joined
