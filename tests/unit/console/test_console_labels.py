"""Labelled examples exported (`parser labels export`) for `parser train`, and the user CLI."""

from __future__ import annotations

import csv

from click.testing import CliRunner
from sqlalchemy import select

from sms_gateway.cli.console import user_group
from sms_gateway.cli.parser import parser_group
from sms_gateway.console import audit, labels
from sms_gateway.store.console import ConsoleUser, LabelledExample
from tests.unit.console.conftest import add_pending


def _label(services, text, category, decision="ticket"):
    message_id = add_pending(services, text)
    with services.sessions.begin() as s:
        s.add(LabelledExample(inbound_message_id=message_id, text=text, decision=decision,
                              category=category))


def test_export_writes_text_and_category_with_a_header(services, tmp_path):
    _label(services, "got mampet\ndi gang 3", "jalan_drainase")
    out = tmp_path / "labels.csv"
    with services.sessions() as s:
        labels.export_csv(s, out)
    with out.open(newline="") as fh:
        rows = [row[:5] for row in csv.reader(fh)]
    assert rows == [["text", "category", "region", "source", "actor"],
                    ["got mampet di gang 3", "jalan_drainase", "", "review", ""]]


def test_export_leaves_out_decisions_without_a_category(services, tmp_path):
    _label(services, "beli pulsa murah", None, decision="spam")
    _label(services, "sampah numpuk", "sampah_lingkungan")
    out = tmp_path / "labels.csv"
    with services.sessions() as s:
        assert labels.export_csv(s, out) == 1


def test_export_command_writes_the_file(services, tmp_path, monkeypatch):
    _label(services, "sampah numpuk", "sampah_lingkungan")
    monkeypatch.setenv("SMS_GATEWAY_PII_KEY", "")
    _point_cli_at(monkeypatch, services)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(parser_group, ["labels", "export", "--out", str(out)])
    assert (result.exit_code, out.read_text().splitlines()[1].split(",")[:2]) == (
        0, ["sampah numpuk", "sampah_lingkungan"]), result.output
    assert out.stat().st_mode & 0o777 == 0o600  # citizens' texts


def test_export_command_refuses_a_bad_date(services, tmp_path, monkeypatch):
    _point_cli_at(monkeypatch, services)
    result = CliRunner().invoke(parser_group, ["labels", "export",
                                               "--out", str(tmp_path / "x.csv"), "--since",
                                               "kemarin"])
    assert result.exit_code == 1


def test_user_create_reads_the_password_from_stdin(services, monkeypatch):
    _point_cli_at(monkeypatch, services)
    result = CliRunner().invoke(user_group, ["create", "--role", "operator",
                                             "--password-stdin", "Ani@Example.id"],
                                input="a long enough password\n")
    with services.sessions() as s:
        emails = s.execute(select(ConsoleUser.email)).scalars().all()
        audited = [(e.actor.split(":")[0], e.action, e.target_id) for e in audit.recent(s)]
    assert (result.exit_code, emails) == (0, ["ani@example.id"]), result.output
    assert audited == [("cli", "user.create", "ani@example.id")]


def test_cli_label_import_and_model_activation_are_audited(services, monkeypatch, tmp_path):
    from sms_gateway.store import parser_models

    _point_cli_at(monkeypatch, services)
    data = tmp_path / "history.csv"
    data.write_text("text,category\nsampah numpuk di gang 3,sampah_lingkungan\n")
    with services.sessions.begin() as s:
        version = parser_models.add(s, b"a model", {}, source="retrain", created_by="test").id
    imported = CliRunner().invoke(parser_group, ["labels", "import", "--csv", str(data)])
    activated = CliRunner().invoke(parser_group, ["activate", str(version)])
    with services.sessions() as s:
        audited = [(e.actor.split(":")[0], e.action, e.target_id, (e.detail or {}).get("added"))
                   for e in reversed(audit.recent(s))]
    assert (imported.exit_code, activated.exit_code) == (0, 0), imported.output + activated.output
    assert audited == [("cli", "labels.import", "history.csv", 1),
                       ("cli", "model.activate", str(version), None)]


def test_user_create_refuses_a_short_password(services, monkeypatch):
    _point_cli_at(monkeypatch, services)
    result = CliRunner().invoke(user_group, ["create", "--role", "operator",
                                             "--password-stdin", "ani@example.id"],
                                input="short\n")
    assert result.exit_code == 1


def _point_cli_at(monkeypatch, services):
    """Make the CLI use the test's services instead of building its own from config."""
    import sms_gateway.cli.console as cli_console
    import sms_gateway.cli.parser as cli_parser

    class _Kept:
        def __getattr__(self, name):
            return getattr(services, name)

        def close(self):
            pass  # the fixture closes the services

    monkeypatch.setattr(cli_console, "_services", lambda: _Kept())
    monkeypatch.setattr(cli_parser, "_deployment", lambda: _Kept())
