"""Normalisation of informal Indonesian SMS."""

from __future__ import annotations

import pytest

from parsers import Parser

CASES = [
    ("yg tdk gk sdh blm dgn utk bgt", "yang tidak tidak sudah belum dengan untuk banget"),
    ("kab bogor kec cibinong kel. pakansari",
     "kabupaten bogor kecamatan cibinong kelurahan pakansari"),
    ("ds sukamaju dsn krajan", "desa sukamaju dusun krajan"),
    ("jl.kenjeran gg.5 jln raya", "jalan kenjeran gang 5 jalan raya"),
    ("prov jatim", "provinsi jatim"),
    ("rt05/rw.02", "rt 05 rw 02"),
    ("jalan rusaaak parah", "jalan rusak parah"),
    ("maaaf tolooong", "maaf tolong"),
    ("jadi2 anak2", "jadi jadi anak anak"),
    ("s4y4 b3lum dapat", "saya belum dapat"),
    ("rusak.Mohon segera,terima kasih", "rusak mohon segera terima kasih"),
    ("harga 1.000 rupiah", "harga 1 000 rupiah"),
    ("aspal di jalan", "aspal di jalan"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=[c[0] for c in CASES])
def test_informal_text_is_normalised(parser: Parser, raw: str, expected: str) -> None:
    assert parser.normaliser.normalise(raw) == expected


def test_kel_means_kelurahan_not_keluarga(parser: Parser) -> None:
    assert parser.normaliser.tokens("kel") == ["kelurahan"]


def test_codes_with_digits_are_left_alone(parser: Parser) -> None:
    assert parser.normaliser.tokens("T20220006426 smpn62") == ["t20220006426", "smpn62"]
