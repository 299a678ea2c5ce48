"""HTTP in, SMS out: signed Twilio webhooks through the whole pipeline (embedded mode)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from werkzeug.test import EnvironBuilder, run_wsgi_app

from sms_gateway.app import create_app
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate
from sms_gateway.store.models import InboundMessage, OutboundMessage, Ticket
from tests.support.config import make_config
from tests.support.db import count
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.support.twilio_signing import PUBLIC_URL, inbound_form, signed

TICKET = re.compile(r"#\d{7}\b")


@pytest.fixture
def gateway(tmp_path: Path, twilio: FakeTwilio) -> Iterator[tuple[Services, Any]]:
    config = make_config(
        tmp_path, server={"public_url": PUBLIC_URL},
        sms={"outbound": "twilio"},
        twilio={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_": "1708",
                "api_base_url": twilio.url})
    migrate.upgrade(config)
    services = build_services(config, dispatcher=InlineDispatcher())
    app = create_app(services=services, start_background=False)
    yield services, app.test_client()
    services.close()


def post_sms(client: Any, form: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    return client.post("/sms/twilio", data=form,
                       headers=signed(form) if headers is None else headers)


def test_signed_webhook_answers_empty_twiml(gateway: tuple[Services, Any]) -> None:
    _, client = gateway
    response = post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    assert (response.status_code, response.data.endswith(b"<Response/>")) == (200, True)


def test_signed_webhook_creates_exactly_one_ticket(gateway: tuple[Services, Any]) -> None:
    services, client = gateway
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    assert count(services, Ticket) == 1


def test_reply_with_ticket_number_goes_through_twilio_api(
        gateway: tuple[Services, Any], twilio: FakeTwilio) -> None:
    services, client = gateway
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    with services.sessions() as session:
        number = session.execute(select(Ticket.number)).scalar_one()
    assert [(m["To"], TICKET.findall(m["Body"])) for m in twilio.sent] == [
        ("+6281234567890", [f"#{number}"])]


def test_chat_the_rules_would_route_gets_a_number_and_waits_for_an_operator(
        gateway: tuple[Services, Any], twilio: FakeTwilio) -> None:
    # The shipped complaint gate (no model configured): chat sent to 1708 by mistake reads as
    # a traffic complaint to the rules alone; the gate holds it back.
    services, client = gateway
    post_sms(client, inbound_form("SM1", "Kemarin jalan ke pasar macet parah, akhirnya telat "
                                         "ambil jahitan, besok lagi aja"))
    with services.sessions() as session:
        ticket = session.execute(select(Ticket)).scalar_one()
        reasons = session.execute(select(InboundMessage.parse)).scalar_one()["reasons"]
    assert (ticket.status, ticket.agency_code, "screen:gate" in reasons) == (
        "belum_terverifikasi", None, True)
    assert [m["Body"] for m in twilio.sent] == [
        f"Pesan diterima, nomor #{ticket.number}. Bila ini laporan untuk pemerintah, petugas "
        "akan memverifikasinya. Bila salah kirim, abaikan SMS ini."]


def test_reply_request_names_account_and_sender(
        gateway: tuple[Services, Any], twilio: FakeTwilio) -> None:
    _, client = gateway
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    request = twilio.requests[0]
    assert (request["path"], request["user"], request["form"]["From"]) == (  # type: ignore[index]
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json", ACCOUNT_SID, "1708")


def test_same_message_sid_again_changes_nothing(
        gateway: tuple[Services, Any], twilio: FakeTwilio) -> None:
    services, client = gateway
    form = inbound_form("SM1", "jalan rusak di kota bandung")
    post_sms(client, form)
    again = post_sms(client, form)
    assert (again.status_code, count(services, InboundMessage), count(services, Ticket),
            len(twilio.sent)) == (200, 1, 1, 1)


def test_forged_signature_gets_403_and_stores_nothing(gateway: tuple[Services, Any]) -> None:
    services, client = gateway
    form = inbound_form("SM1", "jalan rusak")
    forged = signed(form, token="not-the-real-token")
    response = post_sms(client, form, forged)
    assert (response.status_code, count(services, InboundMessage)) == (403, 0)


def test_a_rejected_signature_is_logged_with_the_url_it_was_checked_against(
        gateway: tuple[Services, Any], caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from sms_gateway.telco import webhooks

    monkeypatch.setattr(webhooks, "_REJECTED_AT", {})
    _, client = gateway
    form = inbound_form("SM1", "jalan rusak")
    with caplog.at_level("WARNING", logger="sms_gateway.telco.webhooks"):
        for _ in range(3):  # once a minute per channel, not once per request
            client.post("/sms/twilio?From=%2B6281234567890", data=form, headers={})
    warnings = [r.getMessage() for r in caplog.records if "webhook rejected" in r.getMessage()]
    assert len(warnings) == 1 and f"checked against {PUBLIC_URL}/sms/twilio:" in warnings[0]
    assert "6281234567890" not in caplog.text


def test_missing_signature_gets_403(gateway: tuple[Services, Any]) -> None:
    _, client = gateway
    assert post_sms(client, inbound_form("SM1", "jalan rusak"), {}).status_code == 403


def test_a_webhook_url_with_a_query_string_is_verified_as_twilio_signs_it(
        gateway: tuple[Services, Any]) -> None:
    # Twilio signs the URL it calls, query string included, and the POST fields alone
    services, client = gateway
    form = inbound_form("SM1", "jalan rusak di kota bandung")
    response = client.post("/sms/twilio?src=tw", data=form,
                           headers=signed(form, "/sms/twilio?src=tw"))
    assert (response.status_code, count(services, InboundMessage)) == (200, 1)


def test_a_query_field_signed_as_a_posted_one_gets_403(gateway: tuple[Services, Any]) -> None:
    _, client = gateway
    form = inbound_form("SM1", "jalan rusak di kota bandung")
    headers = signed({**form, "src": "tw"}, "/sms/twilio?src=tw")
    assert client.post("/sms/twilio?src=tw", data=form, headers=headers).status_code == 403


def test_a_signed_body_moved_into_the_query_is_not_read(gateway: tuple[Services, Any]) -> None:
    # Twilio glues the URL and the sorted body fields with no separator: whoever holds one
    # signed request for a URL with a query can move the body into the query (same signed
    # string, same signature). The fields are read from the body alone, so nothing is stored.
    from urllib.parse import quote

    services, client = gateway
    form = inbound_form("SM" + "b" * 32, "&Body=STOP&From=%2B6281200000098&MessageSid=SMd&z=")
    headers = signed(form, "/sms/twilio?src=tw")
    glued = "".join(key + form[key] for key in sorted(form))
    response = client.post("/sms/twilio?src=tw" + quote(glued, safe="&=%+"), data=b"",
                           headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert (response.status_code, count(services, InboundMessage)) == (400, 0)


@pytest.mark.parametrize("path", ["/sms/twilio", "/sms/twilio/status"])
def test_a_host_header_idna_cannot_read_is_a_400_not_a_500(
        tmp_path: Path, twilio: FakeTwilio, path: str) -> None:
    # without a public_url the URL a signature is checked against is built from the Host
    config = make_config(tmp_path, sms={"outbound": "twilio"},
                         twilio={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
                                 "from_": "1708", "api_base_url": twilio.url})
    migrate.upgrade(config)
    services = build_services(config, dispatcher=InlineDispatcher())
    try:
        app = create_app(services=services, start_background=False)
        form = inbound_form("SM1", "jalan rusak")
        # straight to the WSGI app: werkzeug's test client itself fails on such a Host
        environ = EnvironBuilder(path=path, method="POST", data=form,
                                 headers={"Host": "xn--a", **signed(form)}).get_environ()
        _, status, _ = run_wsgi_app(app, environ, buffered=True)
    finally:
        services.close()
    assert status.startswith("400")


def test_signature_over_other_params_gets_403(gateway: tuple[Services, Any]) -> None:
    _, client = gateway
    form = inbound_form("SM1", "jalan rusak")
    headers = signed(form)
    form["Body"] = "tampered"
    assert post_sms(client, form, headers).status_code == 403


@pytest.mark.parametrize("field", ["From", "Body", "MessageSid"])
def test_missing_field_gets_400_naming_it(gateway: tuple[Services, Any], field: str) -> None:
    _, client = gateway
    form = inbound_form("SM1", "jalan rusak")
    del form[field]
    response = post_sms(client, form)
    assert (response.status_code, field.encode() in response.data) == (400, True)


def test_impossible_sender_number_gets_400(gateway: tuple[Services, Any]) -> None:
    services, client = gateway
    response = post_sms(client, inbound_form("SM1", "jalan rusak", sender="+62123"))
    assert (response.status_code, count(services, InboundMessage)) == (400, 0)


def test_invalid_utf8_gets_400(gateway: tuple[Services, Any]) -> None:
    services, client = gateway
    body = b"MessageSid=SM1&From=%2B6281234567890&Body=jalan%FF%FE"
    response = client.post("/sms/twilio", data=body,
                           content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": "x"})
    assert (response.status_code, b"UTF-8" in response.data) == (400, True)


def test_oversized_body_gets_413(gateway: tuple[Services, Any]) -> None:
    services, client = gateway
    form = inbound_form("SM1", "x" * (services.config.server.max_body_bytes + 10))
    assert post_sms(client, form).status_code == 413


def test_emoji_and_arabic_text_is_stored_as_sent(gateway: tuple[Services, Any]) -> None:
    services, client = gateway
    body = "jalan rusak 🙏🙏 مرحبا di kota bandung"
    post_sms(client, inbound_form("SM1", body))
    with services.sessions() as session:
        assert session.execute(select(InboundMessage.text)).scalar_one() == body


def test_database_down_answers_503_not_200(gateway: tuple[Services, Any]) -> None:
    services, client = gateway
    with services.engine.begin() as conn:
        conn.execute(text("DROP TABLE ticket_events"))
        conn.execute(text("ALTER TABLE inbound_messages RENAME TO inbound_gone"))
    assert post_sms(client, inbound_form("SM1", "jalan rusak")).status_code == 503


def _ticket_number(services: Services) -> str:
    with services.sessions() as session:
        return str(session.execute(select(Ticket.number)).scalar_one())


def test_cek_from_the_filing_phone_returns_the_status(
        gateway: tuple[Services, Any], twilio: FakeTwilio) -> None:
    services, client = gateway
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    number = _ticket_number(services)
    post_sms(client, inbound_form("SM2", f"CEK {number}"))
    assert twilio.sent[-1]["Body"].startswith(f"Tiket #{number}: ")


def test_cek_from_another_phone_reveals_nothing(
        gateway: tuple[Services, Any], twilio: FakeTwilio) -> None:
    services, client = gateway
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    number = _ticket_number(services)
    post_sms(client, inbound_form("SM2", f"CEK {number}", sender="+6285700000001"))
    post_sms(client, inbound_form("SM3", "CEK 1000000", sender="+6285700000001"))
    other, missing = twilio.sent[-2]["Body"], twilio.sent[-1]["Body"]
    assert other.replace(number, "N") == missing.replace("1000000", "N")


def test_status_callback_moves_forward_only(
        gateway: tuple[Services, Any], twilio: FakeTwilio) -> None:
    services, client = gateway
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    with services.sessions() as session:
        sid = session.execute(select(OutboundMessage.provider_message_id)).scalar_one()
    for status in ("delivered", "sent"):
        form = {"MessageSid": sid, "MessageStatus": status}
        client.post("/sms/twilio/status", data=form, headers=signed(form, "/sms/twilio/status"))
    with services.sessions() as session:
        assert session.execute(select(OutboundMessage.status)).scalar_one() == "delivered"


def test_status_callback_with_unknown_status_gets_400(gateway: tuple[Services, Any]) -> None:
    _, client = gateway
    form = {"MessageSid": "SMx", "MessageStatus": "teleported"}
    response = client.post("/sms/twilio/status", data=form,
                           headers=signed(form, "/sms/twilio/status"))
    assert response.status_code == 400


def test_unknown_channel_gets_404(gateway: tuple[Services, Any]) -> None:
    _, client = gateway
    assert client.post("/sms/nosuch", data={"a": "b"}).status_code == 404
