"""`sms-gateway worker` gives the web processes the CPU first ([queue] worker_nice)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "setpriority"), reason="POSIX priorities")

# Run in a child: niceness cannot be undone without privileges, and the tests share a process.
CHILD = """
import os, threading
from sms_gateway.cli.procs import yield_cpu_to_web
start = int(os.environ["START_NICE"])
os.setpriority(os.PRIO_PROCESS, 0, start)
now = yield_cpu_to_web(int(os.environ["WANT_NICE"]))
seen = []
t = threading.Thread(target=lambda: seen.append(
    os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
t.start(); t.join()
print(now, os.getpriority(os.PRIO_PROCESS, 0), seen[0])
"""


def _run(start: int, want: int) -> list[int]:
    out = subprocess.run([sys.executable, "-c", CHILD], check=True, capture_output=True,
                         text=True, env={**os.environ, "START_NICE": str(start),
                                         "WANT_NICE": str(want)}).stdout
    return [int(x) for x in out.split()]


def test_the_worker_becomes_nicer_and_its_threads_too() -> None:
    assert _run(0, 10) == [10, 10, 10]


def test_a_worker_started_nicer_stays_so() -> None:
    assert _run(15, 10) == [15, 15, 15]


def test_zero_leaves_the_worker_as_started() -> None:
    assert _run(3, 0) == [3, 3, 3]
