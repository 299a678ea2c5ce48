"""has_raw_bytes finds exactly the surrogate escapes of undecodable bytes."""

from __future__ import annotations

import pytest

from sms_gateway.telco.providers.base import has_raw_bytes


@pytest.mark.parametrize(("value", "expected"), [
    ("", False), ("jalan rusak", False), ("émoji 🙂 ok", False),
    (b"caf\xe9".decode("utf-8", "surrogateescape"), True),
    (b"\x80".decode("utf-8", "surrogateescape"), True),
    (b"x\xff".decode("utf-8", "surrogateescape"), True),
    ("\udc7f", False), ("\ud800", False), ("\udd00", False),  # other surrogates: not bytes
])
def test_has_raw_bytes(value: str, expected: bool) -> None:
    assert has_raw_bytes(value) is expected
