"""Several channels: failover, throttling, early delivery reports, channel logs."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from sms_gateway.config import Config
from sms_gateway.jobs.periodic import channel_upkeep
from sms_gateway.store.channels import ChannelLog, PendingStatus
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import OutboundMessage
from sms_gateway.telco import channel_logs, channels, status_reports
from sms_gateway.telco.providers import build_channels
from sms_gateway.telco.providers.base import StatusReport
from sms_gateway.telco.providers.transport import Redactor
from sms_gateway.telco.providers.twilio import TwilioOptions, TwilioProvider
from tests.providers.conftest import SECRETS, kannel_channel
from tests.providers.harness import FakeAdapter, OutgoingCase, Reply, Variant, run_outgoing

PRIMARY = Variant("primary", "kannel", lambda u, f, h: u, (), "kannel.test:13013")


@pytest.fixture
def config(config: Config) -> Config:
    """Kannel first, Jasmin as failover."""
    return replace(config, sms=replace(config.sms, outbound="kannel", failover=("jasmin",)))


def test_retryable_failure_fails_over_to_the_next_channel(services: Any,
                                                          fake_http: FakeAdapter) -> None:
    row = run_outgoing(services, fake_http, PRIMARY, OutgoingCase(
        "failover", (Reply(503, "Sending failed"), Reply(200, 'Success "j-9"'))))
    assert (row.status, row.channel, row.provider_message_id) == ("sent", "jasmin", "j-9")


def test_final_failure_does_not_fail_over(services: Any, fake_http: FakeAdapter) -> None:
    run_outgoing(services, fake_http, PRIMARY, OutgoingCase(
        "refused", (Reply(400, "Empty receiver number"), Reply(200, 'Success "j-9"'))))
    assert len(fake_http.requests) == 1


def test_failing_channel_is_skipped_while_it_cools_down(services: Any,
                                                         fake_http: FakeAdapter) -> None:
    run_outgoing(services, fake_http, PRIMARY, OutgoingCase(
        "first", (Reply(503, "down"), Reply(200, 'Success "j-1"'))))
    run_outgoing(services, fake_http, PRIMARY, OutgoingCase(
        "second", (Reply(200, 'Success "j-2"'),)))
    assert fake_http.requests[-1].url == "http://jasmin.test:1401/send"


def test_every_send_attempt_is_a_channel_log_of_its_message(services: Any,
                                                            fake_http: FakeAdapter) -> None:
    row = run_outgoing(services, fake_http, PRIMARY, OutgoingCase(
        "logged", (Reply(503, "Sending failed"), Reply(200, 'Success "j-3"'))))
    with services.sessions() as session:
        logs = channel_logs.for_message(session, outbound_id=row.id)
        assert [(log.channel, log.status) for log in logs] == [("kannel", 503),
                                                               ("jasmin", 200)]


def test_channel_log_masks_password_and_phone(services: Any, fake_http: FakeAdapter) -> None:
    row = run_outgoing(services, fake_http, PRIMARY, OutgoingCase(
        "masked", (Reply(202, "0: Accepted"),)))
    with services.sessions() as session:
        log = channel_logs.for_message(session, outbound_id=row.id)[0]
    assert (log.request_headers["X-Kannel-Password"], log.request_headers["X-Kannel-To"]) == (
        "***", "+62812*****890")


def test_old_channel_logs_are_purged(services: Any, fake_http: FakeAdapter) -> None:
    run_outgoing(services, fake_http, PRIMARY, OutgoingCase("old", (Reply(202, "0: Ok"),)))
    with services.sessions.begin() as session:
        session.execute(update(ChannelLog).values(created_at=utcnow() - timedelta(days=15)))
    assert channel_upkeep()["logs_purged"] == 1


def test_report_before_the_send_is_recorded_is_applied_with_it(services: Any,
                                                                fake_http: FakeAdapter) -> None:
    with services.sessions.begin() as session:
        status_reports.record(session, "kannel", StatusReport("out-1", "delivered"))
    row = run_outgoing(services, fake_http, PRIMARY, OutgoingCase(
        "early", (Reply(202, "0: Accepted"),)))
    assert row.status == "delivered"


def test_report_that_slipped_between_is_applied_by_upkeep(services: Any,
                                                           fake_http: FakeAdapter) -> None:
    row = run_outgoing(services, fake_http, PRIMARY, OutgoingCase(
        "slipped", (Reply(202, "0: Accepted"),)))
    with services.sessions.begin() as session:
        session.add(PendingStatus(channel="kannel", provider_message_id="out-1",
                                  status="delivered"))
    channel_upkeep()
    with services.sessions() as session:
        assert session.get(OutboundMessage, row.id).status == "delivered"


def test_status_never_moves_backwards(services: Any, fake_http: FakeAdapter) -> None:
    row = run_outgoing(services, fake_http, PRIMARY, OutgoingCase(
        "order", (Reply(202, "0: Accepted"),)))
    with services.sessions.begin() as session:
        status_reports.record(session, "kannel", StatusReport("out-1", "delivered"))
        status_reports.record(session, "kannel", StatusReport("out-1", "sent"))
    with services.sessions() as session:
        assert session.get(OutboundMessage, row.id).status == "delivered"


def test_saturated_channel_hands_the_sms_back_uncounted(services: Any,
                                                        fake_http: FakeAdapter,
                                                        monkeypatch: Any) -> None:
    cfg = replace(services.config, channels={
        **services.config.channels, "kannel": kannel_channel(rate_limit=0.01, burst=1)})
    services.config = cfg
    services.channels = build_channels(cfg, adapter=fake_http)
    monkeypatch.setattr(channels, "MAX_THROTTLE_WAIT_SECONDS", 0.0)
    run_outgoing(services, fake_http, PRIMARY, OutgoingCase("a", (Reply(202, "0: Ok"),)))
    row = run_outgoing(services, fake_http, PRIMARY, OutgoingCase("b", (Reply(202, "0: Ok"),)))
    assert (row.status, row.attempts, len(fake_http.requests)) == ("queued", 0, 1)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_refills_at_the_configured_rate() -> None:
    clock = Clock()
    buckets = channels.LocalBuckets(clock=clock)
    waits = [buckets.take("k", 2.0, 2.0, 1.0) for _ in range(3)]
    clock.now += 0.5
    assert (waits, buckets.take("k", 2.0, 2.0, 1.0)) == ([0.0, 0.0, 0.5], 0.0)


def test_notifications_leave_a_reserve_for_replies() -> None:
    buckets = channels.LocalBuckets(clock=Clock())
    for _ in range(9):
        buckets.take("k", 10.0, 10.0, 1.0)
    # One token left: a notification (needs 1 + 20% of the bucket) waits, a reply does not.
    assert (buckets.take("k", 10.0, 10.0, 3.0) > 0, buckets.take("k", 10.0, 10.0, 1.0)) == (
        True, 0.0)


def test_redactor_masks_secrets_in_every_encoding() -> None:
    red = Redactor(("p@ss w0rd/+",))
    text = red.text("a=p%40ss+w0rd%2F%2B&b=p%40ss%20w0rd%2F%2B&c=p@ss w0rd/+")
    assert "w0rd" not in text


def test_send_chain_puts_the_message_channel_first(services: Any) -> None:
    assert [c.name for c in channels.send_chain(services, "jasmin")] == ["jasmin", "kannel"]


def test_unknown_failover_channel_is_a_clear_error(config: Config) -> None:
    bad = replace(config, sms=replace(config.sms, failover=("nope",)))
    with pytest.raises(ValueError, match="unknown channel: 'nope'"):
        build_channels(bad)


def test_unknown_provider_is_a_clear_error(config: Config) -> None:
    bad = replace(config, channels={"x": replace(kannel_channel(), provider="smpp")})
    with pytest.raises(ValueError, match="channels.x.provider"):
        build_channels(bad)


def test_channel_secrets_come_from_the_environment(tmp_path: Any) -> None:
    from sms_gateway.config import load_config

    path = tmp_path / "c.toml"
    path.write_text('[channels.kannel]\nprovider = "kannel"\npassword = "file"\n')
    cfg = load_config(path, env={"SMS_GATEWAY_CHANNEL_KANNEL_PASSWORD": SECRETS["twilio"]})
    assert cfg.channels["kannel"].options["password"] == SECRETS["twilio"]


def test_unknown_channel_key_is_a_config_error(tmp_path: Any) -> None:
    from sms_gateway.config import ConfigError, load_config

    path = tmp_path / "c.toml"
    path.write_text('[channels.kannel]\nprovider = "kannel"\npasword = "typo"\n')
    with pytest.raises(ConfigError, match="channels.kannel.pasword for provider kannel"):
        build_channels(load_config(path, env={}))


@pytest.mark.parametrize(("provider", "key"), [
    ("http", "dlr_mask"), ("kannel", "preset"), ("console", "url"), ("twilio", "secret"),
    ("twilio", "account_sid")])
def test_a_key_of_another_provider_is_a_config_error(tmp_path: Any, provider: str,
                                                      key: str) -> None:
    from sms_gateway.config import ConfigError, load_config

    path = tmp_path / "c.toml"
    path.write_text(f'[channels.x]\nprovider = "{provider}"\n{key} = "1"\n')
    with pytest.raises(ConfigError, match=f"channels.x.{key} for provider {provider}"):
        build_channels(load_config(path, env={}))


def test_a_wrong_type_of_a_provider_option_names_channel_and_key(tmp_path: Any) -> None:
    from sms_gateway.config import ConfigError, load_config

    path = tmp_path / "c.toml"
    path.write_text('[channels.k]\nprovider = "kannel"\ndlr_mask = "all"\n')
    with pytest.raises(ConfigError, match="channels.k.dlr_mask: expected an integer"):
        build_channels(load_config(path, env={}))


def test_a_twilio_channel_table_uses_the_generic_key_names(tmp_path: Any) -> None:
    from sms_gateway.config import load_config

    path = tmp_path / "c.toml"
    path.write_text('[channels.tw2]\nprovider = "twilio"\nusername = "AC1"\n'
                    'password = "tok"\nfrom = "+621708"\nurl = "http://twilio.test"\n')
    channel = build_channels(load_config(path, env={}))["tw2"]
    assert isinstance(channel, TwilioProvider)
    assert channel.options == TwilioOptions("AC1", "tok", "+621708", "http://twilio.test")


def test_logs_of_an_unknown_message_are_empty(services: Any) -> None:
    with services.sessions() as session:
        assert channel_logs.for_message(session, outbound_id=999) == []


def test_kept_report_is_stored_when_no_send_matches(services: Any) -> None:
    with services.sessions.begin() as session:
        status_reports.record(session, "kannel", StatusReport("out-77", "sent"))
    with services.sessions() as session:
        assert session.execute(select(PendingStatus.provider_message_id)).scalars().all() == [
            "out-77"]
