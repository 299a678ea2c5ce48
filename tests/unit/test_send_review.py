"""Review probes of the send pool's edges: a pool that takes no more sends (stopped, or
inherited by a forked work horse) must not lose or loop over the sends handed to it."""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import replace

from sms_gateway.config import ChannelConfig
from sms_gateway.services import Services, set_current
from sms_gateway.telco.send_pool import SendPool
from sms_gateway.telco.sending import open_pool, send_many
from tests.unit.test_send_batch import Phone, _queued, _rows, _with


def test_sends_handed_to_a_stopped_pool_are_sent_here(services: Services) -> None:
    phone = Phone()
    _with(services, phone)
    set_current(services)
    ids = _queued(services, 2)
    services.send_pool = open_pool(services, 4)
    services.send_pool.stop()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(300)  # a loop between send_many and the send job fails fast
    try:
        send_many(services, ids)
    finally:
        sys.setrecursionlimit(limit)
        services.send_pool = None
    assert ([r[0] for r in _rows(services, ids)], len(phone.sent)) == (["sent", "sent"], 2)


def test_a_forked_work_horse_does_not_hand_sends_to_the_parents_pool() -> None:
    """RQ's `worker --fork` runs each job in a child that has none of the pool's threads
    and leaves with os._exit right after the job: a send handed over there never runs."""
    pool = SendPool(2)
    try:
        assert pool.reserve(1) == 1  # the parent's pool works
        pool.release(1)
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports by its exit code
            os._exit(0 if pool.reserve(1) == 0 else 1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        pool.stop()


def test_a_send_waiting_for_its_channels_slot_is_not_left_for_the_sweeper_to_resend(
        services: Services) -> None:
    """A claimed row waits `sending` for its channel's own bound: past stuck_after_seconds
    the sweeper takes it for a send cut off mid-way and sends it again, while the waiting
    thread sends it too. It must be handed back (queued) before that."""
    gate = threading.Event()
    phone = Phone(gate=gate)
    _with(services, phone)
    services.config = replace(
        services.config,
        queue=replace(services.config.queue, stuck_after_seconds=1),
        channels={**services.config.channels,
                  "phone": ChannelConfig(provider="phone", send_concurrency=1)})
    ids = _queued(services, 3)
    services.send_pool = open_pool(services, 3)
    try:
        send_many(services, ids)
        time.sleep(1.2)  # one send stuck at the provider, two waiting for the slot
        waiting = sorted(r[0] for r in _rows(services, ids))
    finally:
        gate.set()
        services.send_pool.stop()
        services.send_pool = None
    assert waiting == ["queued", "queued", "sending"]
    assert len(phone.sent) == 1
