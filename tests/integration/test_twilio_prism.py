"""The real twilio client against Twilio's own API description (Prism validates each request)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sms_gateway.telco.providers.base import OutgoingSms
from sms_gateway.telco.providers.errors import SendError
from sms_gateway.telco.providers.twilio import TwilioOptions, TwilioProvider
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN
from tests.support.prism import prism_twilio

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def prism_url() -> Iterator[str]:
    with prism_twilio() as url:
        yield url


def test_send_is_a_valid_messages_create_request(prism_url: str) -> None:
    provider = TwilioProvider(TwilioOptions(ACCOUNT_SID, AUTH_TOKEN, "+621708", prism_url))
    result = provider.send(OutgoingSms("+6281234567890", "Laporan diterima. Nomor tiket #1234567.",
                                       "out-1", "https://gateway.example.id/sms/twilio/status"))
    assert result.provider_message_id.startswith("SM")


def test_messaging_service_sender_is_a_valid_request(prism_url: str) -> None:
    provider = TwilioProvider(TwilioOptions(ACCOUNT_SID, AUTH_TOKEN, "MG" + "a" * 32, prism_url))
    assert provider.send(OutgoingSms("+6281234567890", "tes", "out-2")).provider_message_id


def test_request_the_spec_rejects_is_a_final_error(prism_url: str) -> None:
    provider = TwilioProvider(TwilioOptions("not-an-account-sid", AUTH_TOKEN, "+621708", prism_url))
    with pytest.raises(SendError) as err:
        provider.send(OutgoingSms("+6281234567890", "tes", "out-3"))
    assert (err.value.retryable, err.value.status) == (False, 422)
