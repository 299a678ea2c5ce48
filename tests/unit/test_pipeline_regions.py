"""Where a ticket is: the place the SMS names, else the region the channel implies."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from sms_gateway.services import Services
from sms_gateway.store.models import Ticket
from sms_gateway.telco.inbox import enqueue_inbound
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms


def _send(services: Services, text: str) -> Ticket | None:
    stored = store_inbound(services, "console", "console",
                           IncomingSms("m1", "+6281234567890", "1708", text, {}))
    enqueue_inbound(services, stored.message_id)
    with services.sessions() as session:
        return session.execute(select(Ticket)).scalar_one_or_none()


def test_complaint_without_a_place_takes_the_channels_region(services: Services) -> None:
    services.config = replace(services.config, parser=replace(services.config.parser,
                                                              default_region="35.78"))
    ticket = _send(services, "jalan rusak parah tolong segera diperbaiki")
    assert (ticket.region_code, ticket.agency_code) == ("35.78", "dinas_pupr:35.78")  # type: ignore[union-attr]


def test_complaint_without_a_place_and_no_channel_region_asks_for_it(services: Services) -> None:
    ticket = _send(services, "jalan rusak parah tolong segera diperbaiki")
    assert (ticket.region_code, ticket.awaiting) == (None, "location")  # type: ignore[union-attr]


def test_the_place_named_wins_over_the_channels_region(services: Services) -> None:
    services.config = replace(services.config, parser=replace(services.config.parser,
                                                              default_region="35.78"))
    ticket = _send(services, "jln rusak parah di ds kemangkon kab purbalingga tlg dibenerin")
    assert ticket.region_code == "33.03.01.2006"  # type: ignore[union-attr]
