"""The configuration sections: one frozen dataclass per TOML table, and `Config` of them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """The configuration is invalid; the message names the offending key."""


SMTP_SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True)
class ServerConfig:
    public_url: str = ""  # external base URL, used to check webhook signatures behind proxies
    port: int = 8000
    host: str = "127.0.0.1"
    max_body_bytes: int = 64 * 1024
    secret_key: str = ""  # Flask session signing; generated into var/ when empty
    var_dir: str = "var"
    # Reverse proxies in front of the gateway (nginx: 1). Their X-Forwarded-For and
    # X-Forwarded-Proto are believed that many hops deep; 0 trusts no such header.
    trusted_proxies: int = 0
    # When set, /metrics needs it as a bearer token; env SMS_GATEWAY_METRICS_TOKEN.
    metrics_token: str = ""
    metrics_cache_seconds: float = 30.0  # /metrics counts the database at most this often
    # `sms-gateway serve` writes gunicorn's access log (one line per request) to stdout.
    access_log: bool = True


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = ""  # empty: SQLite file under var_dir
    pool_size: int = 5
    echo: bool = False
    # A `SELECT 1` before each pooled connection is used (SQLAlchemy's pool_pre_ping): costs
    # a round trip per transaction. Off, a connection dropped by a database restart fails
    # its first use instead and jobs are retried. The webhook's intake skips it either way
    # and retries its INSERT once on a new connection (db.without_pre_ping).
    pool_pre_ping: bool = True


@dataclass(frozen=True)
class QueueConfig:
    redis_url: str = ""  # empty: jobs run in-process (embedded mode)
    name: str = "sms_gateway"
    in_process_threads: int = 2
    sweep_interval_seconds: int = 30
    stuck_after_seconds: int = 120
    job_timeout_seconds: int = 60
    # > 0 (the default): the web process queues what it stored in batches, one job per up to
    # intake_batch_max messages, within intake_batch_ms of the first, after the answer (the
    # message is stored before it; the sweeper queues what a dead process left).
    # 0: each webhook queues its message before it answers (concurrent ones share a job).
    # See sms_gateway/telco/intake_batch.py.
    intake_batch_ms: int = 50
    intake_batch_max: int = 50
    # `sms-gateway worker` runs at least this nice (0-19): the web processes, whose webhooks
    # wait for their SMS to be stored, come first on shared cores; 0 leaves it as started.
    worker_nice: int = 10

    def __post_init__(self) -> None:
        if not 0 <= self.worker_nice <= 19:
            raise ConfigError(f"queue.worker_nice: expected 0 to 19, got {self.worker_nice}")


@dataclass(frozen=True)
class SmsConfig:
    outbound: str = "console"  # name of the channel that sends SMS
    default_phone_region: str = "ID"
    max_send_attempts: int = 5
    retry_intervals_seconds: tuple[int, ...] = (10, 30, 120, 600)
    language: str = "id"
    max_inbound_chars: int = 2000
    # Channels tried in this order when the outbound channel fails with a retryable error.
    failover: tuple[str, ...] = ()
    failover_cooldown_seconds: int = 60  # a failed channel is skipped this long
    channel_log_days: int = 14  # provider HTTP exchanges are kept this many days
    multipart_window_seconds: int = 120  # how long parts of a long SMS wait for each other
    # Sends in flight at once per worker process (threads); 0: one at a time in the worker.
    send_concurrency: int = 64
    # A send whose fate is unknown (answer lost, worker killed mid-send) on a channel that
    # can neither deduplicate nor be asked (reconcile): "resend" (a duplicate SMS is better
    # than none) or "hold" for an operator (console: Kirim ulang).
    on_uncertain: str = "resend"

    def __post_init__(self) -> None:
        if self.on_uncertain not in ("resend", "hold"):
            raise ConfigError(f"sms.on_uncertain: expected \"resend\" or \"hold\", "
                              f"got {self.on_uncertain!r}")
        if self.send_concurrency < 0:
            raise ConfigError("sms.send_concurrency: expected 0 or more")


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str = ""
    auth_token: str = ""
    from_: str = ""  # TOML key "from": number, short code or Messaging Service SID (MG...)
    api_base_url: str = "https://api.twilio.com"
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class ChannelConfig:
    """One `[channels.<name>]` table: a provider account (see docs/providers.md).

    The keys every channel has are fields here; the rest of the table is the provider's own
    options, typed and checked (unknown key: an error naming channel and key) by its adapter's
    options dataclass in telco/providers/<provider>.py when the channels are built. A table is
