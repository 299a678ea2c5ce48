"""The composition root: the only place that reads config and builds engine, queue, providers."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

import routing
from sms_gateway.complaints.live_parser import LiveParser, check_model_file
from sms_gateway.config import Config, ConfigError, check_startup, load_config, startup_warnings
from sms_gateway.dispatch import Dispatcher, InProcessDispatcher, RqDispatcher
from sms_gateway.store.db import make_engine, make_sessionmaker
from sms_gateway.store.pii import Vault, key_from_file
from sms_gateway.telco.channels import Buckets, InFlight, LocalBuckets, RedisBuckets
from sms_gateway.telco.intake_batch import GroupEnqueuer, IntakeBatcher
from sms_gateway.telco.providers import build_channels
from sms_gateway.telco.providers.base import Provider
from sms_gateway.telco.send_pool import SendPool

log = logging.getLogger(__name__)


class Background(Protocol):
    """A thread of this process that `Services.close` stops (the sweeper)."""

    def stop(self) -> None: ...


@dataclass
class Services:
    """Everything a request or a job needs, built once per process."""

    config: Config
    engine: Engine
    sessions: sessionmaker[Any]
    dispatcher: Dispatcher
    channels: dict[str, Provider]
    vault: Vault
    # The parser with the active model version (complaints/live_parser.py).
    parser: LiveParser
    # The routing directory of this deployment: shipped records + agency.routing_overrides.
    directory: routing.Directory
    # Channel throttles and failover cooldowns: in Redis with RQ workers, in memory otherwise.
    buckets: Buckets
    # Queues the webhooks' fresh messages (RQ only; None: one job per message, directly):
    # before they answer (GroupEnqueuer) or in batches after (IntakeBatcher).
    batcher: IntakeBatcher | GroupEnqueuer | None = None
    # The periodic round of this process (embedded mode or `sms-gateway worker`), once started.
    sweeper: Background | None = None
    # When this process last checked SLA deadlines (agency/sla.py runs it at most so often).
    sla_checked_at: datetime | None = None
    # Sends in flight beside the worker's own work (`sms-gateway worker` sets it up);
    # None: each send runs in the thread that asks for it.
    send_pool: SendPool | None = None
    # Per-channel bounds on sends in flight in this process ([channels.X] send_concurrency).
    in_flight: InFlight = field(default_factory=InFlight)

    @property
    def outbound(self) -> Provider:
        """The channel that sends SMS to citizens."""
        return self.channels[self.config.sms.outbound]

    def close(self) -> None:
        """Stop this process's background work, wait for it, then release the database.

        Threads first: a job or sweep still running would otherwise call `current()` after
        these services are gone and build fresh ones from the configuration.
        """
        sweeper, self.sweeper = self.sweeper, None
        if sweeper is not None:
            sweeper.stop()
        if self.batcher is not None:
            self.batcher.stop()
        if self.send_pool is not None:
            self.send_pool.stop()
        if isinstance(self.dispatcher, InProcessDispatcher):
            self.dispatcher.stop()
        if _current is self:
            set_current(None)
        self.engine.dispose()


def build_services(config: Config | None = None, *, dispatcher: Dispatcher | None = None,
                   install: bool = True) -> Services:
    """Build the services from config (default: file + environment); install them as current.

    A configured model that cannot be used raises ModelError (a ValueError) naming it.
    """
    config = config or load_config()
    if not 0 < config.parser.auto_route_precision <= 1:
        raise ConfigError("parser.auto_route_precision: expected a share between 0 and 1, got "
                          f"{config.parser.auto_route_precision}")
    check_startup(config)  # production without its keys, a channel that cannot send, ...
    for warning in startup_warnings(config):
        log.warning("%s", warning)
    # Checked first: a model that cannot be used stops start-up before anything is built.
    model_blob = check_model_file(config.parser.model_path) if config.parser.model_path else None
    vault = _vault(config)
    channels = _channels(config)
    engine = make_engine(config.database_url, pool_size=config.database.pool_size,
                         echo=config.database.echo, pre_ping=config.database.pool_pre_ping)
    if dispatcher is None:
        if config.embedded:
            dispatcher = InProcessDispatcher(config.queue.in_process_threads)
        else:
            dispatcher = RqDispatcher(config.queue.redis_url, config.queue.name,
                                      config.queue.job_timeout_seconds)
    batcher: IntakeBatcher | GroupEnqueuer | None = None
    if isinstance(dispatcher, RqDispatcher):
        if config.queue.intake_batch_ms > 0:
            batcher = IntakeBatcher(dispatcher, config.queue.intake_batch_ms / 1000,
                                    config.queue.intake_batch_max)
        else:
            batcher = GroupEnqueuer(dispatcher, config.queue.intake_batch_max)
    sessions = make_sessionmaker(engine)
    live_parser = LiveParser(sessions, configured=model_blob,
                             configured_path=config.parser.model_path,
                             check_seconds=config.parser.model_check_seconds,
                             shipped_gate=config.parser.shipped_gate)
    extra = config.agency.routing_overrides
    directory = routing.load_directory(extra) if extra else routing.default_directory()
    buckets: Buckets = (RedisBuckets(dispatcher.redis, f"{config.queue.name}:channels")
                        if isinstance(dispatcher, RqDispatcher) else LocalBuckets())
    services = Services(config, engine, sessions, dispatcher, channels, vault,
                        parser=live_parser, directory=directory, buckets=buckets,
                        batcher=batcher)
    if install:
        set_current(services)
    return services


def _vault(config: Config) -> Vault:
    # Without a key (embedded mode only: production refuses to start) one is kept in var/.
    key = config.privacy.key or key_from_file(config.server.var_dir, "pii.key")
    try:
        return Vault(key, config.privacy.hash_key)
    except ValueError as exc:
        raise ConfigError(f"SMS_GATEWAY_PII_KEY / SMS_GATEWAY_PII_HASH_KEY: {exc}") from None


def _channels(config: Config) -> dict[str, Provider]:
    try:
        return build_channels(config)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


_current: Services | None = None
_current_lock = threading.Lock()


def set_current(services: Services | None) -> None:
    """Make these the services that jobs in this process use."""
    global _current
    _current = services


# Tests turn this off: there, services are always installed by a fixture, and a job or sweep
# that runs after its services were closed must fail loudly, not connect to DATABASE_URL.
build_when_missing = True


def current() -> Services:
    """The services of this process; a bare `rq worker` builds them from config on first use."""
    global _current
    if _current is None:
        with _current_lock:
            if _current is None:
                if not build_when_missing:
                    raise RuntimeError("no services installed in this process")
                _current = build_services(install=False)
    return _current
