"""Complaints that unseen SMS exposed (issue 13, part 4): the shipped rules read them right."""

from __future__ import annotations

import pytest

from parsers import Parser


def test_two_word_road_complaint_is_a_complaint_not_noise(parser: Parser) -> None:
    result = parser.parse("jalan rusak", default_region="35.78")
    assert (result.intent, result.category) == ("complaint", "jalan_drainase")


def test_two_word_road_complaint_is_confident_and_has_no_place(parser: Parser) -> None:
    # The category is sure; the missing place is what the gateway must ask for.
    result = parser.parse("jalan rusak")
    assert (result.needs_review, result.region) == (False, None)


def test_two_words_without_any_rule_stay_noise(parser: Parser) -> None:
    assert parser.parse("ya udah").reasons == ("screen:too-short",)


def test_damage_word_away_from_jalan_is_a_road_complaint(parser: Parser) -> None:
    assert parser.parse("jalan desa rusak berat di sentani").category == "jalan_drainase"


def test_sentani_is_the_place_when_the_channel_is_in_kabupaten_jayapura(parser: Parser) -> None:
    result = parser.parse("jalan desa rusak berat di sentani", default_region="91.03")
    assert result.region is not None and result.region.code == "91.03.01"


def test_sentani_without_channel_region_is_offered_as_the_place(parser: Parser) -> None:
    result = parser.parse("jalan desa rusak berat di sentani")
    assert [r.code for r in result.region_candidates] == ["91.03.01"]


@pytest.mark.parametrize("text", [
    "PKL berjualan di trotoar",
    "pedagang kaki lima memakai trotoar jalan sampai pejalan kaki turun ke jalan",
    "banyak pedagang jualan di atas trotoar depan pasar",
])
def test_street_vendors_on_the_pavement_are_public_order(parser: Parser, text: str) -> None:
    assert parser.parse(text, default_region="35.78").category == "ketertiban"


def test_broken_pavement_without_vendors_stays_a_road_complaint(parser: Parser) -> None:
    assert parser.parse("trotoar depan sekolah ambles dan retak").category == "jalan_drainase"


@pytest.mark.parametrize("text", [
    "banjir warga terjebak butuh bantuan",
    "banjir setinggi dada, warga butuh evakuasi segera",
    "tolong banjir bandang di desa kami, banyak yang mengungsi",
])
def test_flood_with_people_needing_help_is_a_disaster(parser: Parser, text: str) -> None:
    assert parser.parse(text, default_region="35.78").category == "bencana"


def test_flood_from_a_blocked_drain_stays_drainage(parser: Parser) -> None:
    text = "tiap hujan banjir karena got mampet, mohon pengerukan saluran"
    assert parser.parse(text, default_region="35.78").category == "jalan_drainase"


def test_warga_butuh_is_not_desa_butuh(parser: Parser) -> None:
    result = parser.parse("banjir setinggi dada, warga butuh evakuasi")
    assert "gazetteer:bare:butuh" not in result.reasons


@pytest.mark.parametrize("text", ["sudah 3 kali lapor ktp saya belum jadi juga",
                                  "berkali kali minta surat pindah ke kelurahan tidak dilayani",
                                  "obat di puskesmas mahal kali, tolong diperiksa"])
def test_kali_as_times_or_very_is_no_river(parser: Parser, text: str) -> None:
    assert "rule:drainase" not in parser.parse(text, default_region="35.78").reasons


def test_kali_as_the_river_stays_drainage(parser: Parser) -> None:
    result = parser.parse("kali di belakang pasar meluap, sampah numpuk di pinggir kali")
    assert "rule:drainase" in result.reasons


def test_lights_out_in_rotation_are_the_power_supply_not_a_street_lamp(parser: Parser) -> None:
    assert parser.parse("lampu mati bergilir tiap malam, kulkas rusak").category == "listrik"


def test_a_unique_kecamatan_wins_over_a_desa_name_that_is_not_in_it(parser: Parser) -> None:
    # 51 regions named Sumberejo, none in the one kecamatan Pandaan (Kab. Pasuruan)
    result = parser.parse("jalan rusak di desa sumberejo kec. pandaan")
    assert (result.region and result.region.code, "gazetteer:unique-name" in result.reasons) \
        == ("35.14.11", True)


@pytest.mark.parametrize(("text", "not_category"), [
    ("tiang listrik miring hampir roboh di jl pemuda, kabel menjuntai", "sampah_lingkungan"),
    ("rumah sy roboh kena gempa, blm didata bpbd", "sampah_lingkungan")])
def test_roboh_alone_is_no_fallen_tree(parser: Parser, text: str, not_category: str) -> None:
    assert parser.parse(text, default_region="35.78").category != not_category


def test_a_fallen_tree_stays_environment(parser: Parser) -> None:
    result = parser.parse("pohon roboh menutup jalan di depan sekolah")
    assert result.category == "sampah_lingkungan"


@pytest.mark.parametrize("text", ["Pengamen & manusia silver di lampu merah maksa minta uang",
                                  "anak punk mangkal di lampu merah minta uang maksa"])
def test_buskers_at_the_traffic_lights_are_public_order(parser: Parser, text: str) -> None:
    assert parser.parse(text, default_region="35.78").category == "ketertiban"


def test_sungai_in_a_place_name_is_no_river(parser: Parser) -> None:
    result = parser.parse("wali nagari sungai pua tidak pernah ada di kantor")
    assert "rule:drainase" not in result.reasons
