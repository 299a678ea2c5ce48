"""Races of the batched worker path on Postgres: two chunks that picked the same ticket
numbers, an operator's action on a ticket a chunk answers, two chunks joining one case.

A chunk that loses a race on a unique key is rolled back and its messages are processed one
by one (complaints/inbound.process_batch): every message ends handled, with one ticket at
most and one reply, and what the other transaction committed stands."""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, or_, select

from sms_gateway.app import create_app
from sms_gateway.complaints import actions, cases, inbound
from sms_gateway.services import Services, build_services, set_current
from sms_gateway.store import cases as store_cases
from sms_gateway.store import tickets
from sms_gateway.store.models import InboundMessage, OutboundMessage, Ticket, TicketEvent
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms
from tests.support.agency import auth, token_for
from tests.support.chunk_scenario import (
    SAME_ROAD,
    HoldingDispatcher,
    gateway,
    hold_forwards,
    prologue,
    store,
)

pytestmark = pytest.mark.integration


def _complaints(services: Any, first: int, n: int) -> list[int]:
    """n complaints from n senders of their own, each one a new ticket."""
    return [store_inbound(services, "console", "console", IncomingSms(
        f"c-{uuid.uuid4().hex}", f"+62813{60000000 + first + i:08d}", "1708",
        f"jalan rusak parah nomor {i} di kota bandung", {})).message_id for i in range(n)]


