"""TwilioProvider.verify accepts exactly what the SDK's RequestValidator.validate accepts."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from sms_gateway.telco.providers.base import WebRequest
from sms_gateway.telco.providers.twilio import TwilioOptions, TwilioProvider

TOKEN = "test-auth-token-0123456789abcdef"
FORM = {"MessageSid": "SM1", "From": "+6281234567890", "To": "+621708",
        "Body": "jalan rusak & lampu mati", "NumSegments": "1"}
SIGNER = RequestValidator(TOKEN)


def _request(url: str, signature: str, form: dict[str, str] = FORM) -> WebRequest:
    return WebRequest("POST", url, {"X-Twilio-Signature": signature}, dict(form), b"", "",
                      dict(form))


CASES = [
    # (the URL we received, the URL Twilio signed, the token it signed with, the form it signed)
    ("https://gw.example.id/sms/twilio", "https://gw.example.id/sms/twilio", TOKEN, FORM),
    ("https://gw.example.id/sms/twilio", "https://gw.example.id:443/sms/twilio", TOKEN, FORM),
    ("https://gw.example.id:443/sms/twilio", "https://gw.example.id/sms/twilio", TOKEN, FORM),
    ("https://gw.example.id:8443/sms/twilio", "https://gw.example.id:8443/sms/twilio", TOKEN,
     FORM),
    ("https://gw.example.id:8443/sms/twilio", "https://gw.example.id/sms/twilio", TOKEN, FORM),
    ("http://gw.example.id/sms/twilio?x=1", "http://gw.example.id:80/sms/twilio?x=1", TOKEN,
     FORM),
    ("https://gw.example.id/sms/twilio", "https://gw.example.id/sms/twilio", "other-token",
     FORM),
    ("https://gw.example.id/sms/twilio", "https://gw.example.id/sms/other", TOKEN, FORM),
    ("https://gw.example.id/sms/twilio", "https://gw.example.id/sms/twilio", TOKEN,
     {**FORM, "Body": "lain"}),
]


@pytest.mark.parametrize(("url", "signed_url", "token", "signed_form"), CASES)
def test_verify_agrees_with_the_sdk(url: str, signed_url: str, token: str,
                                    signed_form: dict[str, str]) -> None:
    signature = RequestValidator(token).compute_signature(signed_url, signed_form)
    provider = TwilioProvider(TwilioOptions(auth_token=TOKEN))
    expected = SIGNER.validate(url, dict(FORM), signature)
    assert provider.verify(_request(url, signature)) is expected


def test_verify_accepts_the_right_signature_and_refuses_others() -> None:
    provider = TwilioProvider(TwilioOptions(auth_token=TOKEN))
    url = "https://gw.example.id/sms/twilio"
    good = SIGNER.compute_signature(url, FORM)
    assert provider.verify(_request(url, good))
    for bad in ("", good[:-2] + "xx", "é" + good[1:], good + "="):
        assert not provider.verify(_request(url, bad))
    assert not TwilioProvider(TwilioOptions()).verify(_request(url, good))  # no token: refuse
