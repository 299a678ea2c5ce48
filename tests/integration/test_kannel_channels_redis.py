"""Per-channel throttling shared through Redis, as RQ workers on several hosts use it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from sms_gateway.telco.channels import RedisBuckets

pytestmark = pytest.mark.integration


@pytest.fixture
def buckets(redis_url: str) -> Iterator[RedisBuckets]:
    from redis import Redis

    conn = Redis.from_url(redis_url)
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    yield RedisBuckets(conn, prefix)
    keys = list(conn.scan_iter(match=f"{prefix}:*"))
    if keys:
        conn.delete(*keys)
    conn.close()


def test_redis_bucket_gives_its_burst_then_asks_to_wait(buckets: RedisBuckets) -> None:
    waits = [buckets.take("kannel", 1.0, 3.0, 1.0) for _ in range(4)]
    assert ([w == 0.0 for w in waits], 0.9 < waits[3] <= 1.0) == ([True, True, True, False],
                                                                    True)


def test_redis_cooldown_marks_a_channel_for_a_while(buckets: Any) -> None:
    buckets.cool("jasmin", 30)
    assert (buckets.cooling("jasmin"), buckets.cooling("kannel")) == (True, False)
