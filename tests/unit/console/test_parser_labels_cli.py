"""`parser labels import|export`, `parser retrain`, `parser models|activate`, the admin page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import sms_gateway.cli.parser as cli_parser
from sms_gateway.console import audit
from sms_gateway.services import Services
from sms_gateway.store import parser_models
from tests.labels_corpus import corpus


@pytest.fixture
def cli(services: Services, monkeypatch: pytest.MonkeyPatch) -> Any:
    class _Kept:
        def __getattr__(self, name: str) -> Any:
            return getattr(services, name)

        def close(self) -> None:
            pass  # the fixture closes the services

    monkeypatch.setattr(cli_parser, "_deployment", lambda: _Kept())
    return lambda *args: CliRunner().invoke(cli_parser.parser_group, list(args))


def _csv(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def test_import_names_each_bad_line_and_imports_nothing(cli, tmp_path: Path) -> None:
    path = _csv(tmp_path / "l.csv", "text,category,region\njalan rusak,jalan_drainase,\n"
                                    ",sampah_lingkungan,\nbanjir,cuaca,\nktp,adminduk,99.99\n")
    result = cli("labels", "import", "--csv", str(path))
    assert (result.exit_code, [line for line in result.output.splitlines()
                               if "line" in line]) == (1, [
        f"{path}: line 3: empty text", f"{path}: line 4: unknown category 'cuaca'",
        f"{path}: line 5: unknown region code '99.99'"])


def test_importing_the_same_file_twice_adds_nothing_the_second_time(cli, tmp_path) -> None:
    path = _csv(tmp_path / "l.csv", "text,category\njalan rusak parah,jalan_drainase\n"
                                    "sampah numpuk,sampah_lingkungan\n")
    first, second = cli("labels", "import", "--csv", str(path)), cli(
        "labels", "import", "--csv", str(path))
    assert (first.output.strip(), second.output.strip()) == (
        f"{path}: 2 rows read, 2 labels added, 0 already imported",
        f"{path}: 2 rows read, 0 labels added, 2 already imported")


def test_export_writes_the_imported_labels_with_source_and_actor(cli, tmp_path) -> None:
    path = _csv(tmp_path / "l.csv", "text,category,region\njalan rusak,jalan_drainase,35.78\n")
    cli("labels", "import", "--csv", str(path))
    out = tmp_path / "out.csv"
    cli("labels", "export", "--out", str(out))
    assert out.read_text().splitlines()[1].split(",")[:5] == [
        "jalan rusak", "jalan_drainase", "35.78", "import", "import:l.csv"]


def test_retrain_prints_both_models_and_promotes_a_better_one(cli, services, tmp_path) -> None:
    pytest.importorskip("sklearn")
    rows = "".join(f"{t},{c}\n" for t, c in corpus(90, seed=5))
    cli("labels", "import", "--csv", str(_csv(tmp_path / "l.csv", "text,category\n" + rows)))
    result = cli("retrain")
    with services.sessions() as s:
        active = parser_models.active_id(s)
        audited = [(e.actor.split(":")[0], e.action, e.target_id, (e.detail or {}).get("promoted"))
                   for e in audit.recent(s, action="model.retrain")]
    lines = result.output.splitlines()
    assert ([line.split()[0] for line in lines if line.startswith("  ")][-2:],
            lines[-1].split(":")[0], active) == (["candidate", "active"], "PROMOTED", 1), \
        result.output
    assert audited == [("cli", "model.retrain", "1", True)]


def test_retrain_without_labels_says_so(cli) -> None:
    result = cli("retrain")
    assert (result.exit_code, "no labels yet" in result.output) == (1, True)


def test_activate_rolls_back_and_models_marks_the_active_one(cli, services) -> None:
    with services.sessions.begin() as s:
        one = parser_models.add(s, b"one", {"rows": 1}, source="model_path", created_by="config")
        two = parser_models.add(s, b"two", {"rows": 2}, source="retrain", created_by="cli")
        parser_models.activate(s, two.id)
        ids = (one.id, two.id)
    cli("activate", str(ids[0]))
    listed = cli("models").output.splitlines()
    assert [line[:6] for line in listed] == [f"  {ids[1]:>4}", f"* {ids[0]:>4}"]


def test_activate_an_unknown_version_is_an_error(cli) -> None:
    assert cli("activate", "42").exit_code == 1


def test_admin_page_lists_versions_in_indonesian_and_activates_one(login, services) -> None:
    with services.sessions.begin() as s:
        row = parser_models.add(s, b"x", {"rows": 60, "accuracy": 0.9, "threshold": 0.7,
                                          "coverage": 0.5, "precision": 0.96},
                                source="retrain", created_by="cli",
                                note="worse on accuracy and coverage at target precision")
        row.created_at = datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
        version = row.id
    client = login("admin")
    page = client.get("/console/admin/models").get_data(as_text=True)
    client.post(f"/console/admin/models/{version}/activate",
                data={"csrf_token": client.csrf})
    with services.sessions() as s:
        active = parser_models.active_id(s)
    assert ("Diteruskan tanpa petugas" in page, active) == (True, version)
    # the retrain's verdict in Indonesian, the time in WIB, the bytes' hash to tell files apart
    assert "Lebih buruk dalam akurasi, cakupan pada target ketepatan" in page
    assert "01/12/2026 16:05" in page and parser_models.digest(b"x")[:12] in page


def test_operators_cannot_open_the_models_page(login) -> None:
    assert login("operator").get("/console/admin/models").status_code == 403


def test_scheduled_retraining_is_off_by_default(services) -> None:
    from sms_gateway.complaints.learning import scheduled_retrain

    assert scheduled_retrain(services) is None


def test_scheduled_retraining_trains_when_due(services, tmp_path) -> None:
    pytest.importorskip("sklearn")
    from dataclasses import replace

    from sms_gateway.complaints import learning
    from sms_gateway.console import labels

    path = _csv(tmp_path / "l.csv", "text,category\n" + "".join(
        f"{t},{c}\n" for t, c in corpus(60, seed=7)))
    with services.sessions.begin() as s:
        labels.import_csv(s, path, categories=frozenset(
            services.parser.current().parser.rules.categories),
            known_region=lambda c: True, actor="import")
    services.config = replace(services.config, parser=replace(services.config.parser,
                                                              retrain_every_hours=24))
    learning._last_run = 0.0
    report = learning.scheduled_retrain(services)
    with services.sessions() as s:
        created_by = [m.created_by for m in parser_models.versions(s)]
    assert (report is not None, created_by) == (True, ["schedule"])


def test_what_operators_judged_no_complaint_teaches_the_models_gate(
        cli, services, tmp_path) -> None:
    pytest.importorskip("sklearn")
    from parsers.gate import sms_sets
    from parsers.model import load_model_bytes
    from sms_gateway.complaints import learning
    from sms_gateway.store.console import LabelledExample

    # enough labels for a gate (parsers.gate.MIN_COMPLAINTS) once a fifth is held back
    rows = "".join(f"{t},{c}\n" for t, c in corpus(400, seed=6))
    cli("labels", "import", "--csv", str(_csv(tmp_path / "l.csv", "text,category\n" + rows)))
    judged = ["Promo pulsa murah hari ini, hub kami", "Mas jemput aku di stasiun ya"]
    with services.sessions.begin() as s:
        s.add_all([LabelledExample(text=text, decision=decision, source="review",
                                   actor="op@example.org")
                   for text, decision in zip(judged, learning.NOT_COMPLAINTS, strict=True)])
    report = learning.retrain(services, actor="test")
    with services.sessions() as s:
        row = s.get(parser_models.ParserModel, report.version_id)
        assert row is not None
        blob = row.blob
    gate = load_model_bytes(blob).gate
    assert report.label_counts["not_complaints"] == 2
    assert gate is not None and gate.figures["non_complaints"] == len(
        sms_sets("non_complaints")) + 2


def test_retrain_says_when_the_active_model_has_seen_the_held_back_labels() -> None:
    from types import SimpleNamespace

    from sms_gateway.complaints.learning import _seen_before

    active = SimpleNamespace(figures=SimpleNamespace(accuracy=0.795, held_back=3000))
    seen = _seen_before(active, {"active": {"accuracy": 0.957}})
    fair = _seen_before(active, {"active": {"accuracy": 0.81}})
    assert "0.957 on these labels against 0.795" in seen and fair == ""
