"""Many routed tickets dispositioned to their agencies in one transaction (a batched `forward`).

A worker that processed a chunk of inbound messages has routed dozens of tickets at once.
`deliveries.forward` for each would cost some six statements a ticket; `forward_many` does the
very same for all of them with a handful of statements per chunk: the tickets locked in one
SELECT ... FOR UPDATE, the agencies read in one SELECT, the new rows' ids taken in one SELECT
(store/ids.py), their status changed in one UPDATE, the history entries and the deliveries
written in one executemany each. Its rules are
`deliveries.dispose`'s, applied to the tickets in the order given, and it takes the same locks,
so that it and a single `forward` of the same ticket never both create anything.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from routing import lifecycle
from sms_gateway.agency.deliveries import agency_record, delivery_rows, enqueue_deliveries
from sms_gateway.agency.records import directory_for
from sms_gateway.dispatch import FORWARD_TICKET, run_or_queue
from sms_gateway.store import tickets
from sms_gateway.store.agency import AgencyDelivery, AgencyRecord
from sms_gateway.store.db import utcnow
from sms_gateway.store.ids import take_ids
from sms_gateway.store.models import Ticket, TicketEvent

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)


def forward_many(services: Services, ticket_ids: Sequence[int]) -> None:
    """Disposition these routed tickets in one transaction and queue their deliveries.

    If the batch fails, each ticket is forwarded on its own (`FORWARD_TICKET`, run here or
    queued for a retry), so that one bad ticket holds up none of the others.
    """
    ids = list(dict.fromkeys(int(i) for i in ticket_ids))
    if not ids:
        return
    try:
        delivery_ids = dispose_all(services, ids)
    except Exception:  # noqa: BLE001 - rolled back; each ticket is tried alone below
        log.warning("forwarding %d tickets together failed; forwarding each on its own",
                    len(ids), exc_info=True)
        for ticket_id in ids:
            run_or_queue(services.dispatcher, FORWARD_TICKET, ticket_id,
                         job_id=f"forward-{ticket_id}")
        return
    enqueue_deliveries(services, delivery_ids)


def dispose_all(services: Services, ticket_ids: Sequence[int]) -> list[int]:
    """`deliveries.dispose` for each ticket, in one transaction; returns deliveries to send."""
    with services.sessions.begin() as session:
        plan = _Plan(session, _lock(session, ticket_ids), ticket_ids)
        for ticket_id in ticket_ids:
            plan.dispose(ticket_id, services)
        return plan.write(services)


def _lock(session: Session, ticket_ids: Sequence[int]) -> list[Ticket]:
    """The tickets and the other tickets of their cases, locked in id order."""
    found = list(session.execute(select(Ticket).where(Ticket.id.in_(ticket_ids))
                                 .order_by(Ticket.id).with_for_update()).scalars())
    case_ids = {t.case_id for t in found if t.case_id is not None}
    if case_ids:
        found += session.execute(select(Ticket).where(
            Ticket.case_id.in_(case_ids), Ticket.id.not_in(ticket_ids))
            .order_by(Ticket.id).with_for_update()).scalars()
    return found


@dataclass(eq=False)  # each one a distinct entry, told apart by identity
class _Event:
    """A history entry to write: a status change to terdisposisi."""

    ticket: Ticket
    from_status: str
    detail: dict[str, Any]
    id: int | None = None


class _Plan:
    """What `dispose` would do to each ticket, worked out in memory and written at the end."""

    def __init__(self, session: Session, loaded: list[Ticket],
                 ticket_ids: Sequence[int]) -> None:
        self.session = session
        self.by_id = {t.id: t for t in loaded}
        self.status = {t.id: t.status for t in loaded}
        self.members: dict[int, list[Ticket]] = {}
        for ticket in sorted(loaded, key=lambda t: t.id):
            if ticket.case_id is not None:
                self.members.setdefault(ticket.case_id, []).append(ticket)
        self.events: list[_Event] = []
        self.to_deliver: list[tuple[Ticket, _Event | int]] = []
        # The latest terdisposisi entry of each ticket: a new one, or the id of one stored.
        self.latest: dict[int, _Event | int] = {}
        asked = set(ticket_ids)
        already = [t.id for t in loaded if t.status == lifecycle.TERDISPOSISI and t.id in asked]
        if already:
            for ticket_id, event_id in session.execute(
                    select(TicketEvent.ticket_id, func.max(TicketEvent.id))
                    .where(TicketEvent.ticket_id.in_(already),
                           TicketEvent.to_status == lifecycle.TERDISPOSISI)
                    .group_by(TicketEvent.ticket_id)):
                self.latest[ticket_id] = event_id

    def dispose(self, ticket_id: int, services: Services) -> None:
        """What `deliveries.dispose` does to one ticket, in memory."""
        ticket = self.by_id.get(ticket_id)
        if ticket is None or ticket.agency_code is None:
            return
        status = self.status[ticket.id]
        if status == lifecycle.TERVERIFIKASI:
            self._move(ticket, {"agency_code": ticket.agency_code})
            # The other tickets of its case (re-routed with it) go along, with no delivery.
            for other in self.members.get(ticket.case_id or 0, []):
                if (other.id != ticket.id and self.status[other.id] == lifecycle.TERVERIFIKASI
                        and other.agency_code == ticket.agency_code):
                    self._move(other, {"agency_code": ticket.agency_code,
                                       "case_of": ticket.number})
        elif status != lifecycle.TERDISPOSISI:
            return
        event = self.latest.get(ticket.id)
        if event is None:
            return
        if ticket.agency_code in tickets.withheld_from(ticket,
                                                       directory=directory_for(services)):
            # The oversight rule: never to the office the complaint is about, whoever routed it.
            log.error("ticket %s not forwarded: %s is the office it concerns", ticket.number,
                      ticket.agency_code)
            return
        self.to_deliver.append((ticket, event))

    def _move(self, ticket: Ticket, detail: dict[str, Any]) -> None:
        lifecycle.check_transition(self.status[ticket.id], lifecycle.TERDISPOSISI)
        event = _Event(ticket, self.status[ticket.id], detail)
        self.events.append(event)
        self.latest[ticket.id] = event
        self.status[ticket.id] = lifecycle.TERDISPOSISI

    def write(self, services: Services) -> list[int]:
        """The status changes, their history and the deliveries; returns those to send."""
        session, now = self.session, utcnow()
        rows = self._delivery_rows(services) if self.to_deliver else []
        # The new rows' ids in one statement, so that each table's rows go in one executemany
        # of a fixed statement (store/ids.py), not a multi-row INSERT ... RETURNING.
        ids = take_ids(session, {TicketEvent: len(self.events),
                                 AgencyDelivery: len(rows)})
        if self.events:
            moved = sorted({e.ticket.id for e in self.events})
            session.execute(update(Ticket).where(Ticket.id.in_(moved))
                            .values(status=lifecycle.TERDISPOSISI, updated_at=now)
                            .execution_options(synchronize_session=False))
            for event, event_id in zip(self.events, ids[TicketEvent], strict=True):
                event.id = event_id
            session.execute(insert(TicketEvent), [
                {"id": e.id, "ticket_id": e.ticket.id, "kind": "status", "actor": "system",
                 "at": now, "from_status": e.from_status, "to_status": lifecycle.TERDISPOSISI,
                 "detail": e.detail} for e in self.events])
        if not rows:
            return []
        for (row, entry), delivery_id in zip(rows, ids[AgencyDelivery], strict=True):
            row["id"] = delivery_id
            row["event_id"] = entry if isinstance(entry, int) else entry.id
        # render_nulls: one statement for all, not one per set of columns that hold a value.
        session.execute(insert(AgencyDelivery).execution_options(render_nulls=True),
                        [row for row, _ in rows])
        return [row["id"] for row, _ in rows if row["channel"] != "pull"]

    def _delivery_rows(self, services: Services) -> list[tuple[dict[str, Any], _Event | int]]:
        """`deliveries.create_deliveries`'s rows for every ticket to deliver, each with the
        history entry it is for (its id filled in once known)."""
        session, directory = self.session, directory_for(services)
        codes = sorted({t.agency_code for t, _ in self.to_deliver if t.agency_code})
        # Read in one statement; ensure_agency then finds each in the session, not the table.
        records = {r.code: r for r in session.execute(
            select(AgencyRecord).where(AgencyRecord.code.in_(codes))).scalars()}
        for code in codes:
            records[code] = agency_record(session, directory, code)
        old = [e for _, e in self.to_deliver if isinstance(e, int)]
        exists: set[tuple[_Event | int, str, str]] = set()
        if old:
            exists.update((e, a, c) for e, a, c in session.execute(select(
                AgencyDelivery.event_id, AgencyDelivery.agency_code, AgencyDelivery.channel)
                .where(AgencyDelivery.event_id.in_(old))))
        rows = []
        for ticket, event in self.to_deliver:
            agency = ticket.agency_code
            assert agency is not None
            # event_id is filled in by write, once the new entries have their ids.
            for row in delivery_rows(ticket.id, records[agency], 0, "disposisi"):
                if (event, agency, row["channel"]) in exists:
                    continue
                exists.add((event, agency, row["channel"]))
                rows.append((row, event))
        return rows
