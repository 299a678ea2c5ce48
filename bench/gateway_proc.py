"""`sms-gateway` with the `fakesms` provider kind registered: for subprocess workers and web.

Usage: python -m bench.gateway_proc worker|serve|... (the same commands as sms-gateway).
The gunicorn app for benchmarks is `bench.gateway_proc:app()`.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from bench.fake_sms import register

register()

if os.environ.get("BENCH_NO_PRE_PING"):
    # Measurement only (docs/performance.md): the engine without a ping per checkout.
    from sms_gateway import db

    def _engine_without_ping(url: str, **kw: Any) -> Any:
        engine = _make_engine(url, **kw)
        if not url.startswith("sqlite"):
            engine.pool._pre_ping = False  # noqa: SLF001 - the one switch there is
        return engine

    _make_engine = db.make_engine
    db.make_engine = _engine_without_ping
    import sms_gateway.services

    sms_gateway.services.make_engine = _engine_without_ping


def app() -> Any:
    """The gateway's Flask app, built from the environment like `sms-gateway serve` does."""
    from sms_gateway.app import create_app

    return create_app()


if __name__ == "__main__":
    from sms_gateway.cli import main

    sys.exit(main())
