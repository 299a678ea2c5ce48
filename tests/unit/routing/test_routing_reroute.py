"""Re-routing after bukan_wewenang and escalation of overdue tickets."""

from __future__ import annotations

import pytest

import routing


@pytest.mark.parametrize(("category", "region", "exclude", "expected"), [
    ("jalan_drainase", "35.78.05", {"dinas_pupr:35.78"}, "pengelola_lapor:35.78"),
    ("jalan_drainase", "35.78.05", {"dinas_pupr:35.78", "pengelola_lapor:35.78"},
     "pengelola_lapor:35"),
    ("lainnya", "35.78", {"pengelola_lapor:35.78"}, "pengelola_lapor:35"),
    ("lainnya", "35", {"pengelola_lapor:35"}, "pengelola_lapor:nasional"),
    ("listrik", "35.78", {"pln:35"}, "pengelola_lapor:35"),
    ("jalan_drainase", "35.78", {"dinsos:35.78"}, "dinas_pupr:35.78"),
], ids=lambda v: str(v))
def test_declined_agency_is_replaced_by_the_nearest_complaint_admin(
        category, region, exclude, expected):
    assert routing.route(category, region, exclude=exclude).agency.code == expected


def test_rerouting_says_which_agency_declined():
    result = routing.route("jalan_drainase", "35.78", exclude={"dinas_pupr:35.78"})
    assert any("dinas_pupr:35.78 declined" in r for r in result.reasons)


@pytest.mark.parametrize(("code", "expected"), [
    ("dinas_pupr:35.78", "pengelola_lapor:35"),
    ("pengelola_lapor:35.78", "pengelola_lapor:35"),
    ("kantor_wilayah:35.78.05.1001", "pengelola_lapor:35"),
    ("pln:35", "pengelola_lapor:35"),
    ("pengelola_lapor:35", "pengelola_lapor:nasional"),
    ("kkp:nasional", "pengelola_lapor:nasional"),
], ids=lambda v: v)
def test_overdue_ticket_escalates_to_the_province_admin(code, expected):
    assert routing.escalation_for(code).code == expected


@pytest.mark.parametrize("code", ["pengelola_lapor:nasional", "dinas_pupr:99.99"])
def test_national_admin_and_unknown_agencies_have_no_escalation(code):
    assert routing.escalation_for(code) is None
