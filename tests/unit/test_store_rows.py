"""A chunk's history entries and replies as plain rows (store/rows.py): the same rows as the
ORM would insert, in the order queued, and refused where the ORM's INSERT would be."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from sms_gateway.services import Services
from sms_gateway.store import rows, tickets
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Citizen, OutboundMessage, Ticket, TicketEvent
from tests.support.chunk_scenario import gateway

DETAILS: list[dict[str, Any]] = [{}, {"a": 1, "text": "jalan rusak \u00e9"}, {"n": None}]


def _reply(citizen: Citizen, ticket: Ticket | None, key: str) -> dict[str, Any]:
    now = utcnow()
    return {"citizen_id": citizen.id, "ticket_id": None, "inbound_message_id": None,
            "dedupe_key": key, "purpose": "help", "priority": 1, "body": "b", "encoding": "gsm7",
            "segments": 1, "channel": "twilio", "status": "queued", "attempts": 0,
            "created_at": now, "updated_at": now}


def written(services: Services, *, plain: bool) -> tuple[list[tuple[Any, ...]], ...]:
    """Three history entries and two replies of two new tickets, as plain rows or objects;
    then what the database holds (with the JSON text, SQL NULL told from JSON null)."""
    with services.sessions.begin() as session:
        citizen = Citizen(phone_hash="h", phone_enc="e", phone_masked="m")
        session.add(citizen)
        session.flush()
        pending = rows.attach(session) if plain else None
        new = [tickets.new_ticket(session, f"100000{i}", category="jalan", citizen_id=citizen.id)
               for i in range(2)]
        for detail, ticket in zip(DETAILS, [new[1], new[0], new[1]], strict=True):
            tickets.queue_event(session, ticket, "k", actor="citizen", **detail)
        queued: list[Any] = []
        for i, ticket in enumerate([new[1], None, new[0]]):
            if pending is not None:
                queued.append(pending.add(OutboundMessage, rows.Row(
                    ticket, **_reply(citizen, ticket, f"r{i}"))))
            else:
                queued.append(OutboundMessage(**_reply(citizen, ticket, f"r{i}") | {
                    "ticket_id": None}, ticket=ticket))
                session.add(queued[-1])
        rows.flush(session)
        # The ids the caller learns (the replies it sends) are those of its rows.
        learnt = [(r["id"], r["dedupe_key"]) if isinstance(r, dict) else (r.id, r.dedupe_key)
                  for r in queued]
        numbers = {t.id: t.number for t in session.execute(select(Ticket)).scalars()}
        events = [(e.id, numbers[e.ticket_id], e.kind, e.actor, e.from_status, e.to_status,
                   e.detail) for e in session.execute(
                       select(TicketEvent).order_by(TicketEvent.id)).scalars()]
        raw = session.execute(text("SELECT id, CAST(detail AS TEXT) FROM ticket_events "
                                   "ORDER BY id")).all()
        replies = [(o.id, numbers.get(o.ticket_id or 0), o.dedupe_key, o.purpose, o.priority,
                    o.status, o.segments) for o in session.execute(
                        select(OutboundMessage).order_by(OutboundMessage.id)).scalars()]
        assert learnt == [(r[0], r[2]) for r in replies]
        return events, [tuple(r) for r in raw], replies


def same_as_the_orm(plain_services: Services, orm_services: Services) -> None:
    plain, orm = written(plain_services, plain=True), written(orm_services, plain=False)
    assert plain == orm
    events, raw, replies = plain
    assert [e[1] for e in events] == ["1000000", "1000001", "1000001", "1000000", "1000001"]
    assert [e[6] for e in events][2:] == [d or None for d in DETAILS]
    assert [r[2] for r in replies] == ["r0", "r1", "r2"]


def too_long_is_refused(services: Services) -> None:
    """Postgres (SQLite does not check a VARCHAR's length)."""
    with services.sessions.begin() as session:
        citizen = Citizen(phone_hash="h", phone_enc="e", phone_masked="m")
        session.add(citizen)
        session.flush()
        pending = rows.attach(session)
        for key in ("r0", "x" * 81):  # dedupe_key is VARCHAR(80)
            pending.add(OutboundMessage, rows.Row(None, **_reply(citizen, None, key)))
        with pytest.raises(DBAPIError):
            rows.flush(session)
        session.rollback()


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Services, Services]]:
    plain, orm = gateway(tmp_path / "plain"), gateway(tmp_path / "orm")
    yield plain, orm
    plain.close()
    orm.close()


def test_plain_rows_are_those_the_orm_would_insert(two: tuple[Services, Services]) -> None:
    same_as_the_orm(*two)
