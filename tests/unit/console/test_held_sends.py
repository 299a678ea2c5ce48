"""The console's list of held sends: an operator sees them and sends them again."""

from __future__ import annotations

from typing import Any

from sms_gateway.services import Services
from sms_gateway.sweeper import sweep
from tests.unit.test_uncertain_sends import Blind, _cut_off, _status, _with


def test_operator_resends_a_held_send_from_the_console(services: Services, login: Any) -> None:
    channel = Blind()
    outbound_id = _cut_off(_with(services, channel, on_uncertain="hold"))
    sweep(older_than_seconds=0)
    client = login("operator")
    page = client.get("/console/logs/held").get_data(as_text=True)
    assert f'value="{outbound_id}"' in page
    response = client.post("/console/logs/held/resend", data={
        "csrf_token": client.csrf, "outbound_id": str(outbound_id)})
    assert (response.status_code, _status(services, outbound_id), len(channel.sent)) == \
        (302, ("sent", "B1"), 1)


def test_viewers_cannot_see_held_sends(services: Services, login: Any) -> None:
    _cut_off(_with(services, Blind(), on_uncertain="hold"))
    sweep(older_than_seconds=0)
    client = login("viewer")
    assert client.get("/console/logs/held").status_code == 403
