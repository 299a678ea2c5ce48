"""Intake benchmark: signed Twilio webhooks from wrk into gunicorn + Postgres + Redis.

    .venv/bin/python -m bench.intake_bench [--duration 20] [--connections 32] [--runs 3]

Everything runs on 127.0.0.1 and is thrown away afterwards: a scratch Postgres database, a
private redis-server, `sms-gateway serve` (gunicorn) and wrk. Each request carries a distinct
MessageSid (bodies are signed beforehand in Python: wrk's Lua has no HMAC-SHA1), so every
accepted request is one INSERT and one enqueue. After each run the stored rows are counted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.stack import (
    PUBLIC_URL,
    CpuMeter,
    ProcessGroup,
    RedisServer,
    add_tuning_options,
    free_port,
    postgres_ticks,
    queued_message_ids,
    rss_kib,
    scratch_database,
    sender_number,
    tuned_sections,
    twilio_form,
    twilio_signature,
    wait_for_port,
    write_config,
)

HERE = Path(__file__).resolve().parent
TEXTS = ("jalan rusak parah di kota bandung", "lampu jalan mati di kecamatan coblong",
         "sampah menumpuk di pasar kota surabaya", "air pdam tidak mengalir tiga hari")


def write_bodies(path: Path, tag: str, n: int) -> Path:
    """n signed inbound forms, one 'signature<TAB>body' per line."""
    url = PUBLIC_URL + "/sms/twilio"
    with path.open("w") as fh:
        for i in range(n):
            form = twilio_form(f"SM{tag}{i:08d}", TEXTS[i % len(TEXTS)], sender_number(i))
            fh.write(f"{twilio_signature(url, form)}\t{urlencode(form)}\n")
    return path


def children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                             text=True, check=False).stdout
    except OSError:
        return []
    return [int(p) for p in out.split()]


class RssSampler(threading.Thread):
    """Peak resident memory of some processes, sampled every half second."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak: dict[int, int] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            for pid in self.pids:
                try:
                    self.peak[pid] = max(self.peak.get(pid, 0), rss_kib(pid))
                except OSError:
                    pass


def wrk(url: str, bodies: Path, duration: int, connections: int, threads: int,
        meter: CpuMeter | None = None, once: bool = False,
        rate: int | None = None) -> dict[str, Any]:
    """Run wrk for `duration` seconds; `once`: stop when every body was sent (not repeat);
    `rate`: send on a fixed schedule of that many requests a second (open loop, see
    wrk_twilio.lua) instead of each connection's next request as soon as it is answered."""
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
           "--timeout", "5s", "-s", str(HERE / "wrk_twilio.lua"), url, "--", str(bodies),
           str(threads), *(["once"] if once else [])]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {k: v for k, v in os.environ.items() if k != "WRK_RATE"}
    if rate:
        env["WRK_RATE"] = str(rate)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    if meter is not None:
        meter.start()
    out, _ = proc.communicate(timeout=duration + 60)
    cpu = meter.stop() if meter is not None else {}
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu["wrk"] = round(children_after.ru_utime + children_after.ru_stime
                       - children_before.ru_utime - children_before.ru_stime, 2)
    match = re.search(r"^RESULT (.*)$", out, re.M)
    if match is None:
        raise RuntimeError(f"wrk printed no RESULT line:\n{out}")
    result: dict[str, Any] = {k: int(v) for k, v in
                              (kv.split("=") for kv in match.group(1).split())}
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    if rate:
        result["offered_rps"] = rate
    result["cpu_seconds"] = cpu
    return result


