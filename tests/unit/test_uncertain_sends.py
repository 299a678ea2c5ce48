"""Sends whose fate is unknown are settled by the sweeper: resent, found at the provider, or held.

A stand-in channel that neither deduplicates nor can be asked exercises `[sms] on_uncertain`;
one that can be asked (`reconcile`) is resent only when the provider never got the SMS.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pytest

from sms_gateway.complaints.outbox import queue_sms
from sms_gateway.services import Services
from sms_gateway.store.models import Citizen, OutboundMessage
from sms_gateway.store.pii import mask_phone
from sms_gateway.sweeper import sweep
from sms_gateway.telco.providers.base import OutgoingSms, SendResult

PHONE = "+6281234567890"


@dataclass
class Blind:
    """A channel that neither deduplicates on our reference nor can be asked what it got."""

    name: str = "blind"
    provider: str = "blind"
    idempotent_send: bool = False
    sent: list[OutgoingSms] = field(default_factory=list)

    def send(self, sms: OutgoingSms) -> SendResult:
        self.sent.append(sms)
        return SendResult(f"B{len(self.sent)}")


@dataclass
class Askable(Blind):
    """A channel whose provider can be asked; `has` is what it took (to, body) -> id."""

    can_reconcile: bool = True
    has: dict[tuple[str, str], str] = field(default_factory=dict)
    asked: list[tuple[str, str, datetime, frozenset[str]]] = field(default_factory=list)

    def reconcile(self, to: str, body: str, since: datetime,
                  known: frozenset[str]) -> SendResult | None:
        self.asked.append((to, body, since, known))
        found = self.has.get((to, body))
        return SendResult(found) if found and found not in known else None


def _with(services: Services, channel: Blind, **sms: Any) -> Services:
    services.channels[channel.name] = channel  # type: ignore[assignment]
    services.config = replace(services.config, sms=replace(
        services.config.sms, outbound=channel.name, **sms))
    return services


def _cut_off(services: Services, *, attempts: int = 1) -> int:
    """A reply whose send was cut off: claimed ('sending'), the worker gone."""
    vault = services.vault
    with services.sessions.begin() as s:
        citizen = Citizen(phone_hash=vault.digest(PHONE), phone_enc=vault.encrypt(PHONE),
                          phone_masked=mask_phone(PHONE))
        s.add(citizen)
        s.flush()
        out = queue_sms(services, s, citizen, purpose="ticket_created", body="Laporan #1234567",
                        dedupe_key="created-1")
        assert out is not None
        out.status, out.attempts = "sending", attempts
        return out.id


def _status(services: Services, outbound_id: int) -> tuple[str, str | None]:
    with services.sessions() as s:
        out = s.get(OutboundMessage, outbound_id)
        assert out is not None
        return out.status, out.provider_message_id


def test_uncertain_send_is_resent_by_default(services: Services) -> None:
    channel = Blind()
    outbound_id = _cut_off(_with(services, channel))
    sweep(older_than_seconds=0)
    assert (_status(services, outbound_id), len(channel.sent)) == (("sent", "B1"), 1)


def test_uncertain_send_is_held_when_the_policy_says_hold(services: Services) -> None:
    channel = Blind()
    outbound_id = _cut_off(_with(services, channel, on_uncertain="hold"))
    report = sweep(older_than_seconds=0)
    assert (report.outbound_unknown, _status(services, outbound_id)[0], channel.sent) == \
        (1, "held", [])


def test_uncertain_send_out_of_attempts_is_held_not_resent(services: Services) -> None:
    channel = Blind()
    outbound_id = _cut_off(_with(services, channel), attempts=5)
    sweep(older_than_seconds=0)
    assert (_status(services, outbound_id)[0], channel.sent) == ("held", [])


def test_send_the_provider_has_is_recorded_sent_not_resent(services: Services) -> None:
    channel = Askable(has={(PHONE, "Laporan #1234567"): "SMabc"})
    outbound_id = _cut_off(_with(services, channel, on_uncertain="hold"))
    sweep(older_than_seconds=0)
    assert (_status(services, outbound_id), channel.sent) == (("sent", "SMabc"), [])


def test_send_the_provider_never_got_is_sent_again_once(services: Services) -> None:
    channel = Askable()
    outbound_id = _cut_off(_with(services, channel, on_uncertain="hold"))
    sweep(older_than_seconds=0)
    sweep(older_than_seconds=0)
    assert (_status(services, outbound_id), len(channel.sent), len(channel.asked)) == \
        (("sent", "B1"), 1, 1)


def test_send_whose_answer_was_lost_is_settled_by_the_sweeper(services: Services) -> None:
    """A read timeout leaves 'unknown' (telco/sending.decide); the next sweep asks."""
    channel = Askable(has={(PHONE, "Laporan #1234567"): "SMlost"})
    outbound_id = _cut_off(_with(services, channel))
    with services.sessions.begin() as s:
        s.get(OutboundMessage, outbound_id).status = "unknown"  # type: ignore[union-attr]
    sweep(older_than_seconds=3600)  # no age needed: nobody is sending it any more
    assert _status(services, outbound_id) == ("sent", "SMlost")


def test_fresh_send_in_flight_is_left_alone(services: Services) -> None:
    channel = Askable()
    outbound_id = _cut_off(_with(services, channel))
    sweep(older_than_seconds=3600)
    assert (_status(services, outbound_id)[0], channel.asked) == ("sending", [])


def test_unknown_on_uncertain_value_is_a_config_error() -> None:
    from sms_gateway.config import ConfigError, SmsConfig

    with pytest.raises(ConfigError, match="on_uncertain"):
        SmsConfig(on_uncertain="maybe")
