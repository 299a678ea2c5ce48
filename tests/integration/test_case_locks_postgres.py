"""Locking the tickets of cases on Postgres while operators merge cases (store/cases.lock_cases).

Each scenario stages, with threads and pauses, an order of events that once ended in a
deadlock (Postgres aborting one transaction: an agency's or an operator's request failed):
every action on a case, and every merge, locks the tickets of the cases involved in id order,
and when a merge changed those cases while the locker waited, it gives its locks back and takes
them all again in id order, rather than the missing lower ids after higher ones.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event, exc, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

import sms_gateway.store.agency  # noqa: F401 - every table of the schema
from sms_gateway.complaints import cases
from sms_gateway.store import cases as store_cases
from sms_gateway.store.db import Base, make_engine, make_sessionmaker, retrying_deadlocks
from sms_gateway.store.models import Ticket, TicketCase

pytestmark = pytest.mark.integration


@pytest.fixture
def db(pg_url: str) -> Iterator[tuple[Engine, sessionmaker[Any]]]:
    engine = make_engine(pg_url)
    Base.metadata.create_all(engine)
    yield engine, make_sessionmaker(engine)
    engine.dispose()


def _tickets(sessions: sessionmaker[Any], layout: list[str]) -> None:
    """One ticket per label, in id order (1, 2, ...); tickets with one label share a case."""
    with sessions.begin() as s:
        ids: dict[str, int] = {}
        for label in sorted(set(layout)):
            case = TicketCase(created_by="test")
            s.add(case)
            s.flush()
            ids[label] = case.id
        s.add_all(Ticket(number=str(1_000_001 + i), category="jalan_drainase",
                         status="terdisposisi", agency_code="dinas_pupr:35.78",
                         agency_name="Dinas PUPR", description="jalan rusak",
                         case_id=ids[label]) for i, label in enumerate(layout))


def _run(*steps: tuple[str, Callable[[], None]]) -> dict[str, str]:
    """Run each step in its own thread; the errors they ended with, by step."""
    errors: dict[str, str] = {}

    def guarded(name: str, step: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                step()
            except Exception as error:  # noqa: BLE001 - a deadlock surfaces here
                errors[name] = repr(error)
        return run

    threads = [threading.Thread(target=guarded(n, f), name=n) for n, f in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads)
    return errors


def _case_ids(sessions: sessionmaker[Any]) -> list[int | None]:
    with sessions() as s:
        return list(s.execute(select(Ticket.case_id).order_by(Ticket.id)).scalars())


def _merge(sessions: sessionmaker[Any], ticket_id: int, into_id: int) -> Callable[[Session], None]:
    def merge(s: Session) -> None:
        ticket, into = s.get(Ticket, ticket_id), s.get(Ticket, into_id)
        assert ticket is not None and into is not None
        cases.merge(s, ticket, into, actor="operator:test")
    return merge


def test_an_action_queued_behind_a_merge_locks_the_merged_case_in_id_order(
        db: tuple[Engine, sessionmaker[Any]]) -> None:
    """A merge moves case A (tickets 1, 2) into case C (3, 4). Two actions on case C wait for
    it; once it commits, case C holds 1-4. The first locked 3 and 4 before the merge committed
    and must now lock 1 and 2 too; the second starts afresh, takes 1 and 2, then waits for 3.
    Had the first taken 1 and 2 after 3 and 4, the two would each hold what the other wants."""
    engine, sessions = db
    _tickets(sessions, ["A", "A", "C", "C"])
    merged, first_locked = threading.Event(), threading.Event()

    def merge() -> None:
        with sessions.begin() as s:
            _merge(sessions, 1, 3)(s)
            merged.set()
            time.sleep(0.7)  # the first action waits for ticket 3 meanwhile

    def first() -> None:
        assert merged.wait(10)
        with sessions.begin() as s:
            ticket = store_cases.for_change(s, select(Ticket).where(Ticket.id == 4))
            assert ticket is not None
            first_locked.set()
            time.sleep(0.5)  # the second starts meanwhile
            siblings = store_cases.siblings(s, ticket)
            assert sorted(t.id for t in siblings) == [1, 2, 3]
            for each in [ticket, *siblings]:
                each.status = "diproses"

    def second() -> None:
        assert first_locked.wait(10)
        with sessions.begin() as s:
            ticket = store_cases.for_change(s, select(Ticket).where(Ticket.id == 3))
            assert ticket is not None and ticket.status == "diproses"

    assert _run(("merge", merge), ("first", first), ("second", second)) == {}
    assert len(set(_case_ids(sessions))) == 1


def test_a_merge_whose_cases_changed_while_it_waited_locks_them_again_in_id_order(
        db: tuple[Engine, sessionmaker[Any]]) -> None:
    """Merge M0 moves case A (1, 2) into case C (3, 4); merge M1 (3 into D: 5) waits for it and
    then holds 3, 4, 5. Meanwhile an action on case C takes 1 and 2 and waits for 3. M1 finds
    1 and 2 in the case now: taking them after 3-5 would deadlock with the action; it gives
    its locks back and takes 1-5 in order, after the action."""
    engine, sessions = db
    _tickets(sessions, ["A", "A", "C", "C", "D"])
    m0_done, m1_locked = threading.Event(), threading.Event()

    def pause_m1(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if threading.current_thread().name == "M1" and "FOR NO KEY UPDATE" in statement \
                and not m1_locked.is_set():
            m1_locked.set()
            time.sleep(1.0)  # the action locks 1 and 2 meanwhile

    event.listen(engine, "after_cursor_execute", pause_m1)

    def m0() -> None:
        with sessions.begin() as s:
            _merge(sessions, 1, 3)(s)
            m0_done.set()
            time.sleep(0.7)  # M1 waits for ticket 3

    def m1() -> None:
        assert m0_done.wait(10)
        with sessions.begin() as s:
            _merge(sessions, 3, 5)(s)

    def action() -> None:
        assert m1_locked.wait(10)
        time.sleep(0.2)
        with sessions.begin() as s:
            ticket = store_cases.for_change(s, select(Ticket).where(Ticket.id == 4))
            assert ticket is not None
            ticket.status = "diproses"

    assert _run(("M0", m0), ("M1", m1), ("action", action)) == {}
    assert len(set(_case_ids(sessions))) == 1


def test_a_merge_that_postgres_aborts_to_break_a_deadlock_is_run_again(
        db: tuple[Engine, sessionmaker[Any]]) -> None:
    """A chunk joins reporters to the leads of two cases in message order (B's lead 2, then
    A's lead 1) while an operator merges A into B: each holds one lead and wants the other.
    Postgres aborts one; the operator's merge is run again (store/db.retrying_deadlocks)."""
    engine, sessions = db
    _tickets(sessions, ["A", "B"])
    holds_2 = threading.Event()
    tries: list[int] = []

    def chunk() -> None:
        with sessions.begin() as s:
            s.execute(select(Ticket).where(Ticket.id == 2).with_for_update(key_share=True))
            holds_2.set()
            time.sleep(0.5)  # the merge locks 1 and waits for 2 meanwhile
            s.execute(select(Ticket).where(Ticket.id == 1).with_for_update(key_share=True))

    def operator() -> None:
        assert holds_2.wait(10)

        def merge() -> None:
            tries.append(1)
            with sessions.begin() as s:
                _merge(sessions, 1, 2)(s)

        retrying_deadlocks(merge)

    errors = _run(("chunk", chunk), ("operator", operator))
    assert "operator" not in errors
    assert len(tries) == 1 + ("chunk" not in errors)  # run again if it was the one aborted
    assert _case_ids(sessions)[0] == _case_ids(sessions)[1]


def test_retrying_deadlocks_gives_up_after_its_tries_and_lets_other_errors_through() -> None:
    class Deadlock(Exception):
        sqlstate = "40P01"

    runs: list[int] = []

    def deadlocked() -> None:
        runs.append(1)
        raise exc.OperationalError("UPDATE tickets", {}, Deadlock())

    with pytest.raises(exc.OperationalError):
        retrying_deadlocks(deadlocked, tries=3)
    assert len(runs) == 3

    def broken() -> None:
        runs.append(1)
        raise exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    runs.clear()
    with pytest.raises(exc.OperationalError):
        retrying_deadlocks(broken)
    assert len(runs) == 1
