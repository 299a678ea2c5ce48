"""Sender numbers in E.164, via Google's libphonenumber rules."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneNumber(ValueError):
    """A sender that is not a possible phone number."""


def normalise(raw: str, region: str = "ID") -> str:
    """Return the number in E.164 (+628...), or raise InvalidPhoneNumber."""
    text = (raw or "").strip()
    if text.startswith("62") and text.isdigit():
        text = "+" + text  # aggregators often drop the plus
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"not a phone number: {raw!r} ({exc})") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhoneNumber(f"impossible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