def stored(db: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM inbound_messages")).scalar_one()
    engine.dispose()
    return int(n)


def queued(redis_url: str, queue: str = "bench") -> int:
    """How many messages the queue holds, whether one job each or in batches."""
    from redis import Redis
    from rq import Queue
    from rq.serializers import JSONSerializer

    conn = Redis.from_url(redis_url)
    total = sum(queued_message_ids(Queue(queue, connection=conn,
                                         serializer=JSONSerializer)).values())
    conn.close()
    return total


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--web-workers", type=int, default=None,
                        help="gunicorn processes (default: what `sms-gateway serve` picks)")
    parser.add_argument("--gunicorn", metavar="ARGS", default="",
                        help="run gunicorn directly with these options instead of "
                             "`sms-gateway serve` (e.g. \"-w 2 -k gthread --threads 8\")")
    parser.add_argument("--py-spy", metavar="FILE", default="",
                        help="record one web worker with py-spy during the first run")
    parser.add_argument("--pace", type=int, default=None, metavar="RATE",
                        help="offer this many webhooks a second on a fixed schedule (open "
                             "loop) instead of as fast as the connections are answered")
    parser.add_argument("--max-rate", type=int, default=3000,
                        help="bodies signed per second of run (distinct ids needed)")
    add_tuning_options(parser)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    port = free_port()
    report: dict[str, Any] = {"load_before": os.getloadavg(), "runs": []}
    with RedisServer(tmp) as redis, scratch_database() as db:
        env = {"DATABASE_URL": db, "REDIS_URL": redis.url,
               "SMS_GATEWAY_PII_KEY": "x" * 43 + "=",
               "SMS_GATEWAY_CONFIG": str(write_config(tmp / "gateway.toml", {
                   "server": {"public_url": PUBLIC_URL},
                   **tuned_sections(args, "bench"),
                   "sms": {"outbound": "twilio"},  # no console channel in production
                   "twilio": {"account_sid": "AC" + "0" * 31 + "1",
                              "auth_token": "test-auth-token-0123456789abcdef", "from": "1708"},
               }))}
        from sms_gateway.store.pii import new_key

        env["SMS_GATEWAY_PII_KEY"] = new_key()
        env["SMS_GATEWAY_SECRET_KEY"] = new_key()
        subprocess.run([sys.executable, "-m", "bench.gateway_proc", "init"], env={
            **os.environ, **env, "PYTHONPATH": str(HERE.parent)}, check=True,
            capture_output=True)
        serve = [sys.executable, "-m", "bench.gateway_proc", "serve", "--port", str(port)]
        if args.web_workers:
            serve += ["--workers", str(args.web_workers)]
        if args.gunicorn:
            serve = [sys.executable, "-m", "gunicorn", *args.gunicorn.split(), "-b",
                     f"127.0.0.1:{port}", "bench.gateway_proc:app()"]
        n = args.duration * args.max_rate
        bodies = [write_bodies(tmp / f"run{r}.txt", f"R{r}", n) for r in range(args.runs)]
        warm = write_bodies(tmp / "warm.txt", "W", 5 * args.max_rate)
        with ProcessGroup("web", serve, env, 1, tmp) as web:
            wait_for_port(port, 30)
            master = web.pids()[0]
            time.sleep(2)
            sampler = RssSampler([master, *children(master)])
            sampler.start()
            url = f"http://127.0.0.1:{port}"
            wrk(url, warm, 5, args.connections, args.threads)
            web_pids = [master, *children(master)]
            meter = CpuMeter({"web": lambda: web_pids, "postgres": postgres_ticks,
                              "redis": lambda: [redis.proc.pid] if redis.proc else []})
            spy = None
            if args.py_spy:
                spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record",
                                        "-r", "200", "-f", "raw", "-o", args.py_spy,
                                        "-d", str(args.duration), "-p", str(web_pids[-1])],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for r in range(args.runs):
                before = stored(db)
                result = wrk(url, bodies[r], args.duration, args.connections, args.threads,
                             meter, rate=args.pace)
                result["stored"] = stored(db) - before
                result["load"] = os.getloadavg()
                report["runs"].append(result)
                print(json.dumps(result), flush=True)
            sampler.stopped.set()
            time.sleep(1)  # the last batches leave the web processes
            # Nothing consumes the queue here: every stored message must be in it, once.
            report["stored_total"], report["queued_total"] = stored(db), queued(redis.url)
            if spy is not None:
                spy.wait(60)
            report["web_processes"] = len(sampler.pids) - 1
            report["rss_kib"] = {"master": sampler.peak.get(master, 0),
                                 "workers": [sampler.peak.get(p, 0) for p in sampler.pids[1:]]}
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, default=str))
    return report


if __name__ == "__main__":
    main()
