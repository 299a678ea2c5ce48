"""Sending through several channels: per-channel throttling and failover to the next one.

Throttling is a token bucket per channel: in Redis when the gateway runs RQ workers (shared by
every worker process), in memory in the embedded mode. Ticket replies may spend the whole
bucket; bulk notifications leave a reserve for them, so replies go first when it is busy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sms_gateway.config import ChannelConfig
from sms_gateway.telco.providers import channel_configs
from sms_gateway.telco.providers.base import Provider

if TYPE_CHECKING:
    from sms_gateway.services import Services

# Share of a bucket that bulk notifications leave to replies.
REPLY_RESERVE = 0.2
# Longest a send job waits for a token before it hands the SMS back to the sweeper.
MAX_THROTTLE_WAIT_SECONDS = 20.0


class Buckets(Protocol):
    def take(self, key: str, rate: float, burst: float, need: float) -> float:
        """Take one token if `need` are there; else the seconds until they will be."""
        ...

    def cool(self, key: str, seconds: int) -> None:
        """Mark a channel as failing for a while."""
        ...

    def cooling(self, key: str) -> bool:
        """True while a channel is marked as failing."""
        ...


@dataclass
class LocalBuckets:
    """Token buckets for one process (embedded mode and tests)."""

    clock: Callable[[], float] = time.monotonic
    _state: dict[str, tuple[float, float]] = field(default_factory=dict)
    _cool: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str, rate: float, burst: float, need: float) -> float:
        with self._lock:
            now = self.clock()
            tokens, last = self._state.get(key, (burst, now))
            tokens = min(burst, tokens + (now - last) * rate)
            if tokens >= need:
                self._state[key] = (tokens - 1, now)
                return 0.0
            self._state[key] = (tokens, now)
            return (need - tokens) / rate

    def cool(self, key: str, seconds: int) -> None:
        with self._lock:
            self._cool[key] = self.clock() + seconds

    def cooling(self, key: str) -> bool:
        with self._lock:
            return self._cool.get(key, 0.0) > self.clock()


# KEYS[1] bucket; ARGV rate, burst, need. Redis's own clock, so workers on many hosts agree.
_TAKE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, burst, need = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local s = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens, last = tonumber(s[1]) or burst, tonumber(s[2]) or now
tokens = math.min(burst, tokens + (now - last) * rate)
local wait = 0
if tokens >= need then tokens = tokens - 1 else wait = (need - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return tostring(wait)
"""


class RedisBuckets:
    """Token buckets shared by every worker through Redis (one Lua call per token)."""

    def __init__(self, redis: Any, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._take = redis.register_script(_TAKE_LUA)

    def take(self, key: str, rate: float, burst: float, need: float) -> float:
        return float(self._take(keys=[f"{self.prefix}:bucket:{key}"], args=[rate, burst, need]))

    def cool(self, key: str, seconds: int) -> None:
        self.redis.set(f"{self.prefix}:cooling:{key}", "1", ex=max(seconds, 1))

    def cooling(self, key: str) -> bool:
        return bool(self.redis.exists(f"{self.prefix}:cooling:{key}"))


def settings(services: Services, name: str) -> ChannelConfig:
    return channel_configs(services.config).get(name) or ChannelConfig(provider="console")


def wait_for_token(services: Services, name: str, *, reply: bool,
                   sleep: Callable[[float], None] = time.sleep) -> float:
    """Block until this channel may send one more SMS; returns the remaining wait if too long."""
    c = settings(services, name)
    if c.rate_limit <= 0:
        return 0.0
    burst = float(c.burst or max(1.0, c.rate_limit))
    need = 1.0 if reply else 1.0 + REPLY_RESERVE * burst
    waited = 0.0
    while True:
        wait = services.buckets.take(name, c.rate_limit, burst, min(need, burst))
        if wait <= 0:
            return 0.0
        if waited + wait > MAX_THROTTLE_WAIT_SECONDS:
            return wait
        sleep(wait)
        waited += wait


class InFlight:
    """Per-channel bounds on the sends in flight in this process (`send_concurrency` of a
    channel), so one slow or fragile provider is never sent more at once than it takes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def slot(self, name: str, limit: int, timeout: float | None = None) -> Iterator[bool]:
        """Hold one of the channel's `limit` slots while sending (0: no bound of its own);
        yields False, holding none, if no slot was free within `timeout` seconds."""
        if limit <= 0:
            yield True
            return
        with self._lock:
            semaphore = self._slots.setdefault(name, threading.BoundedSemaphore(limit))
        if not semaphore.acquire(timeout=timeout):
            yield False
            return
        try:
            yield True
        finally:
            semaphore.release()


def in_flight_slot(services: Services, name: str,
                   timeout: float | None = None) -> AbstractContextManager[bool]:
    """A slot of this channel's own concurrency bound, held around one provider call;
    False if none was free within `timeout` seconds."""
    return services.in_flight.slot(name, settings(services, name).send_concurrency, timeout)


def send_chain(services: Services, preferred: str | None) -> list[Provider]:
    """The channels to try, in order: the message's own, then the configured failover list.

    Channels that failed recently go to the end rather than out, so a send is always tried.
    """
    names = [preferred or services.config.sms.outbound]
    names += [n for n in (services.config.sms.outbound, *services.config.sms.failover)
              if n not in names]
    if preferred and preferred != services.config.sms.outbound \
            and preferred not in services.config.sms.failover:
        names = [preferred]  # a message pinned to a channel outside the failover set
    chain = [services.channels[n] for n in names if n in services.channels]
    if len(chain) < 2:
        return chain  # nothing to reorder: no look-up of cooling channels (a Redis call)
    b = services.buckets
    healthy = [c for c in chain if not b.cooling(c.name)]
    return healthy + [c for c in chain if c not in healthy]


def mark_failing(services: Services, name: str) -> None:
    """After a retryable failure, send through the next channel for a while."""
    if services.config.sms.failover:
        services.buckets.cool(name, services.config.sms.failover_cooldown_seconds)
