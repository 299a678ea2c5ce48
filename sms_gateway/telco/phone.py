"""Sender numbers in E.164, via Google's libphonenumber rules."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

# Numbers normalised lately, per process: a flood repeats a few senders, and libphonenumber's
# parse is about 25 us of a webhook's CPU; a hit costs well under 1 us. Only possible numbers
# are kept (an error is raised anew each time). Bounded and in memory only: the process holds
# each sender in clear while it handles the request anyway; nothing of it is written anywhere.
CACHE_SIZE = 1024


class InvalidPhoneNumber(ValueError):
    """A sender that is not a possible phone number."""


class _Impossible(Exception):
    """Parsed, but not a possible number (not cached, as lru_cache keeps no exceptions)."""


def normalise(raw: str, region: str = "ID") -> str:
    """Return the number in E.164 (+628...), or raise InvalidPhoneNumber."""
    text = (raw or "").strip()
    if text.startswith("62") and text.isdigit():
        text = "+" + text  # aggregators often drop the plus
    try:
        return _e164(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"not a phone number: {raw!r} ({exc})") from None
    except _Impossible:
        raise InvalidPhoneNumber(f"impossible phone number: {raw!r}") from None


@lru_cache(maxsize=CACHE_SIZE)
def _e164(text: str, region: str) -> str:
    number = phonenumbers.parse(text, region)
    if not phonenumbers.is_possible_number(number):
        raise _Impossible
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
