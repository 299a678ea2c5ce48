"""The oversight rule: a complaint about officials never reaches the office it concerns."""

from __future__ import annotations

from pathlib import Path

import pytest

import routing

BABAKAN_CIAMIS = "32.73.19.1004"  # Kelurahan Babakan Ciamis, Kota Bandung
COBLONG = "32.73.02"  # Kecamatan Coblong, Kota Bandung


def code(category, region, **kwargs):
    result = routing.route(category, region, **kwargs)
    return result.agency.code if result.agency else None


def test_confidential_extortion_at_a_kelurahan_goes_to_the_citys_oversight_body():
    # Issue 15: "RAHASIA pungli di kantor kelurahan babakan ciamis kota bandung, ..."
    assert code("pemerintahan_wilayah", BABAKAN_CIAMIS, about_officials=True,
                confidential=True) == "bkpsdm:32.73"


@pytest.mark.parametrize(("category", "region", "expected"), [
    ("pemerintahan_wilayah", COBLONG, "bkpsdm:32.73"),       # suap di kantor kecamatan
    ("kesehatan", "35.78.05.1001", "bkpsdm:35.78"),          # petugas puskesmas minta uang
    ("pajak_daerah", "32.73", "bkpsdm:32.73"),               # pungli di samsat
    ("kepegawaian", BABAKAN_CIAMIS, "bkpsdm:32.73"),
    ("listrik", COBLONG, "pengelola_lapor:32"),              # PLN is provincial: bkpsdm is below
], ids=lambda v: str(v))
def test_complaint_about_officials_goes_to_the_oversight_body(category, region, expected):
    assert code(category, region, about_officials=True) == expected


@pytest.mark.parametrize("category", sorted(routing.default_directory().categories))
def test_no_category_leads_a_complaint_about_officials_to_the_office_concerned(category):
    plain = routing.route(category, BABAKAN_CIAMIS).agency
    office = routing.get_agency(f"kantor_wilayah:{BABAKAN_CIAMIS}")
    concerned = {office.code} | ({plain.code} if plain.agency_type != "pengelola_lapor" and
                                 category != "kepegawaian" else set())
    assert code(category, BABAKAN_CIAMIS, about_officials=True) not in concerned


def test_route_names_the_oversight_rule_and_the_office_concerned():
    result = routing.route("pemerintahan_wilayah", BABAKAN_CIAMIS, about_officials=True)
    assert (result.rule, result.withheld_from, any("oversight rule" in r for r in result.reasons)
            ) == ("oversight", (f"kantor_wilayah:{BABAKAN_CIAMIS}",), True)


def test_reasons_explain_why_the_office_is_skipped():
    reasons = routing.route("pemerintahan_wilayah", BABAKAN_CIAMIS, about_officials=True).reasons
    assert any("office concerned: kantor_wilayah:32.73.19.1004 (Kantor Kelurahan Babakan "
               "Ciamis)" in r for r in reasons)


def test_confidential_staff_conduct_complaint_does_not_follow_a_keyword_route(test_directory):
    # The keyword's agency is the one concerned: the national complaint admin takes it.
    assert routing.route("kepegawaian", "35.78", keyword="KKP", confidential=True,
                         directory=test_directory).agency.code == "pengelola_lapor:nasional"


def test_confidential_complaint_about_something_else_is_routed_as_usual():
    assert code("pemerintahan_wilayah", BABAKAN_CIAMIS,
                confidential=True) == f"kantor_wilayah:{BABAKAN_CIAMIS}"


def test_complaint_not_about_officials_still_goes_to_the_kelurahan_office():
    assert code("pemerintahan_wilayah", BABAKAN_CIAMIS) == f"kantor_wilayah:{BABAKAN_CIAMIS}"


def test_declined_oversight_body_hands_over_to_the_complaint_admin():
    assert code("pemerintahan_wilayah", BABAKAN_CIAMIS, about_officials=True,
                exclude={"bkpsdm:32.73"}) == "pengelola_lapor:32.73"


def test_complaint_about_officials_without_a_place_asks_for_it():
    result = routing.route("pemerintahan_wilayah", None, about_officials=True)
    assert (result.agency, result.needs_location, result.rule) == (None, True, "oversight")


def test_deployment_points_oversight_to_its_inspectorate(tmp_path: Path):
    path = tmp_path / "overrides.toml"
    path.write_text(
        '[[agency]]\ncode = "inspektorat:32.73"\nname = "Inspektorat Kota Bandung"\n\n'
        '[[category_override]]\nid = "bandung-inspektorat"\ncategory = "kepegawaian"\n'
        'region = "32.73"\nagency = "inspektorat:32.73"\n', encoding="utf-8")
    directory = routing.load_directory(path, include_default=False)
    assert code("pemerintahan_wilayah", BABAKAN_CIAMIS, about_officials=True,
                directory=directory) == "inspektorat:32.73"


def test_oversight_override_to_the_office_concerned_is_not_followed(tmp_path: Path):
    path = tmp_path / "overrides.toml"
    path.write_text(
        '[[category_override]]\nid = "coblong-self"\ncategory = "kepegawaian"\n'
        f'region = "{COBLONG}"\nagency_type = "kantor_wilayah"\n', encoding="utf-8")
    directory = routing.load_directory(path, include_default=False)
    assert code("pemerintahan_wilayah", COBLONG, about_officials=True,
                directory=directory) == "pengelola_lapor:32.73"


def test_route_as_dict_lists_the_offices_withheld_from():
    data = routing.route("kesehatan", "35.78", about_officials=True).as_dict()
    assert data["withheld_from"] == ["dinkes:35.78"]