split into the two by `loading.channel_from_table`.
    """

    provider: str = ""  # kannel, http, twilio, console
    rate_limit: float = 0.0  # messages per second, 0: unlimited
    burst: int = 0  # bucket size; 0: one second's worth
    # Sends through this channel in flight at once per worker process; 0: only the send
    # pool's own bound ([sms] send_concurrency).
    send_concurrency: int = 0
    options: dict[str, Any] = field(default_factory=dict)  # the provider's keys, as written


@dataclass(frozen=True)
class ParserConfig:
    default_region: str = ""
    model_path: str = ""  # the model a deployment starts with (registered as a version)
    # Complaints the model routes without a human must be at least this precise: the review
    # threshold chosen at training (`parser train`, `parser retrain`).
    auto_route_precision: float = 0.95
    retrain_every_hours: float = 0  # 0: retrain only on `sms-gateway parser retrain`
    model_check_seconds: float = 30  # how often each process asks for the active model version
    # Ask the shipped complaint gate (parsers/data/complaint_gate.json) before routing a message
    # without review, when the active model brings no gate of its own; false: the rules alone.
    shipped_gate: bool = True


@dataclass(frozen=True)
class PrivacyConfig:
    # urlsafe base64 32-byte keys for phone numbers at rest, comma-separated, newest first
    # (the newest encrypts, all decrypt); env SMS_GATEWAY_PII_KEY.
    key: str = ""
    # The key the look-up hash is derived from; empty: the last (oldest) key of `key`.
    # Set it to that oldest key before dropping it from `key`; env SMS_GATEWAY_PII_HASH_KEY.
    hash_key: str = ""


@dataclass(frozen=True)
class ConsoleConfig:
    language: str = "id"  # default interface language of the operator console: id or en
    session_idle_minutes: int = 30  # a console session ends after this long without a request
    session_max_hours: int = 12  # and after this long in any case
    cookie_secure: str = "auto"  # auto (Secure when public_url is https), always, never
    # Failed logins of one account (from anywhere) before each further try waits 2 s, 4 s,
    # 8 s, ... up to the window; and accounts one client address may fail on before its own
    # tries wait the same way. A backoff per account, never one lock for everyone.
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 10
    login_window_minutes: int = 15
    lock_minutes: int = 5  # how long a review-queue message stays locked to one operator
    page_size: int = 50


@dataclass(frozen=True)
class AgencyConfig:
    routing_overrides: str = ""  # extra routing override file (agencies, channels) on top
    webhook_timeout_seconds: float = 10.0
    max_attempts: int = 6  # tries per delivery (webhook or e-mail) before it is marked failed
    retry_intervals_seconds: tuple[int, ...] = (30, 120, 600, 1800, 3600)
    alert_after_failures: int = 5  # consecutive failed tries of one agency before an alert
    alert_emails: tuple[str, ...] = ()  # operators e-mailed each alert (empty: console only)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "lapor1708@localhost"
    smtp_timeout_seconds: float = 10.0
    smtp_security: str = "starttls"  # starttls (refuse a server without it), tls, or none
    smtp_username: str = ""  # env SMS_GATEWAY_SMTP_USERNAME; login only when set
    smtp_password: str = ""  # env SMS_GATEWAY_SMTP_PASSWORD

    def __post_init__(self) -> None:
        if self.smtp_security not in SMTP_SECURITY:
            raise ConfigError(f"agency.smtp_security: expected one of "
                              f"{', '.join(SMTP_SECURITY)}, got {self.smtp_security!r}")


@dataclass(frozen=True)
class AbuseConfig:
    enabled: bool = True
    # Per sender: beyond this many messages within the window, messages open no ticket and
    # wait for review; the sender gets one throttle reply per cooldown at most.
    window_seconds: int = 60
    max_messages_per_window: int = 6
    throttle_reply_cooldown_seconds: int = 3600
    # An identical complaint from the same sender within this window joins the first ticket.
    duplicate_window_seconds: int = 600


@dataclass(frozen=True)
class CasesConfig:
    # A new complaint joins the case of an open ticket filed within this many days with the
    # same category, the same place and similar words (complaints/cases.py); 0 turns it off.
    window_days: int = 14
    # Jaccard similarity of the two texts' normalised word sets, from 0 to 1.
    similarity: float = 0.3
    # Tickets that both carry coordinates are the same place within this distance.
    distance_meters: float = 150.0


@dataclass(frozen=True)
class RetentionConfig:
    # Inbound message text and encrypted raw payloads are erased after this many days
    # (tickets and their statistics stay); 0 keeps them forever.
    message_text_days: int = 180
    run_every_minutes: int = 60  # how often the sweeper runs the purge
    batch_size: int = 1000  # rows erased per transaction


@dataclass(frozen=True)
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    queue: QueueConfig = field(default_factory=QueueConfig)
    sms: SmsConfig = field(default_factory=SmsConfig)
    twilio: TwilioConfig = field(default_factory=TwilioConfig)
    parser: ParserConfig = field(default_factory=ParserConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    agency: AgencyConfig = field(default_factory=AgencyConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    abuse: AbuseConfig = field(default_factory=AbuseConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    cases: CasesConfig = field(default_factory=CasesConfig)
    channels: dict[str, ChannelConfig] = field(default_factory=dict)  # [channels.<name>]

    @property
    def embedded(self) -> bool:
        """True when no Redis is configured: jobs run inside the web process."""
        return not self.queue.redis_url

    @property
    def production(self) -> bool:
        """True when a database or Redis URL is configured: no embedded-only conveniences."""
        return bool(self.database.url or self.queue.redis_url)

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL, with postgres:// forms mapped onto the psycopg 3 driver."""
        url = self.database.url or f"sqlite:///{Path(self.server.var_dir) / 'sms_gateway.db'}"
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url
