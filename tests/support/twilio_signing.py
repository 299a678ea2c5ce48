"""Signing webhook requests as Twilio does, with twilio's own RequestValidator."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

PUBLIC_URL = "https://gateway.example.id"


def signed(params: dict[str, str], path: str = "/sms/twilio", *,
           token: str = "test-auth-token-0123456789abcdef",
           public_url: str = PUBLIC_URL) -> dict[str, str]:
    """Headers with the X-Twilio-Signature Twilio would send for these form params."""
    signature = RequestValidator(token).compute_signature(public_url + path, params)
    return {"X-Twilio-Signature": signature}


def inbound_form(sid: str, body: str, sender: str = "+6281234567890") -> dict[str, str]:
    """A Twilio inbound SMS form."""
    return {"MessageSid": sid, "AccountSid": "AC" + "0" * 31 + "1", "From": sender,
            "To": "+621708", "Body": body, "NumMedia": "0", "NumSegments": "1"}
