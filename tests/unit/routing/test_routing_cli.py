"""`sms-gateway route`: the route as JSON from the command line."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sms_gateway.cli.routing import route_command


def run(*args):
    return CliRunner().invoke(route_command, list(args))


def test_route_prints_agency_code_name_and_reasons_as_json():
    data = json.loads(run("--category", "jalan_drainase", "--region", "35.78.05.1001").output)
    assert (data["agency"]["code"], data["agency"]["name"], len(data["reasons"]) > 1) == (
        "dinas_pupr:35.78", "Dinas Pekerjaan Umum dan Penataan Ruang Kota Surabaya", True)


def test_route_without_region_says_location_is_needed():
    data = json.loads(run("--category", "jalan_drainase").output)
    assert (data["agency"], data["needs_location"]) == (None, True)


def test_route_with_keyword_uses_the_keyword_route():
    data = json.loads(run("--category", "lainnya", "--region", "35.78", "--keyword", "KKP").output)
    assert data["agency"]["code"] == "kkp:nasional"


def test_unknown_category_is_a_usage_error():
    result = run("--category", "jalanan", "--region", "35.78")
    assert result.exit_code == 2 and "unknown category 'jalanan'" in result.output


def test_extra_override_file_is_applied(tmp_path):
    path = tmp_path / "deploy.toml"
    path.write_text("[[agency]]\ncode = 'dinsos:35.78'\nname = 'Dinsos Surabaya'\n",
                    encoding="utf-8")
    data = json.loads(run("--category", "bansos", "--region", "35.78",
                          "--overrides", str(path)).output)
    assert data["agency"]["name"] == "Dinsos Surabaya"


def test_bad_override_file_fails_naming_the_key(tmp_path):
    path = tmp_path / "deploy.toml"
    path.write_text("[[agency]]\ncode = 'dinsos:35.78'\nnama = 'X'\n", encoding="utf-8")
    result = run("--category", "bansos", "--region", "35.78", "--overrides", str(path))
    assert result.exit_code == 1 and "agency[0].nama: unknown key" in result.output


def test_route_about_officials_follows_the_oversight_rule():
    data = json.loads(run("--category", "pemerintahan_wilayah", "--region", "32.73.19.1004",
                          "--about-officials").output)
    assert (data["agency"]["code"], data["withheld_from"]) == (
        "bkpsdm:32.73", ["kantor_wilayah:32.73.19.1004"])
