"""End-to-end benchmark: webhook in -> ticket created and routed -> reply handed to the provider.

    .venv/bin/python -m bench.e2e_bench [--messages 6000] [--rate 400] [--pace] [--workers 2]

Runs on 127.0.0.1 only, bounded in time: a scratch Postgres database, a private redis-server,
`sms-gateway serve` (gunicorn), N `sms-gateway worker` processes (RQ SimpleWorker) and the
local fake provider (Twilio dialect: the real Twilio client sends each reply over HTTP). wrk
posts distinct signed complaints from distinct numbers (so no per-sender limit applies) for
messages/rate seconds; the clock stops when the provider has every reply. With `--pace` wrk
offers exactly --rate webhooks a second on a fixed schedule (open loop) and the intake latency
is the latency at that rate; without it, each connection posts again as soon as it is answered.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench.intake_bench import RssSampler, children, stored, write_bodies, wrk
from bench.stack import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    CpuMeter,
    ProcessGroup,
    RedisServer,
    add_tuning_options,
    free_port,
    postgres_ticks,
    scratch_database,
    tuned_sections,
    wait_for_port,
    worker_argv,
    write_config,
)

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=6000)
    parser.add_argument("--rate", type=int, default=400,
                        help="roughly how fast wrk posts (sets its duration: messages/rate)")
    parser.add_argument("--pace", action="store_true",
                        help="post at --rate on a fixed schedule (open loop: the intake "
                             "latency at that offered rate) instead of as fast as answered")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="RQ worker processes")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=300, help="give up after this long")
    parser.add_argument("--provider-latency-ms", type=float, default=0.0,
                        help="the fake provider answers each send this late (real APIs: 100-300)")
    parser.add_argument("--send-concurrency", type=int, default=None,
                        help="[sms] send_concurrency (default: the gateway's; 0: one at a time)")
    add_tuning_options(parser)
    args = parser.parse_args(argv)
    from sms_gateway.store.pii import new_key

    tmp = Path(tempfile.mkdtemp(prefix="e2e-bench-"))
    web_port, phone_port = free_port(), free_port()
    phone_url = f"http://127.0.0.1:{phone_port}"
    report: dict[str, Any] = {"load_before": os.getloadavg(), "messages": args.messages,
                              "workers": args.workers,
                              "provider_latency_ms": args.provider_latency_ms,
                              "worker_nice": args.worker_nice}
    with RedisServer(tmp) as redis, scratch_database() as db:
        env = {"DATABASE_URL": db, "REDIS_URL": redis.url, "SMS_GATEWAY_PII_KEY": new_key(),
               "SMS_GATEWAY_SECRET_KEY": new_key(),
               "SMS_GATEWAY_CONFIG": str(write_config(tmp / "gateway.toml", {
                   "server": {"public_url": PUBLIC_URL},
                   **tuned_sections(args, "bench"),
                   "sms": {"outbound": "twilio", **({} if args.send_concurrency is None else
                                                    {"send_concurrency": args.send_concurrency})},
                   "twilio": {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
                              "from": "1708", "api_base_url": phone_url},
               }))}
        pyenv = {**os.environ, **env, "PYTHONPATH": str(HERE.parent)}
        subprocess.run([sys.executable, "-m", "bench.gateway_proc", "init"], env=pyenv,
                       check=True, capture_output=True)
        duration = max(args.messages // args.rate, 1)
        bodies = write_bodies(tmp / "bodies.txt", "E", args.messages)
        serve = [sys.executable, "-m", "bench.gateway_proc", "serve", "--port", str(web_port),
                 "--workers", str(args.web_workers)]
        phone_argv = [sys.executable, "-m", "bench.fake_sms", "--port", str(phone_port),
                      "--latency-ms", str(args.provider_latency_ms)]
        with ProcessGroup("phone", phone_argv, env, 1, tmp) as phone, \
                ProcessGroup("web", serve, env, 1, tmp) as web, \
                ProcessGroup("worker", worker_argv(), env, args.workers, tmp) as workers:
            wait_for_port(phone_port, 60)
            wait_for_port(web_port, 90)
            _wait_until_ready(f"http://127.0.0.1:{web_port}/healthz", redis.url, args.workers)
            master = web.pids()[0]
            web_pids = [master, *children(master)]
            sampler = RssSampler(web_pids + workers.pids())
            sampler.start()
            meter = CpuMeter({"web": lambda: web_pids, "workers": workers.pids,
                              "phone": phone.pids, "postgres": postgres_ticks,
                              "redis": lambda: [redis.proc.pid] if redis.proc else []})
            meter.start()
            started = time.monotonic()
            # Each body once: without `once`, wrk repeats them until `duration` is over and
            # the web side spends the run answering duplicates. (wrk itself still runs for
            # `duration`; the clock below stops on the replies, not on wrk.)
            intake = wrk(f"http://127.0.0.1:{web_port}", bodies, duration,
                         args.connections, 2, once=True, rate=args.rate if args.pace else None)
            posted_for = time.monotonic() - started
            accepted, delivered, backlog_at_end = 0, 0, 0
            while time.monotonic() - started < args.timeout:
                # Counted again each time: webhooks in flight when wrk stopped are stored
                # (and answered) after it returns.
                accepted = stored(db)
                delivered = requests.get(f"{phone_url}/stats", timeout=5).json()["delivered"]
                if delivered >= accepted:
                    break
                time.sleep(0.2)
            took = time.monotonic() - started
            cpu = meter.stop()
            backlog_at_end = accepted - delivered
            sampler.stopped.set()
            rss = {"web_master": sampler.peak.get(master, 0),
                   "web_workers": [sampler.peak.get(p, 0) for p in web_pids[1:]],
                   "rq_workers": [sampler.peak.get(p, 0) for p in workers.pids()]}
    report.update({
        "accepted": accepted, "replies_at_provider": delivered, "undelivered": backlog_at_end,
        "intake_rps": round(intake["rps"], 1), "intake_p99_ms": intake["p99_us"] / 1000,
        "intake_p50_ms": intake["p50_us"] / 1000, "intake_max_ms": intake["max_us"] / 1000,
        "intake_offered_rps": args.rate if args.pace else None,
        "intake_late_slots": intake["late"], "intake_max_late_ms": intake["max_late_ms"],
        "webhooks_posted": intake["requests"],
        "posting_seconds": round(posted_for, 1), "total_seconds": round(took, 1),
        "end_to_end_per_second": round(delivered / took, 1), "cpu_seconds": cpu,
        "cpu_ms_per_reply": {k: round(v * 1000 / max(delivered, 1), 2) for k, v in cpu.items()},
        "rss_kib": rss, "load_after": os.getloadavg()})
    print(json.dumps(report, default=str))
    return report


def _wait_until_ready(healthz: str, redis_url: str, workers: int, timeout: float = 120) -> None:
    """Until the web answers and every RQ worker has registered (a loaded machine is slow)."""
    from redis import Redis
    from rq import Worker

    deadline = time.monotonic() + timeout
    conn = Redis.from_url(redis_url)
    while time.monotonic() < deadline:
        try:
            up = requests.get(healthz, timeout=5).status_code == 200
        except requests.RequestException:
            up = False
        if up and len(Worker.all(connection=conn)) >= workers:
            break
        time.sleep(0.5)
    conn.close()
    time.sleep(2)  # workers import everything before the clock starts


if __name__ == "__main__":
    main()
