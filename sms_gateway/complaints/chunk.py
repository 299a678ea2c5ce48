"""The messages one transaction handles together, and what their handlers look up.

process_batch handles up to PROCESS_CHUNK claimed messages in one transaction; a message
processed on its own is a chunk of one. The handlers ask the chunk, not the database, what
they need to know about the senders: the abuse screen's recent messages, the tickets that
wait for a citizen's answer, the open tickets a new one may join as a case, the replies sent
lately. Each look-up is one query for the whole chunk, run on first need, and the handlers
apply their own rules to its answer in memory. The answers are the session's ORM objects, so
what an earlier message of the chunk changed is what a later one sees; the chunk adds what
the database does not have yet: the tickets opened and the replies queued by this chunk,
which the end of the chunk inserts together (the tickets by one flush, then the history
entries and replies, plain rows, not ORM objects: store/rows.py).

Why that is the same as a query per message: during a chunk, a ticket newly matches a
look-up only if the chunk opened it or changed it while it waited. The handlers make a ticket
wait for an answer only when they open it or when it waits already; only a ticket they open
joins a case (and so may lead one); they change the place only of a ticket they open or one
that waits for it. The messages' own rows are written at the end of the chunk, so the
database never answers with a message of the chunk as handled: the chunk adds those handled
so far.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sms_gateway.complaints import cases
from sms_gateway.store import rows, tickets
from sms_gateway.store.models import Citizen, InboundMessage, OutboundMessage, Ticket

if TYPE_CHECKING:
    from sms_gateway.services import Services


class Recent(NamedTuple):
    """An earlier message of a sender that belongs to a ticket."""

    id: int
    received_at: datetime
    text: str | None


class Chunk:
    """Claimed messages handled in one transaction, in arrival order, and their look-ups."""

    def __init__(self, services: Services, session: Session,
                 messages: list[InboundMessage], citizens: dict[str, Citizen], *,
                 alone: bool = False) -> None:
        self.services = services
        self.session = session
        self.messages = messages
        self.citizens = citizens  # by phone hash, their rows locked by this transaction
        # A message processed on its own (a retry, or a chunk that failed together) checks
        # what a batch may take for granted, such as that its reply is not queued yet.
        self.alone = alone
        self.opened: list[Ticket] = []  # tickets opened by this chunk's messages
        self._opened_for: dict[int | None, list[Ticket]] = defaultdict(list)  # by citizen id
        self._sent_by: dict[str, list[InboundMessage]] = defaultdict(list)  # by sender hash
        for message in messages:
            self._sent_by[message.sender_hash].append(message)
        self.ticket_of: dict[int, Ticket] = {}  # message id -> the ticket it belongs to
        # The chunk's new history entries and replies, inserted as plain rows (store/rows.py).
        self.rows = rows.attach(session)
        self.replies: list[rows.Row] = []  # outbound_messages rows queued by this chunk
        self.forwarding: list[Ticket] = []  # routed by this chunk, forwarded after its commit
        # (category, region code) of the chunk's complaints: their case candidates are
        # read in one query when the first is needed.
        self.case_places: set[tuple[str, str | None]] = set()
        self._ids = {m.id for m in messages}
        self._numbers: list[str] = []
        self._arrivals: dict[int, dict[str, list[tuple[int, datetime]]]] = {}
        self._ticketed: dict[int, dict[str, list[Recent]]] = {}
        self._openers: dict[int, int] = {}  # message id -> id of the ticket it opened
        self._opened_before: dict[int, Ticket] | None = None  # those tickets by id
        self._waiting: dict[int, list[Ticket]] | None = None
        self._candidates: dict[tuple[str, str | None], list[Ticket]] = {}
        self._last_reply: dict[str, dict[int, datetime]] = {}

    def open_ticket(self, **fields: object) -> Ticket:
        """A new ticket under a free number, inserted with the others by the chunk's flush."""
        if not self._numbers:
            with self.session.no_autoflush:
                self._numbers = tickets.fresh_numbers(self.session, len(self.messages))
        ticket = tickets.new_ticket(self.session, self._numbers.pop(), **fields)
        self.opened.append(ticket)
        self._opened_for[ticket.citizen_id].append(ticket)
        return ticket

    def arrivals(self, sender_hash: str, window_seconds: int) -> list[tuple[int, datetime]]:
        """(id, received_at) of the sender's messages up to this chunk's last, from
        window_seconds before its first: handled or not, of this chunk or not."""
        if window_seconds not in self._arrivals:
            since = min(m.received_at for m in self.messages) - timedelta(seconds=window_seconds)
            found: dict[str, list[tuple[int, datetime]]] = defaultdict(list)
            for id_, sender, at in self.session.connection().execute(
                    select(InboundMessage.id, InboundMessage.sender_hash,
                           InboundMessage.received_at)
                    .where(InboundMessage.sender_hash.in_(list(self.citizens)),
                           InboundMessage.id <= max(self._ids),
                           InboundMessage.received_at > since)):
                found[sender].append((id_, at))
            self._arrivals[window_seconds] = found
        return self._arrivals[window_seconds].get(sender_hash, [])

    def ticketed(self, sender_hash: str, window_seconds: int) -> list[Recent]:
        """The sender's messages that belong to a ticket, received within window_seconds of
        this chunk's messages: those handled before this chunk and those of it so far."""
        if window_seconds not in self._ticketed:
            window = timedelta(seconds=window_seconds)
            received = [m.received_at for m in self.messages]
            found: dict[str, list[Recent]] = defaultdict(list)
            # The ticket each message opened, if it opened one (a merged message did not).
            for id_, sender, at, text, opened in self.session.connection().execute(
                    select(InboundMessage.id, InboundMessage.sender_hash,
                           InboundMessage.received_at, InboundMessage.text, Ticket.id)
                    .outerjoin(Ticket, Ticket.inbound_message_id == InboundMessage.id)
                    .where(InboundMessage.sender_hash.in_(list(self.citizens)),
                           InboundMessage.ticket_id.is_not(None),
                           InboundMessage.received_at >= min(received) - window,
                           InboundMessage.received_at <= max(received) + window)):
                if id_ not in self._ids:
                    found[sender].append(Recent(id_, at, text))
                    if opened is not None:
                        self._openers[id_] = opened
            self._ticketed[window_seconds] = found
        handled = [Recent(m.id, m.received_at, m.text) for m in self._sent_by.get(sender_hash, ())
                   if m.id in self.ticket_of]
        return [*self._ticketed[window_seconds].get(sender_hash, []), *handled]

    def ticket_opened_by(self, message_id: int) -> Ticket | None:
        """The ticket a message of `ticketed` opened, None if it joined one."""
        for ticket in self.opened:
            if ticket.inbound_message_id == message_id:
                return ticket
        if message_id not in self._openers:
            return None
        if self._opened_before is None:  # all of them at once: the chunk may merge many
            with self.session.no_autoflush:
                self._opened_before = {t.id: t for t in self.session.execute(
                    select(Ticket).where(Ticket.id.in_(set(self._openers.values())))).scalars()}
        return self._opened_before.get(self._openers[message_id])

    def waiting_tickets(self, citizen_id: int) -> list[Ticket]:
        """The citizen's tickets that wait for an answer (`awaiting` set when asked, or
        opened by this chunk); the handlers check `awaiting` and their time windows."""
        if self._waiting is None:
            self._waiting = defaultdict(list)
            with self.session.no_autoflush:
                for ticket in self.session.execute(select(Ticket).where(
                        Ticket.citizen_id.in_([c.id for c in self.citizens.values()]),
                        Ticket.awaiting.is_not(None))).scalars():
                    self._waiting[ticket.citizen_id or 0].append(ticket)
        return list(dict.fromkeys([*self._waiting.get(citizen_id, []),
                                   *self._opened_for.get(citizen_id, ())]))

    def case_candidates(self, category: str, region_code: str | None) -> list[Ticket]:
        """The tickets of this category and place that may lead a case when asked, in id
        order, and those this chunk opened; cases.find_case applies its rules to them."""
        place = (category, region_code)
        if place not in self._candidates:
            places = {place} | self.case_places - set(self._candidates)
            with self.session.no_autoflush:
                found = cases.candidates(self.session, self.services.config.cases, places,
                                         slack=len(self.messages))
            for each in places:
                self._candidates[each] = found.get(each, [])
        # The handlers change the place only of a ticket they open or one that waits for it.
        waiting = [t for each in (self._waiting or {}).values() for t in each]
        mine = [t for t in [*self.opened, *waiting] if (t.category, t.region_code) == place]
        return list(dict.fromkeys([*self._candidates[place], *mine]))

    def last_reply_at(self, citizen_id: int, purpose: str) -> datetime | None:
        """When the citizen was last sent an SMS for this purpose (a template name), if ever."""
        if purpose not in self._last_reply:
            rows = self.session.connection().execute(
                select(OutboundMessage.citizen_id, func.max(OutboundMessage.created_at))
                .where(OutboundMessage.citizen_id.in_([c.id for c in self.citizens.values()]),
                       OutboundMessage.purpose == purpose)
                .group_by(OutboundMessage.citizen_id))
            self._last_reply[purpose] = {citizen: at for citizen, at in rows}
        times = [r["created_at"] for r in self.replies
                 if r["citizen_id"] == citizen_id and r["purpose"] == purpose]
        known = self._last_reply[purpose].get(citizen_id)
        return max([*times, *([known] if known else [])], default=None)
