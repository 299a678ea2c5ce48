"""Labelled examples exported (`parser labels export`) for `parser train`, and the user CLI."""

from __future__ import annotations

import csv

from click.testing import CliRunner
from sqlalchemy import select

from sms_gateway.cli.console import user_group
from sms_gateway.cli.parser import parser_group
from sms_gateway.console import labels
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
    assert (result.exit_code, emails) == (0, ["ani@example.id"]), result.output


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
