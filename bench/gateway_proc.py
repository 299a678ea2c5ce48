"""`sms-gateway` with the `fakesms` provider kind registered: for subprocess workers and web.

Usage: python -m bench.gateway_proc worker|serve|... (the same commands as sms-gateway).
The gunicorn app for benchmarks is `bench.gateway_proc:app()`.
"""

from __future__ import annotations

import sys
from typing import Any

from bench.fake_sms import register

register()

def app() -> Any:
    """The gateway's Flask app, built from the environment like `sms-gateway serve` does."""
    from sms_gateway.app import create_app

    return create_app()


if __name__ == "__main__":
    from sms_gateway.cli.main import main

    sys.exit(main())
