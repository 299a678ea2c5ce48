"""The end state every failure test checks of its batch (bench/batch.py's audit).

A failure test defines a `run` fixture whose value has `sids` (the distinct provider ids it
posted) and `end` (the `Audit` after the failures), and collects these checks with
`class TestEndState(EndStateChecks): ...`.
"""

from __future__ import annotations

from typing import Any


class EndStateChecks:
    """Nothing lost, nothing doubled, every ticket answered once."""

    def test_every_message_is_stored_exactly_once(self, run: Any) -> None:
        assert (run.end.missing(run.sids), run.end.stored_twice()) == (set(), set())

    def test_every_message_ends_as_one_ticket_or_one_review_item(self, run: Any) -> None:
        assert (run.end.unsettled, run.end.extra_tickets()) == ([], set())

    def test_every_ticket_gets_exactly_one_reply(self, run: Any) -> None:
        assert (run.end.tickets > 0, run.end.tickets_without_one_reply()) == (True, set())

    def test_no_message_gets_two_replies(self, run: Any) -> None:
        assert run.end.messages_with_two_replies() == set()
