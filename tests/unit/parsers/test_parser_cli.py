"""The parser's CLI functions, run through click's CliRunner."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sms_gateway.cli.parser import parse_command, parser_group

# Each command builds its configuration from the environment: the embedded one here.
pytestmark = pytest.mark.usefixtures("embedded_env")


def test_parse_prints_one_json_object_with_the_contract_fields() -> None:
    result = CliRunner().invoke(parse_command, ["--default-region", "35.78",
                                                "jalan berlubang di kel. kapasan"])
    data = json.loads(result.stdout)
    assert (data["intent"], data["region"]) == (
        "complaint", {"code": "35.78.11.1002", "name": "Kapasan", "level": "desa"})
    assert result.stderr.strip() == "rules only (no model version)"  # which model decided


def test_parse_jsonl_answers_each_line_in_order() -> None:
    result = CliRunner().invoke(parse_command, ["--jsonl"],
                                input="cek 1234567\nhalo\nSTOP\n")
    intents = [json.loads(line)["intent"] for line in result.stdout.splitlines()]
    assert intents == ["status", "unknown", "stop"]


def test_parse_without_text_or_jsonl_is_a_usage_error() -> None:
    assert CliRunner().invoke(parse_command, []).exit_code == 2


def _labelled_csv(path: Path) -> Path:
    rows = []
    for i in range(12):
        rows.append({"id": f"r{i}", "text": f"jalan berlubang rusak parah nomor {i}",
                     "category": "jalan_drainase", "kecamatan": "35.78.11",
                     "kelurahan": "35.78.11.1002"})
        rows.append({"id": f"s{i}", "text": f"sampah menumpuk di kel kapasan belum diangkut {i}",
                     "category": "sampah_lingkungan", "kecamatan": "35.78.11",
                     "kelurahan": "35.78.11.1002"})
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_eval_prints_accuracy_table_and_location(tmp_path: Path) -> None:
    data = _labelled_csv(tmp_path / "dev.csv")
    result = CliRunner().invoke(parser_group, ["eval", "--csv", str(data),
                                               "--default-region", "35.78"])
    assert "accuracy  1.0000" in result.output and "location:" in result.output


@pytest.mark.parametrize("args", [["train", "--out", "model.bin"], ["eval", "--folds", "3"]])
def test_training_without_the_ml_extra_is_one_line_naming_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "numpy", None)  # as if the ml extra were not installed
    data = _labelled_csv(tmp_path / "dev.csv")
    result = CliRunner().invoke(parser_group, [args[0], "--csv", str(data), *args[1:]])
    lines = result.output.strip().splitlines()
    assert (result.exit_code, len(lines)) == (1, 1)
    assert "numpy is not installed; install the ml extra: pip install -e '.[ml]'" in lines[0]


def test_eval_rejects_a_csv_without_category(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("text\nhalo\n", encoding="utf-8")
    result = CliRunner().invoke(parser_group, ["eval", "--csv", str(path)])
    assert "needs columns text,category" in result.output


def test_trained_model_is_used_by_parse(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    data = _labelled_csv(tmp_path / "dev.csv")
    model = tmp_path / "model.pkl"
    runner = CliRunner()
    runner.invoke(parser_group, ["train", "--csv", str(data), "--out", str(model)])
    result = runner.invoke(parse_command, ["--model", str(model),
                                           "sampah menumpuk belum diangkut seminggu"])
    data_out = json.loads(result.output)
    assert (data_out["category"], "model:svm" in data_out["reasons"]) == (
        "sampah_lingkungan", True)


def test_model_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    import pickle

    path = tmp_path / "other.pkl"
    path.write_bytes(pickle.dumps({"format": "something-else"}))
    result = CliRunner().invoke(parse_command, ["--model", str(path), "halo"])
    assert "not a parser category model" in result.output


def test_eval_cross_validates_the_plain_svm_baseline(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    data = _labelled_csv(tmp_path / "dev.csv")
    result = CliRunner().invoke(parser_group, ["eval", "--csv", str(data), "--folds", "2",
                                               "--baseline"])
    assert "2-fold cross-validated baseline" in result.output


def test_eval_baseline_without_folds_is_a_usage_error(tmp_path: Path) -> None:
    data = _labelled_csv(tmp_path / "dev.csv")
    result = CliRunner().invoke(parser_group, ["eval", "--csv", str(data), "--baseline"])
    assert result.exit_code == 2
