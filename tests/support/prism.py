"""Stoplight Prism serving Twilio's own OpenAPI spec: a mock that validates every request.

Installed by .ci/run (`npm install --prefix .peers @stoplight/prism-cli@5.14.2`); the spec is
vendored in tests/data/twilio/ (MIT, see its README). The binary is run directly (killing npx
would leave node running).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.net import free_port

REPO = Path(__file__).resolve().parents[2]
PRISM = REPO / ".peers" / "node_modules" / ".bin" / "prism"
SPEC = REPO / "tests" / "data" / "twilio" / "twilio_api_v2010.json"


@contextmanager
def prism_twilio() -> Iterator[str]:
    """Run Prism on a free loopback port; yields its base URL."""
    if not PRISM.exists():
        reason = (f"Stoplight Prism not installed at {PRISM} (run .ci/run's step: npm install "
                  f"--prefix .peers @stoplight/prism-cli@5.14.2)")
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    port = free_port()
    proc = subprocess.Popen([str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "warn",
                             str(SPEC)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Prism did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
