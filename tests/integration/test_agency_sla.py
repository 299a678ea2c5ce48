"""SLA deadlines on Postgres with explicit times across Indonesian holidays (May 2026, Lebaran).

Ascension Day (Thu 14 May 2026) and its cuti bersama (Fri 15 May) are not working days: a
ticket dispositioned on Tue 12 May is due by the end of Thu 21 May, not Tue 19 May.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from sms_gateway.agency.deliveries import dispose
from sms_gateway.agency.records import directory_for
from sms_gateway.jobs.sla import check_deadlines
from sms_gateway.services import Services
from sms_gateway.store import tickets
from sms_gateway.store.agency import AgencyDelivery, SlaBreach
from sms_gateway.store.models import Ticket, TicketEvent

pytestmark = pytest.mark.integration

DISPOSITIONED = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)  # Tue 10:00 in Jakarta
NAIVE_DUE = datetime(2026, 5, 19, 17, 1, tzinfo=UTC)  # just after Tue 19 May in Jakarta
DUE_END = datetime(2026, 5, 21, 17, 0, tzinfo=UTC)  # Fri 22 May 00:00 in Jakarta
ANSWERED = datetime(2026, 3, 13, 3, 0, tzinfo=UTC)  # Fri before Nyepi and Lebaran leave
AUTO_CLOSE = datetime(2026, 4, 6, 17, 0, tzinfo=UTC)  # end of Mon 6 Apr in Jakarta


def _ticket(services: Services, at: datetime, status: str = "terdisposisi") -> int:
    with services.sessions.begin() as session:
        ticket = tickets.open_ticket(session, category="jalan_drainase", region_code="35.78")
        tickets.apply_route(session, ticket, directory=directory_for(services))
        dispose(services, session, ticket)
        if status == "selesai":
            tickets.set_status(session, ticket, "selesai", actor="agency:test")
            ticket.awaiting = "rating"
        session.execute(update(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                        .values(at=at))
        return ticket.id


def _breaches(services: Services) -> list[tuple[str, str | None]]:
    with services.sessions() as session:
        return list(session.execute(select(SlaBreach.stage, SlaBreach.escalated_to)).all())


def test_holidays_extend_the_response_deadline(prod_services: Services) -> None:
    _ticket(prod_services, DISPOSITIONED)
    check_deadlines(now=NAIVE_DUE)
    assert _breaches(prod_services) == []


def test_missed_deadline_is_recorded_and_escalated_to_the_province(
        prod_services: Services) -> None:
    _ticket(prod_services, DISPOSITIONED)
    check_deadlines(now=DUE_END)
    assert _breaches(prod_services) == [("tindak_lanjut", "pengelola_lapor:35")]


def test_deadline_is_not_missed_a_minute_before_it_ends(prod_services: Services) -> None:
    _ticket(prod_services, DISPOSITIONED)
    check_deadlines(now=DUE_END - timedelta(minutes=1))
    assert _breaches(prod_services) == []


def test_breach_is_recorded_once(prod_services: Services) -> None:
    _ticket(prod_services, DISPOSITIONED)
    check_deadlines(now=DUE_END)
    check_deadlines(now=DUE_END + timedelta(days=4))
    assert len(_breaches(prod_services)) == 1


def test_escalation_reaches_the_province_admin_through_the_api(prod_services: Services) -> None:
    ticket_id = _ticket(prod_services, DISPOSITIONED)
    check_deadlines(now=DUE_END)
    with prod_services.sessions() as session:
        rows = session.execute(select(AgencyDelivery.agency_code, AgencyDelivery.purpose).where(
            AgencyDelivery.ticket_id == ticket_id, AgencyDelivery.purpose == "escalation")).all()
    assert rows == [("pengelola_lapor:35", "escalation")]


def test_answered_ticket_stays_open_until_ten_working_days_pass(
        prod_services: Services) -> None:
    ticket_id = _ticket(prod_services, ANSWERED, status="selesai")
    check_deadlines(now=datetime(2026, 4, 6, 12, 0, tzinfo=UTC))
    with prod_services.sessions() as session:
        assert session.get(Ticket, ticket_id).status == "selesai"


def test_answered_ticket_is_archived_after_ten_working_days(prod_services: Services) -> None:
    ticket_id = _ticket(prod_services, ANSWERED, status="selesai")
    check_deadlines(now=AUTO_CLOSE)
    with prod_services.sessions() as session:
        assert session.get(Ticket, ticket_id).status == "arsip"


def test_tickets_that_are_only_old_do_not_hide_an_overdue_one(
        prod_services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    # Dispositioned on Mon 18 May: 3.6 days old at DUE_END, due on Mon 25 May. Older ids than
    # the overdue ticket: a batch that took "old" tickets first was filled by them for good.
    monkeypatch.setattr("sms_gateway.agency.sla.BATCH", 2)
    for _ in range(3):
        _ticket(prod_services, datetime(2026, 5, 18, 3, 0, tzinfo=UTC))
    late = _ticket(prod_services, DISPOSITIONED)
    check_deadlines(now=DUE_END)
    with prod_services.sessions() as session:
        breached = session.execute(select(SlaBreach.ticket_id)).scalars().all()
    assert breached == [late]


def test_a_backlog_bigger_than_a_batch_is_cleared_in_one_round(
        prod_services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sms_gateway.agency.sla.BATCH", 2)
    late = {_ticket(prod_services, DISPOSITIONED) for _ in range(5)}
    report = check_deadlines(now=DUE_END)
    with prod_services.sessions() as session:
        breached = set(session.execute(select(SlaBreach.ticket_id)).scalars())
    assert (report.breaches, breached) == (5, late)


def test_a_case_is_escalated_once_for_all_its_reporters(prod_services: Services) -> None:
    from sms_gateway.complaints.cases import join

    lead_id, other_id = _ticket(prod_services, DISPOSITIONED), _ticket(prod_services,
                                                                       DISPOSITIONED)
    with prod_services.sessions.begin() as session:
        lead, other = session.get(Ticket, lead_id), session.get(Ticket, other_id)
        join(session, other, lead)
        session.execute(update(TicketEvent).where(TicketEvent.ticket_id == other_id)
                        .values(at=DISPOSITIONED))
        lead_number = lead.number
    check_deadlines(now=DUE_END)
    with prod_services.sessions() as session:
        escalations = session.execute(select(AgencyDelivery.ticket_id).where(
            AgencyDelivery.purpose == "escalation")).scalars().all()
        other_event = session.execute(select(TicketEvent.detail).where(
            TicketEvent.ticket_id == other_id, TicketEvent.kind == "escalated")).scalar_one()
    assert (len(_breaches(prod_services)), escalations, other_event.get("case_of")) == (
        2, [lead_id], lead_number)
