"""route(): the agency for a category and region, its fallbacks and its reasons."""

from __future__ import annotations

import pytest

import routing


def code(category, region, keyword=None, directory=None):
    result = routing.route(category, region, keyword=keyword, directory=directory)
    return result.agency.code if result.agency else None


@pytest.mark.parametrize(("category", "region", "expected"), [
    ("jalan_drainase", "35.78", "dinas_pupr:35.78"),
    ("jalan_drainase", "35.78.05", "dinas_pupr:35.78"),
    ("jalan_drainase", "35.78.05.1001", "dinas_pupr:35.78"),
    ("adminduk", "35.15.01.2001", "disdukcapil:35.15"),
    ("jalan_drainase", "35", "pengelola_lapor:35"),
    ("listrik", "35.15.01.2001", "pln:35"),
    ("listrik", "35", "pln:35"),
    ("lainnya", "35.15.01", "pengelola_lapor:35.15"),
    ("lainnya", "35", "pengelola_lapor:35"),
    ("pemerintahan_wilayah", "35.15.01.2001", "kantor_wilayah:35.15.01.2001"),
    ("pemerintahan_wilayah", "35.15.01", "kantor_wilayah:35.15.01"),
    ("pemerintahan_wilayah", "35.15", "pengelola_lapor:35.15"),
    ("pemerintahan_wilayah", "35", "pengelola_lapor:35"),
], ids=lambda v: str(v))
def test_route_follows_the_fallback_chain(category, region, expected):
    assert code(category, region) == expected


def test_every_category_routes_to_an_existing_agency_for_a_desa():
    routes = [routing.route(c, "73.71.01.1001") for c in routing.default_directory().categories]
    assert all(r.agency is not None for r in routes)


@pytest.mark.parametrize("region", [None, "", "  "])
def test_no_region_asks_for_the_location(region):
    result = routing.route("jalan_drainase", region)
    assert (result.agency, result.needs_location) == (None, True)


def test_region_code_is_trimmed():
    assert code("jalan_drainase", " 35.78 ") == "dinas_pupr:35.78"


def test_unknown_category_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown category 'jalanan'"):
        routing.route("jalanan", "35.78")


@pytest.mark.parametrize("region", ["99.99", "3578", "35.78.5", "Surabaya", "35.78.05.9999"])
def test_unknown_region_is_a_clear_error(region):
    with pytest.raises(ValueError, match="unknown region code"):
        routing.route("jalan_drainase", region)


def test_desa_fallback_is_explained_in_the_reasons():
    reasons = routing.route("jalan_drainase", "35.78.05.1001").reasons
    assert any("lies in 35.78 Kota Surabaya" in r for r in reasons)


def test_province_only_fallback_names_the_complaint_admin_in_the_reasons():
    reasons = routing.route("jalan_drainase", "35").reasons
    assert any("province's complaint admin" in r for r in reasons)


def test_keyword_route_wins_over_the_category(test_directory):
    assert code("jalan_drainase", "35.78", "KKP", test_directory) == "kkp:nasional"


def test_keyword_is_case_insensitive(test_directory):
    assert code("lainnya", None, " Kkp ", test_directory) == "kkp:nasional"


def test_keyword_to_a_national_agency_needs_no_location(test_directory):
    assert not routing.route("lainnya", None, keyword="KKP",
                             directory=test_directory).needs_location


def test_keyword_to_an_agency_type_follows_the_region(test_directory):
    assert code("jalan_drainase", "35.15.01", "PLN", test_directory) == "pln:35"


def test_route_records_the_keyword_rule(test_directory):
    assert routing.route("lainnya", "35.78", keyword="kkp",
                         directory=test_directory).rule == "keyword:kkp"


def test_unknown_keyword_falls_back_to_the_category_and_says_so(test_directory):
    result = routing.route("lainnya", "35.78", keyword="XYZ", directory=test_directory)
    assert any("keyword XYZ has no keyword route" in r for r in result.reasons)


def test_region_override_sends_category_elsewhere(test_directory):
    assert code("perhubungan", "35.78.05.1001", directory=test_directory) == "dinas_pupr:35.78"


def test_region_override_does_not_leak_to_other_regions(test_directory):
    assert code("perhubungan", "35.15", directory=test_directory) == "dishub:35.15"


def test_deepest_region_override_wins(test_directory):
    assert code("jalan_drainase", "35.15.01", directory=test_directory) == "dinas_pupr:35.15"


def test_province_override_to_a_deployment_agency_type(test_directory):
    assert code("jalan_drainase", "35.78.01", directory=test_directory) == "balai_jalan:35"


def test_route_names_the_override_rule(test_directory):
    result = routing.route("perhubungan", "35.78", directory=test_directory)
    assert result.rule == "override:surabaya-pju"


def test_route_as_dict_has_agency_code_name_and_reasons():
    data = routing.route("jalan_drainase", "35.78").as_dict()
    assert (data["agency"]["code"], data["agency"]["name"], bool(data["reasons"])) == (
        "dinas_pupr:35.78", "Dinas Pekerjaan Umum dan Penataan Ruang Kota Surabaya", True)
