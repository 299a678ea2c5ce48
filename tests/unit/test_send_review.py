"""Review probes of the send pool's edges: a pool that takes no more sends (stopped, or
inherited by a forked work horse) must not lose or loop over the sends handed to it."""

from __future__ import annotations

import sys

from sms_gateway.services import Services, set_current
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
    import os

    from sms_gateway.telco.send_pool import SendPool

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
