"""Routing inside the SMS pipeline: who gets the ticket, and the fallbacks when data is missing."""

from __future__ import annotations

from sqlalchemy import select

from sms_gateway.agency.records import directory_for
from sms_gateway.services import Services
from sms_gateway.store import tickets
from sms_gateway.store.agency import AgencyDelivery
from sms_gateway.store.models import Ticket
from tests.support.agency import PUPR_SURABAYA, SURABAYA_ROAD, bodies, sms_in, ticket_of


def _routed(services: Services, category: str, region: str | None) -> Ticket:
    with services.sessions.begin() as session:
        ticket = tickets.open_ticket(session, category=category, region_code=region)
        tickets.apply_route(session, ticket, directory=directory_for(services))
        return ticket


def test_complaint_with_location_is_dispositioned_to_the_city_agency(services: Services) -> None:
    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    assert (ticket.status, ticket.agency_code) == ("terdisposisi", PUPR_SURABAYA)


def test_agency_without_channels_gets_the_ticket_through_the_api(services: Services) -> None:
    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    with services.sessions() as session:
        rows = session.execute(select(AgencyDelivery.channel, AgencyDelivery.state).where(
            AgencyDelivery.ticket_id == ticket.id)).all()
    assert rows == [("pull", "available")]


def test_complaint_without_location_is_held_and_the_citizen_asked(services: Services) -> None:
    ticket = ticket_of(services, sms_in(services, "jalan rusak berlubang besar sekali mohon "
                                                  "diperbaiki segera"))
    assert (ticket.agency_code, ticket.awaiting, "Mohon sebutkan lokasi" in
            bodies(services, ticket.id)[-1]) == (None, "location", True)


def test_location_reply_joins_the_held_ticket_and_forwards_it(services: Services) -> None:
    first = ticket_of(services, sms_in(services, "jalan rusak berlubang besar sekali mohon "
                                                 "diperbaiki segera"))
    sms_in(services, "Kelurahan Ketintang Kecamatan Gayungan Kota Surabaya")
    ticket = services.sessions().get(Ticket, first.id)
    assert (ticket.status, ticket.agency_code) == ("terdisposisi", PUPR_SURABAYA)


def test_lainnya_goes_to_the_regions_complaint_admin(services: Services) -> None:
    assert _routed(services, "lainnya", "35.78").agency_code == "pengelola_lapor:35.78"


def test_desa_code_falls_back_to_its_kabkota_agency(services: Services) -> None:
    assert _routed(services, "adminduk", "35.78.22.1004").agency_code == "disdukcapil:35.78"


def test_province_only_goes_to_the_provinces_complaint_admin(services: Services) -> None:
    assert _routed(services, "jalan_drainase", "35").agency_code == "pengelola_lapor:35"


def test_routing_decision_is_in_the_history(services: Services) -> None:
    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    from sms_gateway.store.models import TicketEvent

    with services.sessions() as session:
        kinds = session.execute(select(TicketEvent.kind, TicketEvent.to_status).where(
            TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)).all()
    assert kinds == [("created", "belum_terverifikasi"), ("status", "terverifikasi"),
                     ("routed", None), ("status", "terdisposisi")]
