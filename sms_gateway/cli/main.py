"""The `sms-gateway` command: init, serve, worker, simulate, sweep, parse, route."""

from __future__ import annotations

import logging
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

import click

from sms_gateway.cli.common import (
    Group,
    check_database,
    check_model,
    check_port,
    check_queue,
    require_active_model,
)
from sms_gateway.cli.common import config as _config
from sms_gateway.cli.common import services as _services

if TYPE_CHECKING:
    from sms_gateway.config import Config


@click.group(cls=Group)
@click.option("-v", "--verbose", is_flag=True, help="Log debug details.")
def main(verbose: bool) -> None:
    """SMS gateway for the 1708 complaint number (SP4N-LAPOR!)."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:
        # Alembic (1.17+) logs one INFO line per built-in plugin when it is first imported:
        # seven lines of noise before every command's own output. Shown with -v.
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


@main.command()
def init() -> None:
    """Create or upgrade the database schema and load the reference data (agencies)."""
    import parsers
    from sms_gateway.agency.records import directory_for, sync_agencies
    from sms_gateway.store import migrate

    config = _config()
    check_database(config)
    migrate.upgrade(config)
    parsers.parse("cek 1234567")  # loads and validates the parser's rule files and gazetteer
    services = _services(config)
    try:
        with services.sessions.begin() as session:
            count = sync_agencies(session, directory_for(services))  # validates routing data
    finally:
        services.close()
    click.echo(f"database ready: {_safe_url(config.database_url)}; {count} agencies loaded")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def gunicorn_settings(config: Config, bind: str, workers: int) -> dict[str, Any]:
    """What `serve` sets in gunicorn's configuration."""
    from sms_gateway.cli.access_log import ACCESS_LOG_FORMAT, AccessLogger
    from sms_gateway.cli.procs import freeze_startup_heap

    def post_worker_init(_worker: Any) -> None:  # each web process, once it has loaded the app
        freeze_startup_heap()

    return {
        "bind": bind, "workers": workers, "threads": 4,
        # [server] access_log: one line per request to stdout, or none (gunicorn's default).
        "accesslog": "-" if config.server.access_log else None,
        "access_log_format": ACCESS_LOG_FORMAT, "logger_class": AccessLogger,
        # gunicorn's control socket (gunicornc) is one path per user: two gateways on a host
        # would take each other's, and nothing here uses it.
        "control_socket_disable": True,
        # The app's objects out of the garbage collector's full collections (each stops the
        # process for 50-300 ms with the webhooks it is serving).
        "post_worker_init": post_worker_init,
    }


