"""Workers SIGKILLed during a flood, against a slow provider that does not deduplicate.

    .venv/bin/python -m bench.kill_bench [--messages 2000] [--duplicates 300] [--kills 3]
                                         [--provider-latency-ms 150]

Issue 16's crash target, measured on the Procfile processes: `sms-gateway serve` (gunicorn),
two `sms-gateway worker` processes, a scratch Postgres database and a private redis-server.
The provider is the Twilio dialect of the local fake (in this process), which like Twilio
takes every request as a new SMS and answers each after the given latency. Distinct signed
complaints from distinct numbers, plus re-deliveries of random ones, are posted over HTTP by
16 threads; while they arrive, one worker is SIGKILLed (and started again at once, as a
supervisor would) each time at least 3 sends are in flight, `--kills` times. The clock stops
when the database shows every message settled and every reply sent. Printed: the citizens
left without an SMS (beyond those whose message opens nothing by design: spam), those who got
two, messages stored twice or ticketed twice, and how long it took.

The gateway sweeps every second and treats work as stuck after 3 s (bench.gateway.sections),
so that the run settles within minutes; a deployment's defaults settle the same way, later.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from bench.batch import audit, make_batch, with_duplicates
from bench.fake_sms import FakeSmsServer, register
from bench.gateway import sections
from bench.stack import (
    PUBLIC_URL,
    ProcessGroup,
    RedisServer,
    free_port,
    scratch_database,
    twilio_signature,
    wait_for_port,
    worker_argv,
    write_config,
)

HERE = Path(__file__).resolve().parent
POSTERS = 16
IN_FLIGHT_BEFORE_KILL = 3
# Spam and scams are kept for review and answered with nothing (docs/performance.md, Abuse).
SILENT_BY_DESIGN = {"review:spam"}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="distinct SMS")
    parser.add_argument("--duplicates", type=int, default=300, help="re-deliveries among them")
    parser.add_argument("--kills", type=int, default=3, help="worker SIGKILLs during the run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--provider-latency-ms", type=float, default=150.0)
    parser.add_argument("--send-concurrency", type=int, default=32)
    parser.add_argument("--timeout", type=int, default=600, help="give up after this long")
    args = parser.parse_args(argv)
    from sms_gateway.config import load_config
    from sms_gateway.services import build_services
    from sms_gateway.store import migrate
    from sms_gateway.store.pii import new_key

    register()  # this process reads the config too: the fake's channel kind must be known

    tmp = Path(tempfile.mkdtemp(prefix="kill-bench-"))
    web_port = free_port()
    rng = random.Random(16)
    forms = make_batch(args.messages, "K")
    deliveries = with_duplicates(forms, args.duplicates)
    report: dict[str, Any] = {"load_before": os.getloadavg(), "messages": args.messages,
                              "duplicates": args.duplicates, "kills_asked": args.kills,
                              "provider_latency_ms": args.provider_latency_ms}
    with RedisServer(tmp) as redis, scratch_database() as db, FakeSmsServer() as phone:
        phone.latency = args.provider_latency_ms / 1000
        config = sections("bench", phone.url, sms={
            "outbound": "twilio", "send_concurrency": args.send_concurrency})
        env = {"DATABASE_URL": db, "REDIS_URL": redis.url, "SMS_GATEWAY_PII_KEY": new_key(),
               "SMS_GATEWAY_SECRET_KEY": new_key(),
               "SMS_GATEWAY_CONFIG": str(write_config(tmp / "gateway.toml", config))}
        migrate.upgrade(load_config(env=env))
        services = build_services(load_config(env=env))
        serve = [sys.executable, "-m", "bench.gateway_proc", "serve", "--port", str(web_port),
                 "--workers", "2"]
        url = f"http://127.0.0.1:{web_port}/sms/twilio"
        with ProcessGroup("web", serve, env, 1, tmp), \
                ProcessGroup("worker", worker_argv(), env, args.workers, tmp) as workers:
            wait_for_port(web_port, 90)
            time.sleep(3)  # workers import everything
            started = time.monotonic()
            statuses: Counter[int] = Counter()
            in_flight_at_kills: list[int] = []
            posting = threading.Thread(target=_post_all, args=(url, deliveries, statuses))
            posting.start()
            # Kill while the flood comes in and while the backlog drains, spread out.
            while len(in_flight_at_kills) < args.kills and time.monotonic() - started < 120:
                time.sleep(rng.uniform(1.0, 3.0))
                sending = _count_sending(services)
                if sending >= IN_FLIGHT_BEFORE_KILL:
                    workers.restart(rng.randrange(args.workers))
                    in_flight_at_kills.append(sending)
            posting.join()
            posted_for = time.monotonic() - started
            end = audit(services.sessions)
            while time.monotonic() - started < args.timeout and not end.settled():
                workers.supervise()
                time.sleep(1)
                end = audit(services.sessions)
            took = time.monotonic() - started
            outcomes = _outcomes(services)
        services.close()
    sids_phone = {f["MessageSid"]: f["From"] for f in forms}
    per_phone = Counter(to for _, to, _ in phone.delivered)
    without = [sid for sid, phone_no in sids_phone.items()
               if per_phone[phone_no] == 0 and outcomes.get(sid) not in SILENT_BY_DESIGN]
    report.update({
        "kills": len(in_flight_at_kills), "sends_in_flight_at_kills": in_flight_at_kills,
        "http_statuses": dict(statuses), "posting_seconds": round(posted_for, 1),
        "settled": end.settled(), "settled_after_seconds": round(took, 1),
        "stored_twice": len(end.stored_twice()), "missing": len(end.missing(set(sids_phone))),
        "ticketed_twice": len(end.extra_tickets()),
        "outcomes": dict(Counter(outcomes.values())),
        "citizens": len(sids_phone),
        "citizens_without_sms": len(without),  # spam excluded
        "citizens_without_sms_outcomes": dict(Counter(outcomes.get(s) for s in without)),
        "citizens_with_two_or_more": sum(1 for n in per_phone.values() if n > 1),
        "citizens_with_two_share": round(
            sum(1 for n in per_phone.values() if n > 1) / max(len(per_phone), 1), 4),
        "provider_requests": phone.requests, "outbound_status": dict(end.outbound_status),
        "load_after": os.getloadavg()})
    print(json.dumps(report, default=str))
    return report


def _post_all(url: str, deliveries: list[dict[str, str]], statuses: Counter[int]) -> None:
    """Post every webhook (signed), 16 at a time, retrying as Twilio would on a non-2xx."""
    def post(form: dict[str, str]) -> int:
        headers = {"X-Twilio-Signature": twilio_signature(PUBLIC_URL + "/sms/twilio", form)}
        for _ in range(5):
            try:
                status = requests.post(url, data=form, headers=headers, timeout=15).status_code
            except requests.RequestException:
                status = 0
            if 200 <= status < 300:
                return status
            time.sleep(1)
        return status

    with ThreadPoolExecutor(POSTERS) as pool:
        for status in pool.map(post, deliveries):
            statuses[status] += 1


def _count_sending(services: Any) -> int:
    from sqlalchemy import func, select

    from sms_gateway.store.models import OutboundMessage

    with services.sessions() as session:
        return int(session.execute(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.status == "sending")).scalar_one())


def _outcomes(services: Any) -> dict[str, str]:
    """Each stored message's outcome (ticket_created, spam, ...) by its provider id."""
    from sqlalchemy import select

    from sms_gateway.store.models import InboundMessage

    with services.sessions() as session:
        return {sid: f"{outcome}:{reason}" if reason else outcome or "-"
                for sid, outcome, reason in session.execute(select(
                    InboundMessage.provider_message_id, InboundMessage.outcome,
                    InboundMessage.review_reason)).all()}


if __name__ == "__main__":
    main()
