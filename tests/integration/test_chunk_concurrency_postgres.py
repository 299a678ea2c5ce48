"""Two workers with chunks of the same senders at once (Postgres row locks): the abuse limit,
the duplicate merge and the one throttle reply hold across the two chunks."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from sms_gateway.complaints import inbound
from sms_gateway.services import build_services
from sms_gateway.store.models import InboundMessage, OutboundMessage, Ticket
from tests.support.chunk_scenario import LIMIT, HoldingDispatcher, gateway, hold_forwards, store

pytestmark = pytest.mark.integration


def test_two_chunks_of_one_sender_in_two_workers(tmp_path: Path, pg_url: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbound, "forward_many", hold_forwards)
    first = gateway(tmp_path / "w1", url=pg_url)
    second = build_services(first.config, dispatcher=HoldingDispatcher(), install=False)
    try:
        flood = store(first, [("flood", f"lampu jalan mati nomor {i} di kota medan")
                              for i in range(2 * LIMIT)])
        twice = store(first, [("twice", "jalan rusak parah nomor 1 di kota bandung")] * 2)
        ids = sorted(flood + twice)
        with first.sessions.begin() as s:  # senders known already: no INSERT serialises them
            inbound.citizens_for(s, first, s.execute(select(InboundMessage)).scalars().all())
        held = threading.Event()

        def linger(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            # Its messages judged, the first worker pauses before writing what it decided.
            if statement.lstrip().upper().startswith("INSERT") and not held.is_set():
                held.set()
                time.sleep(0.7)  # the other worker claims its chunk and waits for the lock

        event.listen(first.engine, "after_cursor_execute", linger)
        one = threading.Thread(target=inbound.process_batch, args=(first, ids[0::2]))
        one.start()
        assert held.wait(10)
        inbound.process_batch(second, ids[1::2])
        one.join(30)
        with first.sessions() as s:
            outcomes = Counter(s.execute(select(InboundMessage.outcome)).scalars())
            replies = Counter(s.execute(select(OutboundMessage.purpose)).scalars())
            tickets = len(s.execute(select(Ticket.id)).scalars().all())
        assert (outcomes["ticket_created"], outcomes["throttled"], outcomes["merged"],
                replies["throttled"], replies["duplicate"], tickets) == (
            LIMIT + 1, LIMIT, 1, 1, 1, LIMIT + 1)
    finally:
        second.close()
        first.close()