def test_two_chunks_that_drew_the_same_ticket_numbers(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(inbound, "forward_many", hold_forwards)
    first = gateway(tmp_path / "w1", url=pg_url)
    second = build_services(first.config, dispatcher=HoldingDispatcher(), install=False)
    # Each worker (thread) draws the same numbers in the same order: the two chunks collide.
    drawn = threading.local()

    def same_numbers() -> str:
        if not hasattr(drawn, "next"):
            drawn.next = itertools.count(1_000_000)
        return str(next(drawn.next))

    monkeypatch.setattr(tickets, "new_ticket_number", same_numbers)
    try:
        ones, twos = _complaints(first, 0, 6), _complaints(first, 100, 6)
        with first.sessions.begin() as s:  # senders known already: no INSERT serialises them
            inbound.citizens_for(s, first, s.execute(select(InboundMessage)).scalars().all())
        held = threading.Event()

        def linger(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            # Its numbers drawn, the first worker pauses at its first INSERT (the tickets');
            # the other draws the same ones meanwhile, inserts them and waits for this one.
            if statement.lstrip().upper().startswith("INSERT") and not held.is_set():
                held.set()
                time.sleep(0.7)

        event.listen(first.engine, "after_cursor_execute", linger)
        one = threading.Thread(target=inbound.process_batch, args=(first, ones))
        with caplog.at_level(logging.WARNING, logger=inbound.__name__):
            one.start()
            assert held.wait(10)
            inbound.process_batch(second, twos)
            one.join(30)
        # The collision happened: the second chunk failed together and went one by one.
        assert "failed together" in caplog.text
        assert "UniqueViolation" in caplog.text and "number" in caplog.text
        with first.sessions() as s:
            messages = s.execute(select(InboundMessage)).scalars().all()
            numbers = s.execute(select(Ticket.number)).scalars().all()
            opened_by = Counter(s.execute(select(Ticket.inbound_message_id)).scalars())
            replies = Counter(s.execute(select(OutboundMessage.inbound_message_id)).scalars())
        assert {(m.state, m.outcome, m.attempts) for m in messages} == {
            ("processed", "ticket_created", 0)}
        assert len(numbers) == len(set(numbers)) == 12
        assert opened_by == Counter({m.id: 1 for m in messages})  # one ticket per message
        assert replies == Counter({m.id: 1 for m in messages})  # and one reply
    finally:
        second.close()
        first.close()


def test_an_operator_closing_a_ticket_while_a_chunk_holds_its_citizen(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The chunk locks the citizen, then the ticket that waits for the citizen's answer; the
    operator's close locks that ticket, then queues the citizen's SMS, whose foreign key
    checks the citizen's row. Under FOR UPDATE on the citizen that check waited for the
    chunk while the chunk waited for the ticket: a deadlock, the chunk its victim, processed
    again one by one. Under FOR NO KEY UPDATE the close goes through at once and the chunk
    finds the ticket closed, in one go."""
    monkeypatch.setattr(inbound, "forward_many", hold_forwards)
    first = gateway(tmp_path / "w1", url=pg_url)
    console = build_services(first.config, dispatcher=HoldingDispatcher(), install=False)
    try:
        prologue(first)  # "asked" has a ticket that waits for a choice of place
        with first.sessions() as s:
            asked = s.execute(select(Ticket).where(Ticket.awaiting.is_not(None))).scalar_one()
        assert asked.awaiting == "location"
        answer = store(first, [("asked", "2")])
        held = threading.Event()

        def linger(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            # The citizen locked, the worker pauses; the operator closes the ticket meanwhile
            # (under FOR UPDATE its SMS waits for the worker, which then waits for the ticket).
            locks = "FOR UPDATE" in statement or "FOR NO KEY UPDATE" in statement
            if locks and "citizens" in statement and not held.is_set():
                held.set()
                time.sleep(1.5)

        event.listen(first.engine, "after_cursor_execute", linger)
        one = threading.Thread(target=inbound.process_batch, args=(first, answer))
        with caplog.at_level(logging.WARNING, logger=inbound.__name__):
            one.start()
            assert held.wait(10)
            with console.sessions.begin() as s:
                ticket = s.get(Ticket, asked.id, with_for_update=True)
                assert ticket is not None
                actions.close(console, s, ticket, "operator:x", "ditutup", actions.Effects())
            one.join(30)
        assert "deadlock detected" not in caplog.text
        assert "failed together" not in caplog.text
        set_current(first)
        with first.sessions() as s:
            message = s.get(InboundMessage, answer[0])
            ticket = s.get(Ticket, asked.id)
            replies = Counter(s.execute(select(OutboundMessage.purpose).where(
                OutboundMessage.inbound_message_id == answer[0])).scalars())
            closed = s.execute(select(OutboundMessage.id).where(
                OutboundMessage.ticket_id == asked.id,
                OutboundMessage.purpose == "update_arsip")).scalars().all()
        assert message is not None and ticket is not None
        assert (message.state, message.attempts) == ("processed", 0)
        assert ticket.status == "arsip" and ticket.awaiting is None  # the operator's close stands
        assert len(closed) == 1
        # "2" answers no waiting ticket any more: it goes to review, acknowledged once.
        assert (message.outcome, replies) == ("review", Counter({"review_ack": 1}))
    finally:
        console.close()
        first.close()


def test_two_chunks_join_the_same_lead_that_had_no_case_yet(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both chunks read the lead without a case and open one for it: the one that writes the
    lead's case second must join the first's case, not move the lead into its own (which
    would leave the first's reporters in a case without the ticket the agency answers)."""
    monkeypatch.setattr(inbound, "forward_many", hold_forwards)
    first = gateway(tmp_path / "w1", url=pg_url)
    second = build_services(first.config, dispatcher=HoldingDispatcher(), install=False)
    try:
        prologue(first)  # "lead" forwarded: a ticket with an agency, no case yet
        with first.sessions() as s:
            lead = s.execute(select(Ticket).where(Ticket.awaiting.is_(None))).scalar_one()
        assert (lead.status, lead.case_id) == ("terdisposisi", None)
        one, two = store(first, [("reporter", SAME_ROAD), ("other", SAME_ROAD)])
        with first.sessions.begin() as s:  # senders known already: no INSERT serialises them
            inbound.citizens_for(s, first, s.execute(select(InboundMessage)).scalars().all())
        held = threading.Event()

        def linger(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            # The first worker pauses at its case's INSERT; the other reads the lead meanwhile.
            if statement.lstrip().upper().startswith("INSERT") and not held.is_set():
                held.set()
                time.sleep(0.7)

        event.listen(first.engine, "after_cursor_execute", linger)
        worker = threading.Thread(target=inbound.process_batch, args=(first, [one]))
        worker.start()
        assert held.wait(10)
        inbound.process_batch(second, [two])
        worker.join(30)
        with first.sessions() as s:
            outcomes = set(s.execute(select(InboundMessage.outcome).where(
                InboundMessage.id.in_([one, two]))).scalars())
            cases = s.execute(select(Ticket.case_id).where(or_(
                Ticket.id == lead.id, Ticket.inbound_message_id.in_([one, two])))
                .order_by(Ticket.id)).scalars().all()
        assert outcomes == {"case_joined"}
        assert len(cases) == 3 and cases[0] is not None and cases == [cases[0]] * 3
    finally:
        second.close()
        first.close()


def test_an_operator_closing_the_ticket_a_chunk_has_read_as_waiting(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The chunk has read the ticket that waits for the citizen's answer; the operator closes
    it meanwhile. The chunk holds the ticket until it commits, so the close comes after the
    answer and applies to the ticket as the answer left it, not the other way round (the
    chunk writing the place and route it decided on a ticket that had been closed)."""
    monkeypatch.setattr(inbound, "forward_many", hold_forwards)
    first = gateway(tmp_path / "w1", url=pg_url)
    console = build_services(first.config, dispatcher=HoldingDispatcher(), install=False)
    try:
        prologue(first)
        with first.sessions() as s:
            asked = s.execute(select(Ticket).where(Ticket.awaiting.is_not(None))).scalar_one()
        answer = store(first, [("asked", "2")])
        held = threading.Event()

        def linger(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            # The waiting ticket read, the worker pauses; the operator closes it meanwhile.
            if ("FROM tickets" in statement and "awaiting IS NOT NULL" in statement
                    and not held.is_set()):
                held.set()
                time.sleep(1.0)

        event.listen(first.engine, "after_cursor_execute", linger)
        worker = threading.Thread(target=inbound.process_batch, args=(first, answer))
        worker.start()
        assert held.wait(10)
        with console.sessions.begin() as s:
            ticket = s.get(Ticket, asked.id, with_for_update=True)
            assert ticket is not None
            actions.close(console, s, ticket, "operator:x", "ditutup", actions.Effects())
        worker.join(30)
        with first.sessions() as s:
            message = s.get(InboundMessage, answer[0])
            ticket = s.get(Ticket, asked.id)
            kinds = s.execute(select(TicketEvent.kind).where(
                TicketEvent.ticket_id == asked.id).order_by(TicketEvent.id)).scalars().all()
        assert message is not None and ticket is not None
        assert message.state == "processed" and message.ticket_id == asked.id
        assert (ticket.status, ticket.awaiting) == ("arsip", None)
        assert kinds[-1] == "status" and "routed" in kinds  # routed by the answer, then closed
    finally:
        console.close()
        first.close()


@pytest.mark.parametrize("first_in", ["citizen", "agency"])
def test_a_citizens_batal_and_an_agencys_answer_at_once(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, first_in: str) -> None:
    """A citizen withdraws a forwarded ticket (BATAL) while its agency answers it (selesai)
    through the API.

    Both check the lifecycle against the status they read, then write. Read without a lock,
    both read terdisposisi and the later commit wins over a move it never saw: a ticket
    `dibatalkan` whose history says it was selesai, the citizen told both. Locked on read
    (store/tickets.for_change), the second waits for the first and acts on what it wrote:
    whichever comes first stands, the other is refused, the citizen hears one of them."""
    monkeypatch.setattr(inbound, "forward_many", hold_forwards)
    first = gateway(tmp_path / "w1", url=pg_url)
    agency = build_services(first.config, dispatcher=HoldingDispatcher(), install=False)
    try:
        prologue(first)  # "lead" has a forwarded ticket
        with first.sessions() as s:
            lead = s.execute(select(Ticket).where(Ticket.awaiting.is_(None))).scalar_one()
        assert lead.status == "terdisposisi" and lead.agency_code
        batal = store(first, [("lead", f"BATAL {lead.number}")])
        paused = threading.Event()
        client = create_app(services=agency, start_background=False).test_client()
        token = token_for(agency, lead.agency_code)
        answers: list[Any] = []

        def answer() -> None:  # through the agency API, as an agency's system would
            answers.append(client.post(f"/api/v1/tickets/{lead.number}/status",
                                       headers=auth(token), json={
                                           "status": "selesai",
                                           "response": "Jalan sudah diperbaiki"}))

        def hold(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            # The API pauses once it has locked the ticket; the worker reads it meanwhile.
            if "FROM tickets" in statement and "tickets.number =" in statement \
                    and "FOR NO KEY UPDATE" in statement and not paused.is_set():
                paused.set()
                time.sleep(1.5)

        def linger(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            # The worker pauses once it has read the ticket BATAL names; the agency answers.
            if ("tickets.number =" in statement and "tickets.citizen_id =" in statement
                    and not paused.is_set()):
                paused.set()
                time.sleep(1.5)

        if first_in == "citizen":
            event.listen(first.engine, "after_cursor_execute", linger)
            worker = threading.Thread(target=inbound.process_batch, args=(first, batal))
            worker.start()
            assert paused.wait(10)
            answer()
        else:
            event.listen(agency.engine, "after_cursor_execute", hold)
            agency_thread = threading.Thread(target=answer)
            agency_thread.start()
            assert paused.wait(10)
            inbound.process_batch(first, batal)
            worker = agency_thread
        worker.join(30)
        with first.sessions() as s:
            ticket = s.get(Ticket, lead.id)
            moves = s.execute(select(TicketEvent.from_status, TicketEvent.to_status).where(
                TicketEvent.ticket_id == lead.id, TicketEvent.kind == "status")
                .order_by(TicketEvent.id)).all()
            told = Counter(s.execute(select(OutboundMessage.purpose).where(
                OutboundMessage.ticket_id == lead.id,
                OutboundMessage.purpose.in_(["cancelled", "cancel_refused", "update_selesai"])))
                .scalars())
            outcome = s.get(InboundMessage, batal[0])
        assert ticket is not None and outcome is not None
        # The history is one chain: each move starts where the one before ended.
        assert all(a[1] == b[0] for a, b in itertools.pairwise(moves)), moves
        assert moves[-1][1] == ticket.status
        if first_in == "citizen":
            assert ticket.status == "dibatalkan"
            assert answers[0].status_code == 409, answers[0].get_json()
            assert told == Counter({"cancelled": 1})
        else:
            assert answers[0].status_code == 200, answers[0].get_json()
            assert ticket.status == "selesai"
            assert outcome.outcome == "cancel_refused"
            assert told == Counter({"update_selesai": 1, "cancel_refused": 1})
    finally:
        agency.close()
        first.close()


@contextlib.contextmanager
def _lead_and_reporter(tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
                       ) -> Iterator[tuple[Services, Services, Ticket, Ticket]]:
    """A forwarded ticket ("lead") and a reporter in its case; the worker's services and a
    console's, on one Postgres database."""
    monkeypatch.setattr(inbound, "forward_many", hold_forwards)
    first = gateway(tmp_path / "w1", url=pg_url)
    console = build_services(first.config, dispatcher=HoldingDispatcher(), install=False)
    try:
        prologue(first)  # "lead" forwarded
        for message_id in store(first, [("reporter", SAME_ROAD)]):
            inbound.process(first, message_id)
        with first.sessions() as s:
            lead, reporter = s.execute(select(Ticket).where(Ticket.case_id.is_not(None))
                                       .order_by(Ticket.id)).scalars().all()
        yield first, console, lead, reporter
    finally:
        console.close()
        first.close()


def test_two_actions_on_two_tickets_of_one_case_at_once(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The agency answers the lead of a case while an operator answers another of its tickets.

    Each action changes every ticket of the case. Had each locked its own ticket first and the
    others after, each would hold one and wait for the other: a deadlock, one request failed.
    Both lock the case's tickets in id order first (store/cases.for_change): the second waits,
    then acts on what the first wrote."""
    with _lead_and_reporter(tmp_path, pg_url, monkeypatch) as (first, console, lead, reporter):
        assert lead.case_id == reporter.case_id and lead.agency_code
        client = create_app(services=first, start_background=False).test_client()
        token = token_for(first, lead.agency_code)
        paused, answers, errors = threading.Event(), [], []

        def hold(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            # The agency's request pauses once it has locked its first ticket rows (not after
            # the attempt to lock the ticket alone, which finds it in a case and locks nothing).
            if "FOR NO KEY UPDATE" in statement and "FROM tickets" in statement \
                    and cursor.rowcount > 0 and not paused.is_set():
                paused.set()
                time.sleep(1.5)

        def answer() -> None:
            answers.append(client.post(f"/api/v1/tickets/{lead.number}/status",
                                       headers=auth(token), json={
                                           "status": "diproses",
                                           "response": "Sedang kami tangani"}))

        event.listen(first.engine, "after_cursor_execute", hold)
        agency_thread = threading.Thread(target=answer)
        agency_thread.start()
        assert paused.wait(10)
        try:  # the operator answers on the reporter's ticket: selesai, for the whole case
            with console.sessions.begin() as s:
                ticket = store_cases.for_change(
                    s, select(Ticket).where(Ticket.number == reporter.number))
                assert ticket is not None
                actions.change_status(console, s, ticket, "operator:x", "selesai",
                                      "Sudah diperbaiki", actions.Effects())
        except Exception as exc:  # noqa: BLE001 - a deadlock would surface here
            errors.append(repr(exc))
        agency_thread.join(30)
        assert not agency_thread.is_alive() and errors == []
        assert answers[0].status_code == 200, answers[0].get_json()
        with first.sessions() as s:
            final = {t.id: t.status for t in s.execute(
                select(Ticket).where(Ticket.id.in_([lead.id, reporter.id]))).scalars()}
            for ticket_id in (lead.id, reporter.id):
                moves = s.execute(select(TicketEvent.from_status, TicketEvent.to_status).where(
                    TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "status")
                    .order_by(TicketEvent.id)).all()
                assert all(a[1] == b[0] for a, b in itertools.pairwise(moves)), moves
        # The agency's diproses came first (the operator waited for it), then the operator's
        # selesai, each for both tickets: every history a chain ending where the ticket is.
        assert final == {lead.id: "selesai", reporter.id: "selesai"}


@pytest.mark.parametrize("chunk_holds_the_lead", [True, False])
def test_an_operator_merging_a_case_while_a_chunk_joins_a_reporter_to_it(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch,
        chunk_holds_the_lead: bool) -> None:
    """A chunk joins a new reporter to a case while an operator merges that case into another
    ticket's; either way the new reporter ends in the merged case, not alone in the old one
    that no agency answers. The chunk holds the case's lead when the merge starts: the merge
    waits for it, then moves the new reporter with the rest (store/cases.for_regroup). Or the
    chunk has read the lead, with its old case, and the merge commits before the chunk locks
    it: the chunk reads the lead's case again under its lock (complaints/cases.join)."""
    with _lead_and_reporter(tmp_path, pg_url, monkeypatch) as (first, console, lead, reporter):
        elsewhere = store_inbound(first, "console", "console", IncomingSms(
            f"c-{uuid.uuid4().hex}", "+6281377000001", "1708",
            "Jalan rusak berlubang dalam di Kelurahan Jemur Wonosari Kecamatan Wonocolo "
            "Kota Surabaya, banyak pengendara jatuh", {})).message_id
        inbound.process(first, elsewhere)
        assert isinstance(first.dispatcher, HoldingDispatcher)
        first.dispatcher.release(first)
        with first.sessions() as s:
            other = s.execute(select(Ticket).where(
                Ticket.inbound_message_id == elsewhere)).scalar_one()
        assert lead.case_id == reporter.case_id and other.case_id is None
        assert other.agency_code == lead.agency_code
        (late,) = store(first, [("other", SAME_ROAD)])
        with first.sessions.begin() as s:  # the sender known already
            inbound.citizens_for(s, first, s.execute(select(InboundMessage).where(
                InboundMessage.id == late)).scalars().all())
        paused = threading.Event()

        def hold(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            # The chunk pauses just after (or before) it locks the lead it joins the new
            # reporter to: the merge waits for it (or runs and commits meanwhile).
            # (The lead's columns read under a lock: not a whole ticket, which starts with
            # its id; not the awaiting tickets' ids locked earlier.)
            locks_lead = "FOR NO KEY UPDATE" in statement and statement.startswith(
                "SELECT tickets.") and not statement.startswith("SELECT tickets.id")
            if locks_lead and not paused.is_set():
                paused.set()
                time.sleep(1.5 if chunk_holds_the_lead else 0)
                if not chunk_holds_the_lead:
                    assert merged_now.wait(10)

        merged_now = threading.Event()
        event.listen(first.engine, "after_cursor_execute" if chunk_holds_the_lead
                     else "before_cursor_execute", hold)
        worker = threading.Thread(target=inbound.process_batch, args=(first, [late]))
        worker.start()
        assert paused.wait(10)
        with console.sessions.begin() as s:
            ticket = s.get(Ticket, reporter.id)
            into = s.get(Ticket, other.id)
            assert ticket is not None and into is not None
            merged = cases.merge(s, ticket, into, actor="operator:x")
        merged_now.set()
        worker.join(30)
        assert not worker.is_alive()
        with first.sessions() as s:
            outcome = s.execute(select(InboundMessage.outcome).where(
                InboundMessage.id == late)).scalar_one()
            grouped = dict(s.execute(select(Ticket.id, Ticket.case_id).where(
                Ticket.case_id.is_not(None))).all())
            joined = s.execute(select(Ticket.id).where(
                Ticket.inbound_message_id == late)).scalar_one()
        assert outcome == "case_joined"
        assert grouped == dict.fromkeys([lead.id, reporter.id, other.id, joined], merged)
