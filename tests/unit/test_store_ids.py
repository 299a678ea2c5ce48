"""Ids taken before the INSERT (store/ids.py) are the ones the INSERTs would have given."""

from __future__ import annotations

from sms_gateway.services import Services
from sms_gateway.store.ids import assign_ids, take_ids
from sms_gateway.store.models import TicketCase


def ids_taken_then_inserted(services: Services) -> list[int]:
    """Three cases inserted, two ids taken and used, one more inserted: every id in order."""
    with services.sessions.begin() as session:
        session.add_all([TicketCase() for _ in range(3)])
        session.flush()
        taken = take_ids(session, {TicketCase: 2})[TicketCase]
        session.add_all([TicketCase(id=i) for i in taken])
        session.flush()
        session.add(last := TicketCase())
        session.flush()
        return [*taken, last.id]


def test_taken_ids_continue_the_table_as_its_inserts_would(services: Services) -> None:
    assert ids_taken_then_inserted(services) == [4, 5, 6]


def test_assign_ids_numbers_new_objects_in_the_order_they_were_added(
        services: Services) -> None:
    with services.sessions.begin() as session:
        cases = [TicketCase(created_by=f"op{i}") for i in range(3)]
        session.add_all(cases)
        assign_ids(session)
        assert [c.id for c in cases] == [1, 2, 3]
