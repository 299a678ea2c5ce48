"""What a failed send leads to: one pure function, one table (telco/sending.decide)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sms_gateway.telco.providers.errors import SendErrorKind
from sms_gateway.telco.sending import Decision, decide

MAX = 5


@dataclass(frozen=True)
class Case:
    label: str
    kind: SendErrorKind
    idempotent: bool
    attempts: int
    expected: Decision


def D(next_channel: bool, cool: bool, status: str, retry: bool) -> Decision:  # noqa: N802
    return Decision(next_channel, cool, status, retry)


CASES = [
    # Retryable: cool the channel, fail over now, and retry later while attempts last.
    Case("network-first-try", SendErrorKind.NETWORK, False, 1, D(True, True, "queued", True)),
    Case("server-error", SendErrorKind.SERVER, False, 2, D(True, True, "queued", True)),
    Case("throttled", SendErrorKind.THROTTLED, True, 1, D(True, True, "queued", True)),
    Case("retryable-last-attempt", SendErrorKind.SERVER, False, MAX,
         D(True, True, "failed", False)),
    Case("retryable-past-budget", SendErrorKind.NETWORK, False, MAX + 1,
         D(True, True, "failed", False)),
    # Uncertain: never fail over; a deduplicating channel is simply retried.
    Case("uncertain-idempotent", SendErrorKind.UNCERTAIN, True, 1,
         D(False, False, "queued", True)),
    Case("uncertain-idempotent-last-attempt", SendErrorKind.UNCERTAIN, True, MAX,
         D(False, False, "failed", False)),
    # ... any other channel may have sent it: left for the sweeper to settle.
    Case("uncertain-not-idempotent", SendErrorKind.UNCERTAIN, False, 1,
         D(False, False, "unknown", False)),
    Case("uncertain-not-idempotent-last", SendErrorKind.UNCERTAIN, False, MAX,
         D(False, False, "unknown", False)),
    # Config: this channel cannot send; the next one may, no cooling, no retry.
    Case("config", SendErrorKind.CONFIG, False, 1, D(True, False, "failed", False)),
    # The SMS itself refused: final, no other channel.
    Case("rejected", SendErrorKind.REJECTED, False, 1, D(False, False, "failed", False)),
    Case("provider-says-error", SendErrorKind.PROVIDER, True, 1,
         D(False, False, "failed", False)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_send_decision(case: Case) -> None:
    got = decide(case.kind, idempotent=case.idempotent, attempts=case.attempts,
                 max_attempts=MAX)
    assert got == case.expected


def test_every_error_kind_is_in_the_table() -> None:
    assert {c.kind for c in CASES} == set(SendErrorKind)
