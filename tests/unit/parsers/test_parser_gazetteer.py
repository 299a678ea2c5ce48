"""Gazetteer: prefixes, colloquial names, joint resolution and ambiguity."""

from __future__ import annotations

import pytest

from parsers import Parser


def _code(parser: Parser, text: str, default_region: str | None = None) -> str | None:
    result = parser.parse(text, default_region=default_region)
    return result.region.code if result.region else None


@pytest.mark.parametrize(("text", "code"), [
    ("jalan rusak di kab bogor", "32.01"),
    ("jalan rusak di kota bogor", "32.71"),
    ("banjir di kota bdg sejak pagi", "32.73"),
    ("sampah menumpuk di jaksel", "31.74"),
    ("jalan rusak di jakarta selatan", "31.74"),
    ("parkir liar di jogja", "34.71"),
    ("banjir di Kec. Waru Sidoarjo", "35.15.18"),
    ("jalan rusak di kelurahan kapasan kecamatan simokerto surabaya", "35.78.11.1002"),
    ("pohon tumbang di Kota Medan", "12.71"),
])
def test_written_place_names_resolve(parser: Parser, text: str, code: str) -> None:
    assert _code(parser, text) == code


def test_bare_bogor_is_ambiguous_between_kabupaten_and_kota(parser: Parser) -> None:
    result = parser.parse("jalan rusak parah di bogor")
    assert {r.code for r in result.region_candidates} == {"32.01", "32.71"}


def test_ambiguous_kabupaten_and_kota_fall_back_to_their_province(parser: Parser) -> None:
    assert _code(parser, "jalan rusak parah di bogor") == "32"


def test_same_named_desa_without_context_gives_candidates_and_review(parser: Parser) -> None:
    result = parser.parse("jalan rusak parah di desa tegalsari sejak lama")
    assert (result.region, len(result.region_candidates) > 1, result.needs_review) == (
        None, True, True)


@pytest.mark.parametrize(("text", "code"), [
    # Desa Tegalsari exists in dozens of kabupaten; the kabupaten named picks one.
    ("jalan rusak di desa tegalsari kabupaten banyuwangi", "35.10.23.2001"),
    ("jalan rusak di desa tegalsari kab malang", "35.07.13.2006"),
    ("jalan rusak di desa tegalsari kab. tangerang", "36.03.03.2006"),
])
def test_same_named_desa_resolves_through_the_kabupaten(parser: Parser, text: str,
                                                       code: str) -> None:
    assert _code(parser, text) == code


def test_kota_medan_means_the_city_not_the_riau_desa(parser: Parser) -> None:
    assert _code(parser, "jalan rusak di kota medan") == "12.71"


def test_desa_kota_medan_with_its_kecamatan_is_the_riau_desa(parser: Parser) -> None:
    assert _code(parser, "jalan rusak di desa kota medan kec kelayang") == "14.02.03.2008"


def test_street_name_does_not_become_a_region(parser: Parser) -> None:
    # "Jl. Bogor" is a street in Surabaya, not Kabupaten/Kota Bogor.
    assert _code(parser, "lampu pju mati di jl. bogor no 5", default_region="35.78") is None


def test_street_named_after_a_kelurahan_only_supports_it(parser: Parser) -> None:
    assert _code(parser, "jalan ngagel tama 104 berlubang", default_region="35.78") is None


def test_default_region_narrows_a_bare_kelurahan_name(parser: Parser) -> None:
    assert _code(parser, "sampah menumpuk di pucang sewu", default_region="35.78") == (
        "35.78.08.1006")


def test_bare_kelurahan_name_far_from_the_channel_region_is_ignored(parser: Parser) -> None:
    assert _code(parser, "sampah menumpuk di pucang sewu", default_region="32.73") is None


def test_kecamatan_and_kelurahan_of_the_same_name_give_the_kecamatan(parser: Parser) -> None:
    assert _code(parser, "banjir di wilayah bubutan", default_region="35.78") == "35.78.13"


def test_everyday_word_that_is_a_desa_name_is_not_a_region(parser: Parser) -> None:
    result = parser.parse("pohon mangga depan rumah sudah rimbun mohon dipangkas")
    assert (result.region, result.region_candidates) == (None, ())


def test_repeated_name_counts_once(parser: Parser) -> None:
    text = ("tanah di kel gundih kel jepara kel bubutan diklaim orang balikpapan, "
            "balikpapan, balikpapan")
    assert _code(parser, text, default_region="35.78") == "35.78.13"


def test_shipped_precompiled_index_is_built_from_the_shipped_csv() -> None:
    import marshal
    import zlib

    from parsers.gazetteer import INDEX_FILE, _stamp
    from parsers.rulefile import data_path

    stamp = marshal.loads(zlib.decompress(data_path(INDEX_FILE).read_bytes()))[0]
    assert stamp == _stamp(data_path("wilayah_2025.csv.gz").read_bytes())


def test_precompiled_index_gives_the_same_gazetteer_as_the_csv(tmp_path) -> None:
    import gzip

    from parsers.gazetteer import Gazetteer

    raw = gzip.compress(b"kode,nama,level,parent_kode\n35,Jawa Timur,1,\n"
                        b"35.78,Kota Surabaya,2,35\n35.78.08,Gubeng,3,35.78\n"
                        b"35.78.08.1006,Pucang Sewu,4,35.78.08\n")
    built = Gazetteer.build(raw)
    import marshal
    import zlib

    _, names, index, first = marshal.loads(zlib.decompress(built.compile(raw)))
    assert (names, index, first) == (built.names, built.index, built.first_words)
