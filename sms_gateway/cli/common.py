"""What every command group shares: the configuration, or one clear line when it is wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from sms_gateway.config import Config, ConfigError, check_startup, load_config
from sms_gateway.telco.providers import channel_options

if TYPE_CHECKING:
    from sms_gateway.services import Services


def config() -> Config:
    """The configuration (file + environment), checked for start-up; one line when wrong."""
    try:
        loaded = load_config()
        check_startup(loaded)
        channel_options(loaded)  # each channel's provider options: unknown keys, wrong types
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    return loaded


def services(cfg: Config | None = None, **kwargs: Any) -> Services:
    """Build the services; a model that cannot be used is one clear line, not a traceback."""
    from sms_gateway.services import build_services

    try:
        return build_services(cfg or config(), **kwargs)
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    except ValueError as exc:  # parsers.modelfile.ModelError names the model
        if type(exc).__name__ != "ModelError":
            raise
        raise click.ClickException(f"model error: {exc}") from None


def cli_actor() -> str:
    """Who ran a command, for the audit log: `cli:<login name>`, or `cli` in a container
    without one."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def require_active_model(svc: Services) -> None:
    """Stop here, with one line, when this process cannot load the active model version."""
    try:
        svc.parser.require_active()
    except ValueError as exc:
        raise click.ClickException(f"model error: {exc}") from None


def check_model(cfg: Config) -> None:
    """Stop here, with one line, when the configured model cannot be used."""
    from sms_gateway.complaints.live_parser import check_model_file

    if cfg.parser.model_path:
        try:
            check_model_file(cfg.parser.model_path)
        except ValueError as exc:
            raise click.ClickException(f"model error: {exc}") from None


def database_error_line(exc: BaseException) -> str:
    """One line for a database that cannot be reached (no traceback, no password)."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return f"cannot reach the database: {first}"


def check_database(config: Config) -> None:
    """Connect once, so an unreachable DATABASE_URL stops start-up with one line."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from sms_gateway.store.db import make_engine

    engine = make_engine(config.database_url, pool_size=1)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise click.ClickException(database_error_line(exc)) from None
    finally:
        engine.dispose()


def check_queue(config: Config) -> None:
    """Ping Redis once, so an unreachable REDIS_URL stops a worker with one line (the web
    process starts without it: it stores, answers and the sweeper enqueues later)."""
    from redis import Redis
    from redis.exceptions import RedisError

    url = config.queue.redis_url
    try:
        Redis.from_url(url, socket_connect_timeout=5).ping()
    except (RedisError, ValueError) as exc:
        raise click.ClickException(f"queue error: cannot reach Redis at {_redis_place(url)}: "
                                   f"{exc}") from None


def _redis_place(url: str) -> str:
    """Where REDIS_URL points, without what may be secret in it (user info, the query, where
    redis-py also takes a password)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "REDIS_URL (not a valid URL)"
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    shown = f"[{host}]" if host and ":" in host else host
    return f"{parts.scheme}://{shown}:{port or 6379}{parts.path}"


def check_port(host: str, port: int) -> None:
    """Bind once, so a port another process listens on stops start-up with one line (gunicorn
    would retry five times, then print a traceback)."""
    import socket

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
            probe.bind((host, port))
    except OSError as exc:
        raise click.ClickException(f"server.port: cannot listen on {host}:{port} "
                                   f"({exc.strerror or exc})") from None


class Group(click.Group):
    """A command group whose commands fail with one line on configuration or database errors."""

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import OperationalError

        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(f"configuration error: {exc}") from None
        except OperationalError as exc:
            raise click.ClickException(database_error_line(exc)) from None
