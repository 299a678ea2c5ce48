"""Label -> retrain -> promote -> the next SMS, through the webhook and the RQ worker, is parsed
by the new model, without a restart (Postgres, Redis, RQ's SimpleWorker)."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sms_gateway.app import create_app
from sms_gateway.config import Config
from sms_gateway.services import Services
from sms_gateway.store import parser_models
from sms_gateway.store.models import InboundMessage
from tests.labels_corpus import corpus
from tests.support.fake_twilio import FakeTwilio, sending_through
from tests.support.rq import run_worker
from tests.support.twilio_signing import inbound_form, signed

pytestmark = pytest.mark.integration
pytest.importorskip("sklearn")


@pytest.fixture
def prod_config(prod_config: Config, twilio: FakeTwilio) -> Config:
    config = sending_through(prod_config, twilio)
    return replace(config, parser=replace(config.parser, model_check_seconds=0))


def _sms(services: Services, client: Any, sid: str, text: str) -> dict[str, Any]:
    form = inbound_form(sid, text)
    assert client.post("/sms/twilio", data=form, headers=signed(form)).status_code == 200
    run_worker(services)
    with services.sessions() as session:
        message = session.execute(select(InboundMessage).where(
            InboundMessage.provider_message_id == sid)).scalar_one()
        assert message.parse is not None
        return message.parse


def test_labels_retrain_promote_and_the_next_sms_uses_the_new_model(
        prod_services: Services, tmp_path: Path) -> None:
    from sms_gateway.complaints.learning import retrain
    from sms_gateway.console import labels

    client = create_app(services=prod_services, start_background=False).test_client()
    text = "sampah belum diangkut truk di depan rumah warga"
    before = _sms(prod_services, client, "SM1", text)
    path = tmp_path / "history.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "category"])
        writer.writerows(corpus(90, seed=3))
    with prod_services.sessions.begin() as session:
        labels.import_csv(session, path, categories=frozenset(
            prod_services.parser.current().parser.rules.categories),
            known_region=lambda code: True, actor="import:history.csv")
    report = retrain(prod_services, actor="test")
    after = _sms(prod_services, client, "SM2", text)
    with prod_services.sessions() as session:
        active = parser_models.active_id(session)
    assert (before["model_version"], report.promoted, active, after["model_version"],
            "model:svm" in after["reasons"]) == (None, True, report.version_id,
                                                 report.version_id, True), report.reason
