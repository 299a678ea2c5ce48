"""Complaints about officials' own conduct are flagged, and routed away from the accused."""

from __future__ import annotations

from pathlib import Path

import pytest

import routing
from parsers import Parser, default_parser
from parsers.conduct import Conduct
from parsers.rulefile import RuleFileError

_CONDUCT = default_parser().conduct
assert _CONDUCT is not None
ISSUE_15 = ("RAHASIA pungli di kantor kelurahan babakan ciamis kota bandung, petugas minta "
            "bayar 200rb")


@pytest.mark.parametrize("example", _CONDUCT.examples)
def test_conduct_example_is_about_officials(parser: Parser, example: str) -> None:
    assert parser.parse(example).about_officials is True


@pytest.mark.parametrize("example", _CONDUCT.non_examples)
def test_conduct_non_example_is_not_about_officials(parser: Parser, example: str) -> None:
    assert parser.parse(example).about_officials is False


def test_flag_names_the_word_that_set_it(parser: Parser) -> None:
    assert "conduct:pungli" in parser.parse(ISSUE_15).reasons


def test_issue_example_is_routed_to_the_oversight_body_not_the_kelurahan(parser: Parser) -> None:
    result = parser.parse(ISSUE_15)
    assert result.region is not None
    route = routing.route(str(result.category), result.region.code,
                          about_officials=result.about_officials,
                          confidential=result.confidential)
    assert (route.agency.code if route.agency else None, route.withheld_from) == (
        "bkpsdm:32.73", ("kantor_wilayah:32.73.19.1004",))


def test_road_near_the_kelurahan_office_still_goes_to_public_works(parser: Parser) -> None:
    result = parser.parse("jalan rusak di depan kantor kelurahan babakan ciamis kota bandung")
    assert result.region is not None
    route = routing.route(str(result.category), result.region.code,
                          about_officials=result.about_officials,
                          confidential=result.confidential)
    assert route.agency is not None and route.agency.code == "dinas_pupr:32.73"


def test_act_needs_an_official_nearby(parser: Parser) -> None:
    assert parser.parse("saya minta uang bansos segera dicairkan karena anak sakit, "
                        "petugas dinsos belum pernah datang ke rumah kami").about_officials is False


def test_commands_are_never_about_officials(parser: Parser) -> None:
    assert parser.parse("CEK 1234567").about_officials is False


def test_misspelt_key_in_conduct_rules_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "conduct.toml"
    path.write_text('[conduct]\nwords = ["pungli"]\nacts = ["minta uang"]\n'
                    'officials = ["petugas"]\nwindw = 3\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"conduct\.windw"):
        Conduct.load(path)
