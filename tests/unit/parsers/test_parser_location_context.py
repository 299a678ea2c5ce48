"""Location context: level prefixes, RT/RW, a city after a name, and what is an address."""

from __future__ import annotations

import pytest

from parsers import Parser
from parsers.evaluation import named


def _code(parser: Parser, text: str, default_region: str | None = "35.78") -> str | None:
    result = parser.parse(text, default_region=default_region)
    return result.region.code if result.region else None


def test_prefixed_name_written_in_three_words_finds_the_joined_official_name(
        parser: Parser) -> None:
    # The official name is "Simomulyo Baru"; people write "simo mulyo baru".
    assert _code(parser, "banjir di kelurahan simo mulyo baru kec sukomanunggal") == (
        "35.78.27.1006")


def test_kelurahan_and_kecamatan_of_one_name_outweigh_another_kelurahan(parser: Parser) -> None:
    text = ("pohon tua di makam jalan mulyorejo selatan kelurahan mulyorejo kecamatan "
            "mulyorejo, warga kelurahan mojo menebang pohon")
    assert _code(parser, text) == "35.78.26.1001"


def test_name_next_to_rt_rw_is_read_as_the_residence(parser: Parser) -> None:
    assert _code(parser, "plengsengan rusak di kebraon rw 10 rt 03 dekat kedurus") == (
        "35.78.01.1002")


def test_name_glued_to_an_rw_number_is_found(parser: Parser) -> None:
    assert _code(parser, "saluran mampet depan rumah rt 04 rw 01sememi sudah lama") == (
        "35.78.19.1003")


def test_everyday_word_next_to_rt_is_not_a_place(parser: Parser) -> None:
    assert _code(parser, "bansos saya tidak didata sama rt setempat padahal warga miskin",
                 None) is None


def test_reduplicated_word_is_not_a_place(parser: Parser) -> None:
    # "buru" is Kabupaten Buru, but "buru-buru" means in a hurry.
    assert _code(parser, "pelatihan kerja serba buru-buru minta tolong dievaluasi", None) is None


def test_name_followed_by_its_city_counts_without_a_cue_word(parser: Parser) -> None:
    text = "aliran air kotor di jl. kh mas mansyur, ampel surabaya belum ditangani"
    assert _code(parser, text, None) == "35.78.16.1001"


@pytest.mark.parametrize(("text", "name", "as_region"), [
    ("antre lama di puskesmas made", "Made", False),
    ("antre lama dipuskesmas made", "Made", False),
    ("parkir di griya babatan mukti blok e", "Babatan", False),
    ("jalan berlubang di rungkut asri tengah 7", "Rungkut", False),
    ("jalan berlubang di kelurahan babatan", "Babatan", True),
    ("sampah di babatan belum diangkut", "Babatan", True),
])
def test_eval_counts_a_name_as_a_region_only_outside_addresses_and_landmarks(
        text: str, name: str, as_region: bool) -> None:
    assert named(text, name, as_region=True) is as_region


def test_siak_the_population_register_is_not_kabupaten_siak(parser: Parser) -> None:
    text = "mohon dibantu proses migrasi data ke SIAK kk saya belum terbit"
    assert _code(parser, text, None) is None


@pytest.mark.parametrize("text", ["kantor pos di kecamatan kami tutup, warga harus ke kota",
                                  "sampah menumpuk di samping rumah sudah seminggu",
                                  "air dari dalam got meluap, warga sering kebanjiran"])
def test_function_words_after_a_cue_are_no_place_to_ask_about(parser: Parser, text: str) -> None:
    # "Harus", "Samping", "Dalam", "Sering" are desa somewhere; after "warga", "di" or "dari"
    # they are still words, and the citizen must not be asked to choose among them.
    result = parser.parse(text)
    assert (result.region, result.region_candidates, result.region_options) == (None, (), ())


def test_a_prefix_before_a_function_word_names_no_place(parser: Parser) -> None:
    # "kelurahan sudah" / "kelurahan yang": Sudah and Yang are desa somewhere ([words] never).
    result = parser.parse("urus surat di kelurahan sudah 2 minggu, kelurahan yang lain cepat")
    assert (result.region, result.region_options) == (None, ())


def test_a_kecamatan_named_like_an_everyday_word_still_counts_with_its_prefix(
        parser: Parser) -> None:
    result = parser.parse("jalan rusak di kecamatan suruh kab semarang")
    assert result.region is not None and result.region.code == "33.22.04"
