"""Services and programs a test needs: skipped with the reason when missing, failed under CI."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_DEFAULT = "redis://127.0.0.1:6379/0"


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _missing(what: str, message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI requires {what}: {message}")
    pytest.skip(message)


def need(service: str, host: str, port: int) -> None:
    """Skip (fail under CI=true) when a server the test talks to is not running."""
    if not reachable(host, port):
        _missing(service, f"{service} not reachable at {host}:{port}; start it or set the URL "
                          f"(see README 'Tests')")


def need_program(program: str, package: str) -> None:
    """Skip (fail under CI=true) when a server binary a test starts itself is not installed."""
    if not shutil.which(program):
        _missing(program, f"{program} not installed (Debian package {package}); the test "
                          f"starts its own")
