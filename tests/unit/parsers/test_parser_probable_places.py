"""Places written as addresses give a probable kelurahan; ambiguous places give options."""

from __future__ import annotations

import pytest

from parsers import Parser, Region, RegionOption


@pytest.mark.parametrize(("text", "code"), [
    ("sampah menumpuk di Kebraon gang 5 belum diangkut", "35.78.01.1002"),
    ("lampu jalan mati di kendangsari blok S no 6", "35.78.24.1002"),
    ("saluran mampet depan rumah petemon barat 223", "35.78.06.1001"),
])
def test_kampung_address_gives_a_probable_kelurahan(parser: Parser, text: str,
                                                     code: str) -> None:
    result = parser.parse(text, default_region="35.78")
    assert result.probable_region is not None and result.probable_region.code == code


def test_probable_kelurahan_is_not_the_region(parser: Parser) -> None:
    result = parser.parse("sampah menumpuk di Kebraon gang 5", default_region="35.78")
    assert result.region is None


def test_probable_kelurahan_says_why(parser: Parser) -> None:
    result = parser.parse("sampah menumpuk di Kebraon gang 5", default_region="35.78")
    assert "gazetteer:probable:kebraon" in result.reasons


def test_address_outside_the_known_city_gives_no_probable_place(parser: Parser) -> None:
    # Without a channel region or a named city, a street name alone is not evidence.
    assert parser.parse("sampah menumpuk di Kebraon gang 5").probable_region is None


def test_street_after_jalan_alone_is_not_probable(parser: Parser) -> None:
    # Jl. Ngagel Tama is in Pucang Sewu, not in kelurahan Ngagel.
    result = parser.parse("jalan ngagel tama rusak berlubang", default_region="35.78")
    assert result.probable_region is None


def test_named_kelurahan_leaves_no_probable_place(parser: Parser) -> None:
    text = "sampah menumpuk di kelurahan kapasan, dekat kebraon gang 5"
    assert parser.parse(text, default_region="35.78").probable_region is None


def test_street_inside_a_named_kecamatan_gives_a_probable_kelurahan(parser: Parser) -> None:
    result = parser.parse("jalan kebraon rusak, kecamatan karang pilang surabaya")
    assert result.probable_region is not None and result.probable_region.code == "35.78.01.1002"


def test_ambiguous_place_offers_numbered_options_with_parents(parser: Parser) -> None:
    result = parser.parse("jalan rusak di kenjeran surabaya")
    assert [o.label() for o in result.region_options] == [
        "Kec. Kenjeran, Kota Surabaya", "Kel. Kenjeran, Kec. Bulak, Kota Surabaya"]


def test_too_many_fitting_regions_offer_no_options(parser: Parser) -> None:
    result = parser.parse("jalan rusak di desa tegalsari")
    assert (len(result.region_candidates) > 4, result.region_options) == (True, ())


def test_far_place_named_alone_is_offered_to_confirm(parser: Parser) -> None:
    result = parser.parse("jalan desa rusak berat di sentani", default_region="35.78")
    assert [o.region.code for o in result.region_options] == ["91.03.01"]


def test_clear_place_offers_no_options(parser: Parser) -> None:
    result = parser.parse("jalan rusak di kelurahan kapasan kecamatan simokerto")
    assert result.region_options == ()


def test_option_as_dict_carries_label_and_parents() -> None:
    option = RegionOption(Region("35.78.01.1002", "Kebraon", "desa"),
                          (Region("35.78.01", "Karang Pilang", "kecamatan"),
                           Region("35.78", "Kota Surabaya", "kabkota"),
                           Region("35", "Jawa Timur", "provinsi")))
    assert option.as_dict()["label"] == "Kel. Kebraon, Kec. Karang Pilang, Kota Surabaya"