@main.command()
@click.option("--host", default=None, help="Interface to bind (default from config).")
@click.option("--port", type=int, default=None, help="Port (default: PORT or 8000).")
@click.option("--workers", type=int, default=None,
              help="Web processes (default: 1 embedded, 2 x cores + 1 otherwise).")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the web app with gunicorn (embedded mode: jobs run inside it)."""
    import os

    from gunicorn.app.base import BaseApplication

    from sms_gateway.services import build_services

    config = _config()
    host, port = host or config.server.host, port or config.server.port
    check_port(host, port)
    check_model(config)  # each web process loads it; a bad one stops the server here, once
    check_database(config)
    if config.embedded:
        from sms_gateway.store import migrate

        migrate.upgrade(config)  # nothing installed, nothing to run first
    # Whatever the web processes would fail on, found here: one line, not a worker traceback.
    built = build_services(config, install=False)
    try:
        if config.embedded:  # jobs parse in the web process
            require_active_model(built)
    finally:
        built.close()
    count = workers or (1 if config.embedded else 2 * (os.cpu_count() or 1) + 1)
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for name, value in gunicorn_settings(config, bind, count).items():
                self.cfg.set(name, value)

        def load(self) -> Any:
            from sms_gateway.app import create_app

            return create_app()

    mode = "embedded (SQLite, in-process jobs)" if config.embedded else "production"
    click.echo(f"sms-gateway serving on http://{bind} - {mode}")
    _Gunicorn().run()


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--fork", is_flag=True, help="Fork a work horse per job (RQ's default Worker).")
def worker(burst: bool, fork: bool) -> None:
    """Run an RQ worker with the scheduler and the sweeper (needs REDIS_URL)."""
    from rq import SimpleWorker, Worker
    from rq.serializers import JSONSerializer

    from sms_gateway.cli.procs import (
        forked_children_die_with_this_process,
        freeze_startup_heap,
        yield_cpu_to_web,
    )
    from sms_gateway.dispatch import RqDispatcher
    from sms_gateway.sweeper import SweeperThread, periodic_tasks
    from sms_gateway.telco.sending import open_pool

    config = _config()
    if config.embedded:
        raise click.ClickException("no REDIS_URL: in the embedded mode jobs run inside "
                                   "`sms-gateway serve`; set REDIS_URL to run RQ workers")
    yield_cpu_to_web(config.queue.worker_nice)  # before any thread: they inherit it
    check_database(config)
    check_queue(config)
    services = _services(config)
    # the active model loaded before the first message, not during; one that this process
    # cannot load (no scikit-learn here) stops it with one line
    require_active_model(services)
    assert isinstance(services.dispatcher, RqDispatcher)
    if config.sms.send_concurrency > 0:
        services.send_pool = open_pool(services, config.sms.send_concurrency)  # close() stops it
    redis = services.dispatcher.redis
    interval = config.queue.sweep_interval_seconds
    lock_key = f"{config.queue.name}:sweeper-lock"

    def sweeper_lock() -> bool:
        return bool(redis.set(lock_key, "1", nx=True, ex=max(interval - 1, 1)))

    sweeper = SweeperThread(interval, periodic_tasks(), sweeper_lock)
    sweeper.start()
    services.sweeper = sweeper  # stopped by services.close()
    forked_children_die_with_this_process()  # RQ's scheduler process, work horses (--fork)
    worker_cls = Worker if fork else SimpleWorker
    rq_worker = worker_cls([services.dispatcher.queue], connection=redis,
                           serializer=JSONSerializer)
    freeze_startup_heap()  # after the parser and the pool, before the first job (and fork)
    try:
        rq_worker.work(burst=burst, with_scheduler=True)
    finally:
        services.close()


@main.command()
@click.option("--from", "sender", required=True, help="Sender phone, e.g. +6281234567890.")
@click.option("--wait", type=float, default=30.0, help="Seconds to wait for replies (RQ mode).")
@click.argument("text")
def simulate(sender: str, wait: float, text: str) -> None:
    """Inject one SMS through the webhook's pipeline and print the replies it caused."""
    from sqlalchemy import select

    from sms_gateway.dispatch import InlineDispatcher
    from sms_gateway.store import migrate
    from sms_gateway.store.models import OutboundMessage
    from sms_gateway.telco.inbox import enqueue_inbound
    from sms_gateway.telco.intake import store_inbound
    from sms_gateway.telco.phone import InvalidPhoneNumber, normalise
    from sms_gateway.telco.providers.base import IncomingSms

    config = _config()
    if config.embedded:
        migrate.upgrade(config)
    services = _services(config, dispatcher=InlineDispatcher() if config.embedded else None)
    try:
        sms = IncomingSms(f"sim-{uuid.uuid4().hex}", sender, "1708", text,
                          {"From": sender, "Body": text})
        try:
            stored = store_inbound(services, "console", "console", sms)
        except InvalidPhoneNumber as exc:
            raise click.ClickException(str(exc)) from None
        enqueue_inbound(services, stored.message_id)
        deadline = time.monotonic() + (0 if config.embedded else wait)
        while True:
            with services.sessions() as session:
                rows = session.execute(select(OutboundMessage).where(
                    OutboundMessage.inbound_message_id == stored.message_id)).scalars().all()
            if rows and all(r.status != "queued" and r.status != "sending" for r in rows):
                break
            if time.monotonic() >= deadline:
                break
            time.sleep(0.2)
        to = normalise(sender, config.sms.default_phone_region)
        click.echo(f"inbound message {stored.message_id} stored")
        if not rows:
            click.echo("no reply (yet)")
        for row in rows:
            click.echo(f"reply [{row.status}, {row.encoding}, {row.segments} segment(s)] "
                       f"-> {to}: {row.body}")
    finally:
        services.close()


@main.command()
@click.option("--older-than", type=int, default=None, help="Seconds (default from config).")
def sweep(older_than: int | None) -> None:
    """Re-enqueue messages left in a non-final state, once."""
    from sms_gateway.sweeper import sweep as run_sweep

    services = _services(_config())
    try:
        click.echo(str(run_sweep(older_than_seconds=older_than)))
    finally:
        services.close()


def _register() -> None:
    """Attach the commands that live beside the code they drive; explicit, not on import."""
    from sms_gateway.cli.agency import agency_group
    from sms_gateway.cli.citizen import citizen_group
    from sms_gateway.cli.console import user_group
    from sms_gateway.cli.parser import parse_command, parser_group
    from sms_gateway.cli.pii import pii_group
    from sms_gateway.cli.routing import route_command

    main.add_command(parse_command, "parse")
    main.add_command(parser_group, "parser")
    main.add_command(route_command, "route")
    main.add_command(user_group, "user")
    main.add_command(agency_group, "agency")
    main.add_command(pii_group, "pii")
    main.add_command(citizen_group, "citizen")


_register()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
