"""Override files are validated on load: every error names the file and the key."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import routing


@dataclass(frozen=True)
class BadFile:
    label: str
    toml: str
    message: str


BAD_FILES = [
    BadFile("unknown top-level key", "[[agencies]]\ncode = 'x'\n",
            "(top level).agencies: unknown key"),
    BadFile("top-level key is a table", "[agency]\ncode = 'kkp:nasional'\n",
            "(top level).agency: must be an array of tables"),
    BadFile("misspelt key in an agency", "[[agency]]\ncode = 'kkp:nasional'\nnama = 'KKP'\n",
            "agency[0].nama: unknown key"),
    BadFile("agency without name", "[[agency]]\ncode = 'kkp:nasional'\n",
            "agency[0].name: missing required key"),
    BadFile("agency code without type", "[[agency]]\ncode = '35.78'\nname = 'X'\n",
            "agency[0].code: bad agency code"),
    BadFile("agency code with unknown region", "[[agency]]\ncode = 'kkp:99.99'\nname = 'X'\n",
            "agency[0].code: bad agency code"),
    BadFile("duplicate agency",
            "[[agency]]\ncode = 'kkp:nasional'\nname = 'A'\n"
            "[[agency]]\ncode = 'kkp:nasional'\nname = 'B'\n",
            "agency[1].code: duplicate agency 'kkp:nasional'"),
    BadFile("note that is not text", "[[agency]]\ncode = 'kkp:nasional'\nname = 'A'\nnote = 1\n",
            "agency[0].note: must be a non-empty string"),
    BadFile("empty name", "[[agency]]\ncode = 'kkp:nasional'\nname = ' '\n",
            "agency[0].name: must be a non-empty string"),
    BadFile("override with unknown category",
            "[[category_override]]\nid = 'a'\ncategory = 'jalan'\nregion = '35.78'\n"
            "agency_type = 'dinas_pupr'\n", "category_override[0].category: unknown category"),
    BadFile("override with unknown region",
            "[[category_override]]\nid = 'a'\ncategory = 'perhubungan'\nregion = '35.99'\n"
            "agency_type = 'dinas_pupr'\n", "category_override[0].region: unknown region"),
    BadFile("override with both targets",
            "[[category_override]]\nid = 'a'\ncategory = 'perhubungan'\nregion = '35.78'\n"
            "agency_type = 'dinas_pupr'\nagency = 'dinas_pupr:35.78'\n",
            "category_override[0].agency: give exactly one of agency or agency_type"),
    BadFile("override with no target",
            "[[category_override]]\nid = 'a'\ncategory = 'perhubungan'\nregion = '35.78'\n",
            "category_override[0].agency: give exactly one"),
    BadFile("override to an unknown agency",
            "[[category_override]]\nid = 'a'\ncategory = 'perhubungan'\nregion = '35.78'\n"
            "agency = 'dinas_pupr:35.99'\n",
            "category_override[0].agency: unknown agency 'dinas_pupr:35.99'"),
    BadFile("override to a type with no agency near the region",
            "[[category_override]]\nid = 'a'\ncategory = 'perhubungan'\nregion = '35.78'\n"
            "agency_type = 'balai_jalan'\n",
            "category_override[0].agency_type: no agency of type 'balai_jalan'"),
    BadFile("duplicate rule id",
            "[[category_override]]\nid = 'a'\ncategory = 'perhubungan'\nregion = '35.78'\n"
            "agency_type = 'dinas_pupr'\n"
            "[[category_override]]\nid = 'a'\ncategory = 'perhubungan'\nregion = '35.15'\n"
            "agency_type = 'dinas_pupr'\n", "category_override[1].id: duplicate rule id"),
    BadFile("keyword with spaces", "[[keyword]]\nkeyword = 'K K P'\nagency_type = 'dinsos'\n",
            "keyword[0].keyword: bad value"),
    BadFile("duplicate keyword in other case",
            "[[keyword]]\nkeyword = 'KKP'\nagency_type = 'dinsos'\n"
            "[[keyword]]\nkeyword = 'kkp'\nagency_type = 'dinsos'\n",
            "keyword[1].keyword: duplicate keyword"),
    BadFile("example without expected agency",
            "[[keyword]]\nkeyword = 'SOS'\nagency_type = 'dinsos'\n"
            "examples = [{ category = 'lainnya' }]\n",
            "keyword[0].examples[0].agency: give agency, or needs_location = true"),
    BadFile("example with misspelt key",
            "[[keyword]]\nkeyword = 'SOS'\nagency_type = 'dinsos'\n"
            "examples = [{ category = 'lainnya', wilayah = '35.78', agency = 'dinsos:35.78' }]\n",
            "keyword[0].examples[0].wilayah: unknown key"),
    BadFile("example naming an unknown agency",
            "[[keyword]]\nkeyword = 'SOS'\nagency_type = 'dinsos'\n"
            "examples = [{ category = 'lainnya', agency = 'dinsos:35' }]\n",
            "keyword[0].examples[0].agency: unknown agency 'dinsos:35'"),
    BadFile("channel of unknown kind",
            "[[channel]]\nagency = 'dinsos:35.78'\nkind = 'fax'\n", "channel[0].kind: bad value"),
    BadFile("webhook without secret",
            "[[channel]]\nagency = 'dinsos:35.78'\nkind = 'webhook'\nurl = 'https://a.test/h'\n",
            "channel[0].secret: required for a webhook channel"),
    BadFile("webhook secret given as a literal secret",
            "[[channel]]\nagency = 'dinsos:35.78'\nkind = 'webhook'\nurl = 'https://a.test/h'\n"
            "secret = 's3cr3t-value'\n", "channel[0].secret: bad value"),
    BadFile("webhook url without scheme",
            "[[channel]]\nagency = 'dinsos:35.78'\nkind = 'webhook'\nurl = 'a.test/h'\n"
            "secret = 'X'\n", "channel[0].url: bad value"),
    BadFile("email channel with a url",
            "[[channel]]\nagency = 'dinsos:35.78'\nkind = 'email'\naddress = 'a@b.test'\n"
            "url = 'https://a.test'\n", "channel[0].url: not used by a email channel"),
    BadFile("email channel with a bad address",
            "[[channel]]\nagency = 'dinsos:35.78'\nkind = 'email'\naddress = 'dinsos'\n",
            "channel[0].address: bad value"),
    BadFile("channel for an unknown agency",
            "[[channel]]\nagency = 'dinsos:35'\nkind = 'pull'\n",
            "channel[0].agency: unknown agency 'dinsos:35'"),
    BadFile("not TOML", "[[agency]\n", "cannot read override file"),
]


@pytest.mark.parametrize("case", BAD_FILES, ids=lambda c: c.label)
def test_bad_override_file_is_refused_naming_file_and_key(tmp_path, case):
    path = tmp_path / "deploy.toml"
    path.write_text(case.toml, encoding="utf-8")
    with pytest.raises(routing.OverrideError) as excinfo:
        routing.load_directory(path, include_default=False)
    assert str(excinfo.value).startswith(f"{path}: ") and case.message in str(excinfo.value)


def test_missing_override_file_is_a_clear_error(tmp_path):
    with pytest.raises(routing.OverrideError, match="cannot read override file"):
        routing.load_directory(tmp_path / "absent.toml")


def test_extra_file_renames_on_top_of_the_shipped_file(tmp_path):
    path = tmp_path / "deploy.toml"
    path.write_text("[[agency]]\ncode = 'kkp:nasional'\nname = 'KKP RI'\n", encoding="utf-8")
    assert routing.load_directory(path).get_agency("kkp:nasional").name == "KKP RI"


def test_extra_file_keeps_the_shipped_rules(tmp_path):
    path = tmp_path / "deploy.toml"
    path.write_text("", encoding="utf-8")
    directory = routing.load_directory(path)
    assert routing.route("lainnya", "35.78", keyword="KKP",
                         directory=directory).agency.code == "kkp:nasional"


def test_extra_file_replaces_a_shipped_rule_with_the_same_id(tmp_path):
    path = tmp_path / "deploy.toml"
    path.write_text("[[category_override]]\nid = 'surabaya-pju'\ncategory = 'perhubungan'\n"
                    "region = '35.78'\nagency_type = 'dishub'\n", encoding="utf-8")
    directory = routing.load_directory(path)
    assert routing.route("perhubungan", "35.78",
                         directory=directory).agency.code == "dishub:35.78"


def test_without_the_default_file_the_shipped_keyword_is_gone():
    directory = routing.load_directory(include_default=False)
    assert routing.route("lainnya", "35.78", keyword="KKP",
                         directory=directory).agency.code == "pengelola_lapor:35.78"
