"""The agency directory generated from the taxonomy and the region list."""

from __future__ import annotations

from collections import Counter

import pytest

import routing
from routing.regions import taxonomy

KABKOTA_TYPES = sorted(code for code, t in taxonomy()["agency_types"].items()
                       if t["level"] == "kabkota")


@pytest.fixture(scope="module")
def counts() -> Counter[tuple[str, str]]:
    return Counter((a.agency_type, a.level) for a in routing.agencies())


@pytest.mark.parametrize("agency_type", KABKOTA_TYPES)
def test_each_kabkota_type_has_one_agency_per_kabupaten_kota(counts, agency_type):
    assert counts[(agency_type, "kabkota")] == 514


def test_pln_has_one_agency_per_province(counts):
    assert counts[("pln", "provinsi")] == 38


def test_each_province_has_a_complaint_admin(counts):
    assert counts[("pengelola_lapor", "provinsi")] == 38


def test_agency_codes_are_unique():
    codes = [a.code for a in routing.agencies()]
    assert len(codes) == len(set(codes))


def test_offices_are_listed_only_when_asked(counts):
    assert not any(level == "wilayah" for _, level in counts)


@pytest.mark.parametrize(("code", "name"), [
    ("dinas_pupr:35.78", "Dinas Pekerjaan Umum dan Penataan Ruang Kota Surabaya"),
    ("dinsos:11.01", "Dinas Sosial Kabupaten Aceh Selatan"),
    ("kantor_pertanahan:35.15", "Kantor Pertanahan Kabupaten Sidoarjo"),
    ("pln:35", "PT PLN (Persero) Unit Induk Distribusi/Wilayah Jawa Timur"),
    ("pengelola_lapor:35.78", "Pengelola SP4N-LAPOR! Kota Surabaya"),
    ("pengelola_lapor:35", "Pengelola SP4N-LAPOR! Provinsi Jawa Timur"),
    ("pengelola_lapor:nasional", "Admin Nasional SP4N-LAPOR! (Kementerian PANRB)"),
    ("kantor_wilayah:35.78.05", "Kantor Kecamatan Tegalsari"),
    ("kantor_wilayah:35.78.05.1001", "Kantor Kelurahan Tegalsari"),
    ("kantor_wilayah:35.15.01.2001", "Kantor Desa Mliriprowo"),
    ("kantor_wilayah:91.03.01.3007", "Kantor Desa Adat Yoboi"),
    ("dinkes:31.71", "Dinas Kesehatan Kota Administrasi Jakarta Pusat"),
], ids=lambda v: v if ":" in v else "")
def test_agency_names_follow_the_templates(code, name):
    agency = routing.get_agency(code)
    assert agency is not None and agency.name == name


def test_offices_have_level_wilayah():
    agency = routing.get_agency("kantor_wilayah:35.78.05")
    assert agency is not None and agency.level == "wilayah"


def test_parent_body_comes_from_the_taxonomy():
    agency = routing.get_agency("kantor_pertanahan:35.78")
    assert agency is not None and agency.parent == (
        "Kementerian Agraria dan Tata Ruang/Badan Pertanahan Nasional")


@pytest.mark.parametrize("code", [
    "", "nope", "dinas_pupr", "dinas_pupr:", "dinas_pupr:99.99", "dinas_pupr:35",
    "dinas_pupr:35.78.05", "pln:35.78", "kantor_wilayah:35.78", "dinsos:nasional",
    "unknown_type:35.78",
])
def test_unknown_agency_codes_give_none(code):
    assert routing.get_agency(code) is None


def test_renamed_agency_keeps_its_code_and_level(test_directory):
    agency = test_directory.get_agency("dinas_pupr:35.78")
    assert (agency.name, agency.level) == (
        "Dinas Sumber Daya Air dan Bina Marga Kota Surabaya", "kabkota")


def test_added_national_agency_is_listed(test_directory):
    assert "kkp:nasional" in {a.code for a in test_directory.agencies()}


def test_channels_attach_to_their_agency_in_file_order(test_directory):
    agency = test_directory.get_agency("dinas_pupr:35.78")
    assert [c.kind for c in agency.channels] == ["webhook", "email"]


def test_webhook_channel_carries_a_secret_reference_not_a_secret(test_directory):
    webhook = test_directory.get_agency("dinas_pupr:35.78").channels[0]
    assert webhook.secret_ref == "AGENCY_SECRET_PUPR_3578"
