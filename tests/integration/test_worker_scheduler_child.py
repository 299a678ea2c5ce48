"""A worker killed with SIGKILL leaves no process behind.

RQ runs its scheduler in a process forked from the worker. Before the worker armed the
parent-death signal for its children, every SIGKILL (supervisor, OOM killer) left that
scheduler running as an orphan, holding the queue's scheduler lock; the SIGKILL failure
test left one per CI run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.stack import stat_fields
from sms_gateway.config import Config
from sms_gateway.store.pii import new_key

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int(stat_fields(int(entry.name))[1])
            except OSError:
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = stat_fields(pid)[0]
    except OSError:
        return False
    return state != "Z"


def _wait(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal: Linux")
def test_the_scheduler_process_ends_with_a_killed_worker(prod_config: Config, tmp_path: Path,
                                                         pg_url: str, redis_url: str) -> None:
    from redis import Redis

    queue = prod_config.queue.name
    env = dict(os.environ, DATABASE_URL=pg_url, REDIS_URL=redis_url,
               SMS_GATEWAY_PII_KEY=new_key(), SMS_GATEWAY_SECRET_KEY=new_key(),
               SMS_GATEWAY_OUTBOUND="twilio", TWILIO_ACCOUNT_SID="AC" + "0" * 32,
               TWILIO_AUTH_TOKEN="unused", TWILIO_FROM="1708",
               SMS_GATEWAY_CONFIG=str(tmp_path / "c.toml"))
    # Not the default nice (10): the worker must read the key.
    (tmp_path / "c.toml").write_text(f'[queue]\nname = "{queue}"\nworker_nice = 7\n')
    subprocess.run([str(BIN / "sms-gateway"), "init"], cwd=tmp_path, env=env, check=True,
                   capture_output=True)
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen([str(BIN / "sms-gateway"), "worker"], cwd=tmp_path, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
    redis = Redis.from_url(redis_url)
    lock = f"rq:scheduler-lock:{queue}"
    scheduler: list[int] = []
    try:
        assert _wait(lambda: bool(redis.exists(lock)) and bool(_children(worker.pid)), 30), (
            (tmp_path / "worker.log").read_text())
        scheduler = _children(worker.pid)
        niceness = [_nice(worker.pid), *map(_nice, scheduler)]
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        ended = _wait(lambda: not any(_running(pid) for pid in scheduler), 15)
        released = _wait(lambda: not redis.exists(lock), 5)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
        for pid in scheduler:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        redis.close()
    assert (len(scheduler), ended, released) == (1, True, True)
    # [queue] worker_nice: the worker and what it forks give the web processes the CPU first.
    assert niceness == [7, 7]


def _nice(pid: int) -> int:
    """A process's nice value (/proc/PID/stat field 19)."""
    return int(stat_fields(pid)[16])
