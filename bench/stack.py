"""The gateway as separate local processes, each of which can be killed: for tests and benchmarks.

Everything listens on 127.0.0.1 only and lives as long as its context: a scratch Postgres
database, a private `redis-server` without persistence (so a restart loses its data), worker
and gunicorn subprocesses that can be SIGKILLed and restarted, and a TCP proxy that can cut
the gateway off from Postgres without touching the shared server.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
PUBLIC_URL = "https://gateway.example.id"
ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


# -- Twilio signing ------------------------------------------------------------------------
def twilio_signature(url: str, params: Mapping[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature: HMAC-SHA1 of the URL and the sorted form fields, base64."""
    data = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def twilio_form(sid: str, body: str, sender: str) -> dict[str, str]:
    """An inbound SMS form as Twilio posts it."""
    return {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender, "To": "+621708",
            "Body": body, "NumMedia": "0", "NumSegments": "1"}


def sender_number(i: int) -> str:
    """A distinct, valid Indonesian mobile number per i."""
    return f"+62812{i % 10**8:08d}"


# -- configuration -------------------------------------------------------------------------
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_config(path: Path, sections: Mapping[str, Mapping[str, Any]]) -> Path:
    """Write a gateway TOML file from {section: {key: value}} ("channels.x" for sub-tables)."""
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def add_tuning_options(parser: argparse.ArgumentParser) -> None:
    """The gateway settings a benchmark may change from the command line."""
    parser.add_argument("--batch-ms", type=int, default=None,
                        help="[queue] intake_batch_ms (default: the gateway's, 0: a job each)")
    parser.add_argument("--no-pre-ping", action="store_true",
                        help="[database] pool_pre_ping = false (no ping per transaction)")
    parser.add_argument("--worker-nice", type=int, default=None,
                        help="[queue] worker_nice (default: the gateway's, 10; 0: workers "
                             "compete with the web processes as equals)")


def tuned_sections(args: argparse.Namespace, queue_name: str) -> dict[str, dict[str, Any]]:
    """The [queue] and [database] config sections for those options."""
    queue: dict[str, Any] = {"name": queue_name}
    if args.batch_ms is not None:
        queue["intake_batch_ms"] = args.batch_ms
    if getattr(args, "worker_nice", None) is not None:
        queue["worker_nice"] = args.worker_nice
    return {"queue": queue, "database": {"pool_pre_ping": not args.no_pre_ping}}


def queued_message_ids(queue: Any) -> Counter[int]:
    """How often each message waits in this RQ queue, whether in its own job or a batch."""
    from rq.job import Job

    ids = queue.get_job_ids()
    found: Counter[int] = Counter()
    for start in range(0, len(ids), 1000):
        for job in Job.fetch_many(ids[start:start + 1000], connection=queue.connection,
                                  serializer=queue.serializer):
            if job is None:
                continue
            if job.func_name.endswith(".process_inbound"):
                found[int(job.args[0])] += 1
            elif job.func_name.endswith(".process_inbound_batch"):
                found.update(int(i) for i in job.args[0])
    return found


