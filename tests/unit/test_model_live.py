"""The model live: the configured model checked at start-up, versions in the database, hot swap."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from parsers.gate import MIN_COMPLAINTS
from sms_gateway.config import Config
from sms_gateway.console import audit
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate, parser_models
from sms_gateway.store.models import InboundMessage
from sms_gateway.telco.inbox import enqueue_inbound
from sms_gateway.telco.intake import store_inbound
from sms_gateway.telco.providers.base import IncomingSms
from tests.labels_corpus import corpus
from tests.support.config import make_config


def _send(services: Services, text: str, mid: str) -> dict:
    stored = store_inbound(services, "console", "console",
                           IncomingSms(mid, "+6281234567890", "1708", text, {}))
    enqueue_inbound(services, stored.message_id)
    with services.sessions() as session:
        message = session.get(InboundMessage, stored.message_id)
        assert message is not None and message.parse is not None
        return message.parse


def _model_file(tmp_path: Path, seed: int = 0, rows: int = 60) -> Path:
    pytest.importorskip("sklearn")
    from parsers.model import save_model, train

    rows = corpus(rows, seed)
    model = train([t for t, _ in rows], [c for _, c in rows])
    path = tmp_path / f"model-{seed}.bin"
    save_model(model, path)
    return path


def _services(tmp_path: Path, **parser: object) -> Services:
    from sms_gateway.dispatch import InlineDispatcher

    config = make_config(tmp_path, parser=parser)
    migrate.upgrade(config)
    return build_services(config, dispatcher=InlineDispatcher())


def test_a_parse_without_a_model_records_no_model_version(services: Services) -> None:
    parse = _send(services, "jalan berlubang besar di depan rumah mohon diperbaiki", "a")
    assert ("model_version" in parse, parse["model_version"]) == (True, None)


def test_the_log_says_rules_only_when_no_model_decides(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="sms_gateway.complaints.live_parser"):
        services = _services(tmp_path)
        try:
            _send(services, "jalan berlubang besar di depan rumah mohon diperbaiki", "a")
        finally:
            services.close()
    assert "parser model version - -> rules only" in caplog.text, caplog.text


def test_the_configured_model_decides_and_is_registered_as_version_one(tmp_path: Path) -> None:
    path = _model_file(tmp_path)
    services = _services(tmp_path, model_path=str(path))
    try:
        parse = _send(services, "sampah menumpuk berhari hari di depan rumah", "a")
        with services.sessions() as session:
            rows = [(m.id, m.active, m.source, m.note) for m in parser_models.versions(session)]
            audited = [(e.actor, e.action, e.target_id) for e in audit.recent(session)]
    finally:
        services.close()
    assert (parse["model_version"], "model:svm" in parse["reasons"], rows) == (
        1, True, [(1, True, "model_path", str(path))])
    assert audited == [("config", "model.register", "1")]


def test_a_look_at_the_parser_registers_and_activates_nothing(tmp_path: Path) -> None:
    # `sms-gateway parse` only looks: the configured file decides (the workers will register
    # and activate it), and no version appears for every worker to switch to
    from sms_gateway.complaints.live_parser import LiveParser, check_model_file

    path = _model_file(tmp_path)
    services = _services(tmp_path)
    try:
        look = LiveParser(services.sessions, configured=check_model_file(str(path)),
                          configured_path=str(path), register=False).current()
        with services.sessions() as session:
            versions = parser_models.versions(session)
    finally:
        services.close()
    assert (str(look.version).startswith("file:"), look.parser.model is not None, versions) \
        == (True, True, [])


def test_a_restart_with_the_same_model_registers_no_second_version(tmp_path: Path) -> None:
    path = _model_file(tmp_path)
    for mid in ("a", "b"):
        services = _services(tmp_path, model_path=str(path))
        try:
            _send(services, "got mampet meluap ke jalan", mid)
        finally:
            services.close()
    services = _services(tmp_path)
    try:
        with services.sessions() as session:
            assert len(parser_models.versions(session)) == 1
    finally:
        services.close()


def test_activating_another_version_reaches_a_running_process(tmp_path: Path) -> None:
    from parsers.model import dump_model_bytes, load_model

    first, second = _model_file(tmp_path, 0), _model_file(tmp_path, 1)
    services = _services(tmp_path, model_path=str(first), model_check_seconds=0)
    try:
        before = _send(services, "ktp elektronik belum jadi sudah lama", "a")["model_version"]
        with services.sessions.begin() as session:
            blob = dump_model_bytes(load_model(second))
            row = parser_models.add(session, blob, {}, source="retrain", created_by="test")
            parser_models.activate(session, row.id)
            new_id = row.id
        after = _send(services, "ktp elektronik belum jadi sudah lama", "b")["model_version"]
    finally:
        services.close()
    assert (before, after) == (1, new_id)


@pytest.mark.parametrize(("content", "says"), [
    (None, "no such model file"),
    (b"sms1708-category-model\n" + json.dumps({"format": 2, "figures": {}}).encode() + b"\nx",
     "model format 2"),
    (b"\x80\x04not a model at all", "not a parser category model"),
])
def test_a_model_that_cannot_be_used_stops_start_up_naming_it(
        tmp_path: Path, content: bytes | None, says: str) -> None:
    from parsers.model import ModelError

    path = tmp_path / "configured.bin"
    if content is not None:
        path.write_bytes(content)
    config = make_config(tmp_path, parser={"model_path": str(path)})
    with pytest.raises(ModelError, match=f"{path}.*{says}"):
        build_services(config)


def test_the_cli_stops_with_one_line_naming_the_bad_model(
        embedded_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sms_gateway.cli.main import main

    toml = tmp_path / "gateway.toml"
    toml.write_text(f'[server]\nvar_dir = "{tmp_path / "var"}"\n'
                    f'[parser]\nmodel_path = "{tmp_path / "missing.bin"}"\n', encoding="utf-8")
    monkeypatch.setenv("SMS_GATEWAY_CONFIG", str(toml))
    result = CliRunner().invoke(main, ["simulate", "--from", "+6281234567890", "halo"])
    assert (result.exit_code, result.output.strip().splitlines()) == (
        1, [f"Error: model error: [parser] model_path {tmp_path / 'missing.bin'}: "
            "no such model file"])


def test_the_service_runs_without_scikit_learn_when_no_model_is_configured(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now fails
    parse = _send(services, "jalan berlubang besar di depan rumah mohon diperbaiki", "a")
    assert (parse["intent"], parse["model_version"]) == ("complaint", None)


def _active_version_without_scikit_learn(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> Services:
    """A process without scikit-learn while another one made a model version active."""
    import sys

    from parsers.model import dump_model_bytes, load_model

    blob = dump_model_bytes(load_model(_model_file(tmp_path)))
    services = _services(tmp_path, model_check_seconds=0)
    with services.sessions.begin() as session:
        parser_models.activate(session, parser_models.add(session, blob, {}, source="retrain",
                                                          created_by="test").id)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now fails
    monkeypatch.delitem(sys.modules, "parsers.modelfile", raising=False)
    return services


def test_an_active_version_this_process_cannot_load_leaves_no_sms_unparsed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    services = _active_version_without_scikit_learn(tmp_path, monkeypatch)
    try:
        with caplog.at_level("ERROR", logger="sms_gateway.complaints.live_parser"):
            parse = _send(services, "jalan berlubang besar di depan rumah mohon diperbaiki", "a")
    finally:
        services.close()
    assert (parse["intent"], parse["model_version"]) == ("complaint", None)
    assert "scikit-learn is not installed here" in caplog.text


def test_start_up_stops_with_one_line_when_the_active_version_cannot_be_loaded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click import ClickException

    from sms_gateway.cli.common import require_active_model

    services = _active_version_without_scikit_learn(tmp_path, monkeypatch)
    try:
        with pytest.raises(ClickException) as caught:
            require_active_model(services)
    finally:
        services.close()
    assert caught.value.message.startswith("model error: model version ")
    assert "scikit-learn is not installed here (install the ml extra: pip install -e '.[ml]'" \
        in caught.value.message and "\n" not in caught.value.message


def test_auto_route_precision_outside_zero_to_one_is_a_config_error(config: Config) -> None:
    from sms_gateway.config import ConfigError

    bad = replace(config, parser=replace(config.parser, auto_route_precision=95.0))
    with pytest.raises(ConfigError, match="auto_route_precision"):
        build_services(bad)


def test_the_models_complaint_gate_is_asked_in_the_live_gateway(tmp_path: Path) -> None:
    # Chat the rules alone route as a complaint (a jam, a grievance word): with the model, its
    # gate holds it back (the citizen gets a ticket number and an operator looks).
    chat = ("Bu, jalan raya di Kelurahan Ketintang Kota Surabaya macet parah krn truk mogok. "
            "Sy muter lwt Gayungan aja, plg telat")
    path = _model_file(tmp_path, rows=MIN_COMPLAINTS)  # fewer: no gate is trained
    services = _services(tmp_path, model_path=str(path))
    rules = services.parser.current().parser.with_model(None).with_gate(None)
    try:
        live = services.parser.current().parser
        parse = _send(services, chat, "a")
    finally:
        services.close()
    assert rules.parse(chat).needs_review is False  # the rules alone would route it
    assert live.active_gate is not None and live.active_gate is live.model.gate  # type: ignore[union-attr]
    assert (parse["needs_review"], "screen:gate" in parse["reasons"]) == (True, True), parse


@pytest.mark.parametrize("shipped_gate", [True, False])
def test_parser_shipped_gate_switches_the_shipped_gate(tmp_path: Path, shipped_gate: bool) -> None:
    # Chat the rules alone route; [parser] shipped_gate decides whether the shipped gate holds
    # it back in the running gateway (no model configured).
    chat = "Kemarin jalan ke pasar macet parah, akhirnya telat ambil jahitan, besok lagi aja"
    services = _services(tmp_path, shipped_gate=shipped_gate)
    try:
        gate = services.parser.current().parser.active_gate
        parse = _send(services, chat, "a")
    finally:
        services.close()
    assert (gate is not None, parse["needs_review"], "screen:gate" in parse["reasons"]) == (
        shipped_gate, shipped_gate, shipped_gate), parse
