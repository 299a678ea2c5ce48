"""Operators' decisions: tickets and their SMS, attachments, questions, spam, labels."""

from __future__ import annotations

from sqlalchemy import select

from sms_gateway.store.console import AuditEntry, LabelledExample
from sms_gateway.store.models import InboundMessage, OutboundMessage, Ticket, TicketEvent
from tests.unit.console.conftest import add_pending

KETINTANG = "35.78.22.1004"


def _decide(client, message_id, **form):
    client.get(f"/console/review/{message_id}")
    return client.post(f"/console/review/{message_id}", data={"csrf_token": client.csrf, **form})


def _outbound(services):
    with services.sessions() as s:
        return list(s.execute(select(OutboundMessage).order_by(OutboundMessage.id)).scalars())


def _ticket(services):
    with services.sessions() as s:
        return s.execute(select(Ticket)).scalar_one()


def test_created_ticket_sms_is_sent_through_the_outbound_channel(login, services):
    message_id = add_pending(services, "jalan depan rumah rusak parah")
    _decide(login("operator"), message_id, action="ticket", category="jalan_drainase",
            region_code=KETINTANG)
    ticket = _ticket(services)
    sent = [sms.body for sms in services.channels["console"].sent]
    assert sent == [f"Laporan diterima. Nomor tiket #{ticket.number}. Diteruskan ke Dinas "
                    f"Pekerjaan Umum dan Penataan Ruang Kota Surabaya. Cek status: kirim CEK "
                    f"{ticket.number} ke 1708."]


def test_created_ticket_sms_row_is_marked_sent(login, services):
    message_id = add_pending(services)
    _decide(login("operator"), message_id, action="ticket", category="jalan_drainase",
            region_code=KETINTANG)
    assert [(o.purpose, o.status) for o in _outbound(services)] == [("ticket_created", "sent")]


def test_created_ticket_is_routed_and_forwarded(login, services):
    message_id = add_pending(services)
    _decide(login("operator"), message_id, action="ticket", category="jalan_drainase",
            region_code=KETINTANG)
    ticket = _ticket(services)
    assert (ticket.agency_code, ticket.status) == ("dinas_pupr:35.78", "terdisposisi")


def test_decision_redirects_to_the_new_ticket(login, services):
    message_id = add_pending(services)
    response = _decide(login("operator"), message_id, action="ticket",
                       category="jalan_drainase", region_code=KETINTANG)
    assert response.headers["Location"] == f"/console/tickets/{_ticket(services).number}"


def test_operator_chosen_agency_replaces_the_routing_suggestion(login, services):
    message_id = add_pending(services)
    _decide(login("operator"), message_id, action="ticket", category="jalan_drainase",
            region_code=KETINTANG, agency_code="dlh:35.78")
    assert _ticket(services).agency_code == "dlh:35.78"


def test_ticket_without_a_location_asks_the_citizen_where(login, services):
    message_id = add_pending(services)
    _decide(login("operator"), message_id, action="ticket", category="jalan_drainase")
    assert [o.purpose for o in _outbound(services)] == ["ask_location"]


def test_privacy_choices_are_kept_on_the_ticket(login, services):
    message_id = add_pending(services)
    _decide(login("operator"), message_id, action="ticket", category="bansos",
            region_code=KETINTANG, anonymous="1", confidential="1")
    ticket = _ticket(services)
    assert (ticket.anonymous, ticket.confidential) == (True, True)


def test_unknown_category_is_refused_and_the_message_stays_pending(login, services):
    message_id = add_pending(services)
    response = _decide(login("operator"), message_id, action="ticket", category="nope")
    with services.sessions() as s:
        status = s.get(InboundMessage, message_id).review_status
    assert (response.status_code, status) == (400, "pending")


def test_review_event_names_the_operator(login, services):
    message_id = add_pending(services)
    _decide(login("operator", email="ani@example.id"), message_id, action="ticket",
            category="jalan_drainase", region_code=KETINTANG)
    with services.sessions() as s:
        actors = s.execute(select(TicketEvent.actor).where(
            TicketEvent.kind == "reviewed")).scalars().all()
    assert actors == ["ani@example.id"]