@contextmanager
def scratch_database(base_url: str | None = None) -> Iterator[str]:
    """A fresh Postgres database (SQLAlchemy URL), dropped with its connections afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(base_url or os.environ.get("DATABASE_URL") or PG_DEFAULT)
    base = base.set(drivername="postgresql+psycopg")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def delete_queue_keys(redis_url: str, queue: str) -> None:
    """Remove every key of one queue (and only those) from a shared Redis."""
    from redis import Redis

    conn = Redis.from_url(redis_url)
    try:
        keys = list(conn.scan_iter(match=f"*{queue}*", count=1000))
        if keys:
            conn.delete(*keys)
    finally:
        conn.close()


# -- processes -----------------------------------------------------------------------------
class RedisServer:
    """A private redis-server without persistence: killing it loses everything queued."""

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_dir = log_dir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with open(self.log_dir / f"redis-{self.port}.log", "ab") as log:
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.log_dir)],
                stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def restart(self) -> None:
        """Kill it and start an empty one on the same port."""
        self.kill()
        self.start()

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


class ProcessGroup:
    """N copies of one command; each can be SIGKILLed and restarted as a supervisor would."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], count: int,
                 log_dir: Path) -> None:
        self.name, self.argv, self.count, self.log_dir = name, argv, count, log_dir
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * count
        self.restarts = 0

    def start(self, i: int) -> None:
        # The child keeps its own copy of the descriptor; ours is closed at once.
        with open(self.log_dir / f"{self.name}-{i}.log", "ab") as log:
            self.procs[i] = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=log,
                                             stderr=subprocess.STDOUT)

    def start_all(self) -> None:
        for i in range(self.count):
            self.start(i)

    def kill(self, i: int) -> None:
        proc = self.procs[i]
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)

    def restart(self, i: int) -> None:
        self.kill(i)
        self.start(i)
        self.restarts += 1

    def supervise(self) -> int:
        """Start again whatever exited; returns how many were restarted."""
        dead = [i for i, p in enumerate(self.procs) if p is None or p.poll() is not None]
        for i in dead:
            self.restart(i)
        return len(dead)

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p is not None and p.poll() is None]

    def stop_all(self, grace: float = 5.0) -> None:
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.procs:
            if proc is None:
                continue
            try:
                proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait(5)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.log_dir.glob(f"{self.name}-*.log")))

    def __enter__(self) -> ProcessGroup:
        self.start_all()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()


def worker_argv(*extra: str) -> list[str]:
    """`sms-gateway worker` with the fakesms provider registered."""
    return [sys.executable, "-m", "bench.gateway_proc", "worker", *extra]


def rss_kib(pid: int) -> int:
    """Resident memory of one process, in KiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat from field 3 (state) on: the name in field 2 may hold spaces (Linux)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of one process so far, in clock ticks (Linux)."""
    fields = stat_fields(pid)
    return int(fields[11]) + int(fields[12])


def postgres_ticks() -> int:
    """CPU ticks of the whole Postgres server so far: the postmaster with every backend it has
    reaped (cutime/cstime), plus the backends alive now. Summing only the live `postgres:`
    processes loses the time of every connection closed during a run (and can go negative)."""
    total, masters = 0, set()
    for pid in pids_named("postgres:"):
        with suppress(OSError, IndexError, ValueError):
            fields = stat_fields(pid)
            total += int(fields[11]) + int(fields[12])
            masters.add(int(fields[1]))  # ppid: the postmaster
    for pid in masters:
        with suppress(OSError, IndexError, ValueError):
            fields = stat_fields(pid)
            if "postgres" in Path(f"/proc/{pid}/comm").read_text():
                total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total


def pids_named(fragment: str) -> list[int]:
    """Processes whose command line contains `fragment`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                if fragment in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                        errors="replace"):
                    found.append(int(entry.name))
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, idle) CPU ticks of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, idle


class CpuMeter:
    """CPU seconds spent by groups of processes between start() and stop()."""

    def __init__(self, groups: Mapping[str, Any]) -> None:
        # name -> callable returning the pids of the group now, or its CPU ticks so far (int)
        self.groups = groups
        self.seconds: dict[str, float] = {}

    def _sample(self) -> dict[str, int]:
        out = {}
        for name, pids in self.groups.items():
            found = pids()
            if isinstance(found, int):
                out[name] = found
                continue
            total = 0
            for pid in found:
                with suppress(OSError, IndexError, ValueError):
                    total += cpu_ticks(pid)
            out[name] = total
        busy, idle = machine_ticks()
        out["machine_busy"], out["machine_idle"] = busy, idle
        return out

    def start(self) -> None:
        self._before = self._sample()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        hz = os.sysconf("SC_CLK_TCK")
        self.seconds = {k: round((after[k] - self._before.get(k, 0)) / hz, 2) for k in after}
        return self.seconds


# -- a proxy that can cut the line ---------------------------------------------------------
class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `cut()` drops every connection and new ones."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._cut = threading.Event()
        self._closed = threading.Event()
        self.refused = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Unreachable: existing connections break, new ones are closed at once."""
        self._cut.set()
        with self._lock:
            socks, self._open = list(self._open), set()
        for s in socks:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def restore(self) -> None:
        self._cut.clear()

    def close(self) -> None:
        self._closed.set()
        self.cut()
        self.listener.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self._cut.is_set():
                self.refused += 1
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
                with self._lock:
                    self._open.discard(s)
