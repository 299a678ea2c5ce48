"""The webhook signature an agency checks: HMAC-SHA256 over timestamp, a dot, and the body."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from sms_gateway.agency.transport import sign, verify

BODY = b'{"event":"ticket.disposisi"}'


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign("s3cret", "1700000000", BODY) == f"v1={expected}"


def test_signature_verifies_within_tolerance() -> None:
    signature = sign("s3cret", "1700000000", BODY)
    assert verify("s3cret", "1700000000", BODY, signature, now=1700000100)


def test_tampered_body_fails() -> None:
    signature = sign("s3cret", "1700000000", BODY)
    assert not verify("s3cret", "1700000000", BODY + b" ", signature, now=1700000000)


def test_replayed_old_delivery_fails() -> None:
    signature = sign("s3cret", "1700000000", BODY)
    assert not verify("s3cret", "1700000000", BODY, signature, now=1700000000 + 301)


def test_wrong_secret_fails() -> None:
    signature = sign("s3cret", "1700000000", BODY)
    assert not verify("other", "1700000000", BODY, signature, now=1700000000)


def test_a_webhook_url_that_is_not_http_is_refused_before_any_request() -> None:
    from sms_gateway.agency.transport import post_webhook
    from sms_gateway.telco.providers.errors import SendError

    with pytest.raises(SendError, match="must be http"):
        post_webhook("file:///etc/passwd", b"{}", secret="s", event="ticket.disposisi",
                     delivery_id=1, timeout=1.0)