def test_attach_adds_the_message_to_the_senders_ticket(login, services):
    client = login("operator")
    first = add_pending(services, "jalan rusak")
    _decide(client, first, action="ticket", category="jalan_drainase", region_code=KETINTANG)
    ticket = _ticket(services)
    second = add_pending(services, "di depan nomor 12")
    _decide(client, second, action="attach", ticket_id=str(ticket.id))
    with services.sessions() as s:
        assert s.get(InboundMessage, second).ticket_id == ticket.id


def test_attach_refuses_another_citizens_ticket(login, services):
    client = login("operator")
    first = add_pending(services, "jalan rusak", sender="+6281111111111")
    _decide(client, first, action="ticket", category="jalan_drainase", region_code=KETINTANG)
    other = add_pending(services, "ikut tiket orang", sender="+6282222222222")
    response = _decide(client, other, action="attach", ticket_id=str(_ticket(services).id))
    assert response.status_code == 400


def test_review_page_lists_the_senders_open_tickets(login, services):
    client = login("operator")
    first = add_pending(services, "jalan rusak")
    _decide(client, first, action="ticket", category="jalan_drainase", region_code=KETINTANG)
    second = add_pending(services, "tambahan")
    page = client.get(f"/console/review/{second}").get_data(as_text=True)
    assert f"#{_ticket(services).number}" in page


def test_question_is_sent_to_the_citizen(login, services):
    message_id = add_pending(services)
    _decide(login("operator"), message_id, action="ask", reply_text="Di mana lokasinya?")
    assert [sms.body for sms in services.channels["console"].sent] == ["Di mana lokasinya?"]


def test_question_longer_than_three_sms_is_refused(login, services):
    message_id = add_pending(services)
    response = _decide(login("operator"), message_id, action="ask", reply_text="x" * 460)
    assert response.status_code == 400


def test_spam_sends_nothing(login, services):
    message_id = add_pending(services)
    _decide(login("operator"), message_id, action="spam")
    assert _outbound(services) == []


def test_spam_decision_is_recorded_on_the_message(login, services):
    message_id = add_pending(services)
    _decide(login("operator"), message_id, action="spam")
    with services.sessions() as s:
        message = s.get(InboundMessage, message_id)
    assert (message.review_status, message.outcome) == ("reviewed", "spam")


def test_ticket_decision_is_kept_as_a_labelled_example(login, services):
    message_id = add_pending(services, "got mampet banjir",
                             parse={"intent": "complaint", "category": "lainnya",
                                    "region": None, "reasons": ["placeholder"]})
    _decide(login("operator"), message_id, action="ticket", category="jalan_drainase",
            region_code=KETINTANG)
    with services.sessions() as s:
        row = s.execute(select(LabelledExample)).scalar_one()
    assert (row.text, row.category, row.parser_category, row.region_code) == (
        "got mampet banjir", "jalan_drainase", "lainnya", KETINTANG)


def test_decisions_are_audited(login, services):
    message_id = add_pending(services)
    _decide(login("operator"), message_id, action="not_complaint")
    with services.sessions() as s:
        actions = s.execute(select(AuditEntry.action).where(
            AuditEntry.target_id == str(message_id))).scalars().all()
    assert actions == ["review.not_complaint"]


def test_correcting_a_reopened_ticket_message_updates_its_ticket(login, services):
    client = login("operator")
    message_id = add_pending(services)
    _decide(client, message_id, action="ticket", category="jalan_drainase",
            region_code=KETINTANG)
    client.post(f"/console/messages/{message_id}/reopen", data={"csrf_token": client.csrf})
    _decide(client, message_id, action="ticket", category="sampah_lingkungan",
            region_code=KETINTANG)
    ticket = _ticket(services)
    assert (ticket.category, ticket.agency_code) == ("sampah_lingkungan", "dlh:35.78")
