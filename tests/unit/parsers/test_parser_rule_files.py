"""Rule files are validated at load: errors name the file and the key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from parsers import Parser
from parsers.category import CategoryRules
from parsers.commands import Grammar
from parsers.location import LocationFinder
from parsers.normalize import Normaliser
from parsers.rulefile import RuleFileError
from parsers.screening import Screener

CATEGORIES = frozenset({"jalan_drainase", "lainnya"})


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> RuleFileError:
    with pytest.raises(RuleFileError) as caught:
        CategoryRules.load([_write(tmp_path, text)], categories=CATEGORIES)
    return caught.value


def test_small_rule_file_loads_and_matches(tmp_path: Path) -> None:
    path = _write(tmp_path, '[rules.r]\ncategory = "jalan_drainase"\nkeywords = ["lubang"]\n')
    rules = CategoryRules.load([path], categories=CATEGORIES)
    assert rules.match(["jalan", "berlubang"], "jalan berlubang").scores == {"jalan_drainase": 1.0}


def test_misspelt_key_is_an_error_naming_file_and_key(tmp_path: Path) -> None:
    error = _error(tmp_path, '[rules.r]\ncategory = "jalan_drainase"\nkeywrods = ["x"]\n')
    assert (error.source.endswith("rules.toml"), error.key) == (True, "rules.r.keywrods")


def test_bad_regex_is_an_error_naming_the_pattern(tmp_path: Path) -> None:
    error = _error(tmp_path, '[rules.r]\ncategory = "jalan_drainase"\npatterns = ["(unclosed"]\n')
    assert error.key == "rules.r.patterns[0]"


def test_unknown_category_is_an_error(tmp_path: Path) -> None:
    error = _error(tmp_path, '[rules.r]\ncategory = "roads"\nkeywords = ["x"]\n')
    assert error.key == "rules.r.category"


def test_rule_without_keywords_or_patterns_is_an_error(tmp_path: Path) -> None:
    error = _error(tmp_path, '[rules.r]\ncategory = "lainnya"\nweight = 2\n')
    assert error.key == "rules.r"


def test_weight_must_be_a_number(tmp_path: Path) -> None:
    error = _error(tmp_path, '[rules.r]\ncategory = "lainnya"\nweight = "2"\nkeywords = ["x"]\n')
    assert error.key == "rules.r.weight"


def test_not_after_drops_a_keyword_hit_after_the_listed_words_or_a_number(tmp_path: Path) -> None:
    path = _write(tmp_path, '[rules.r]\ncategory = "jalan_drainase"\nkeywords = ["=kali", "got"]\n'
                  '[rules.r.not_after]\n"=kali" = ["dua", "#"]\n')
    rules = CategoryRules.load([path], categories=CATEGORIES)
    hits = {text: rules.hits(text.split(), text) for text in
            ("sampah di kali", "sudah dua kali", "sudah 3 kali", "dua got")}
    assert hits == {"sampah di kali": {0: 1}, "sudah dua kali": {}, "sudah 3 kali": {},
                    "dua got": {0: 1}}


def test_not_after_must_name_a_keyword_of_its_rule(tmp_path: Path) -> None:
    error = _error(tmp_path, '[rules.r]\ncategory = "jalan_drainase"\nkeywords = ["got"]\n'
                   '[rules.r.not_after]\nkali = ["dua"]\n')
    assert (error.key, error.problem) == ("rules.r.not_after.kali", "not a keyword of this rule")


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    error = _error(tmp_path, "[rules.r\n")
    assert error.key == "(syntax)"


def test_command_file_rejects_unknown_intent(tmp_path: Path) -> None:
    path = _write(tmp_path, '[intents.reboot]\nwords = ["reboot"]\nticket = "none"\n')
    with pytest.raises(RuleFileError, match="intents.reboot"):
        Grammar.load(rules=path)


def test_report_nouns_belong_to_the_status_intent_only(tmp_path: Path) -> None:
    path = _write(tmp_path, '[intents.cancel]\nwords = ["batal"]\nticket = "required"\n'
                            'report_nouns = ["laporan"]\n')
    with pytest.raises(RuleFileError, match=r"intents\.cancel\.report_nouns"):
        Grammar.load(rules=path)


def test_keyword_with_unknown_region_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, '[keywords.XYZ]\nregion = "99.99"\n')
    with pytest.raises(RuleFileError, match=r"keywords\.XYZ\.region"):
        Grammar.load(keywords=path, regions=frozenset({"36.03"}))


def test_screening_file_rejects_bad_spam_regex(tmp_path: Path) -> None:
    path = _write(tmp_path, '[spam]\npatterns = [{ pattern = "[", weight = 1 }]\n')
    with pytest.raises(RuleFileError, match=r"spam\.patterns\[0\]\.pattern"):
        Screener.load(path)


def test_screening_file_rejects_misspelt_grievance_key(tmp_path: Path) -> None:
    path = _write(tmp_path, '[grievance]\nword = ["rusak"]\n')
    with pytest.raises(RuleFileError, match=r"grievance"):
        Screener.load(path)


def test_screening_file_rejects_a_not_words_entry_that_is_no_string(tmp_path: Path) -> None:
    path = _write(tmp_path, '[grievance]\nnot_words = ["sebelum", 3]\n')
    with pytest.raises(RuleFileError, match=r"grievance\.not_words"):
        Screener.load(path)


def test_gazetteer_file_rejects_a_never_entry_that_is_no_string(tmp_path: Path, parser) -> None:
    path = _write(tmp_path, '[words]\nnever = ["sudah", 1]\n')
    with pytest.raises(RuleFileError, match=r"words\.never"):
        LocationFinder.load(parser.gazetteer, frozenset(), path)


def test_a_privacy_phrase_without_a_hint_word_is_an_error(tmp_path: Path) -> None:
    # The phrases are tried only on messages with a hint: one without would never be tried.
    path = _write(tmp_path, '[privacy_phrases]\nhints = ["rahasia"]\n'
                            'anonymous = ["tanpa\\\\s+identitas"]\n')
    with pytest.raises(RuleFileError, match=r"privacy_phrases\.hints"):
        Grammar.load(rules=path)


def test_normalisation_file_rejects_unknown_section(tmp_path: Path) -> None:
    path = _write(tmp_path, '[abbreviation]\nyg = "yang"\n')
    with pytest.raises(RuleFileError, match="abbreviation"):
        Normaliser.load(path)


def test_gazetteer_alias_to_unknown_code_is_an_error(tmp_path: Path, parser) -> None:
    path = _write(tmp_path, '[aliases]\natlantis = "99.99"\n')
    with pytest.raises(RuleFileError, match=r"aliases\.atlantis"):
        LocationFinder.load(parser.gazetteer, frozenset(), path)



def test_every_shipped_rule_word_is_written_as_the_normaliser_writes_it(parser: Parser) -> None:
    # A word the normaliser rewrites ("calo" -> "makelar", "pppk" -> "pk" before "pppk" was
    # kept) can never match: the screening and the category rules read normalised tokens.
    assert parser.unreachable_words() == []


def test_a_word_the_normaliser_rewrites_is_reported_as_unreachable(parser: Parser) -> None:
    screener = dataclasses.replace(parser.screener,
                                   grievance=parser.screener.grievance | {"calo"})
    assert dataclasses.replace(parser, screener=screener).unreachable_words() == [
        "screening grievance.words: 'calo' arrives as ['makelar']"]
