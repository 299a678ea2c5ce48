"""Where a worker's time goes: N stored messages drained by one RQ SimpleWorker, profiled.

    .venv/bin/python -m bench.profile_worker [-n 300] [--sort tottime] [--plain] [--sql]
        [--batch 50]

The same jobs as in production (process_inbound, forward_ticket, send_sms through the real
Twilio client to the local fake provider) in this process, so cProfile sees all of it.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from bench.fake_sms import FakeSmsServer
from bench.stack import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    RedisServer,
    scratch_database,
    sender_number,
    write_config,
)

TEXTS = ("jalan rusak parah nomor {i} di kota bandung", "lampu jalan mati nomor {i} di kota medan",
         "sampah menumpuk nomor {i} di kota surabaya")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--plain", action="store_true", help="time only, no profiler")
    parser.add_argument("--cpu-clock", action="store_true",
                        help="profile the worker thread's CPU time (time.thread_time), not wall "
                             "time: waits for Postgres and Redis drop out")
    parser.add_argument("--inline", action="store_true",
                        help="run the job functions directly, without RQ (the app's own cost)")
    parser.add_argument("--save", metavar="FILE", help="also write the profile to FILE (pstats)")
    parser.add_argument("--sql", action="store_true",
                        help="also count the SQL statements per message, by statement")
    parser.add_argument("--provider-latency-ms", type=float, default=0.0,
                        help="the fake provider answers each send this late")
    parser.add_argument("--send-concurrency", type=int, default=0,
                        help="sends in flight (a send pool as `sms-gateway worker` has; "
                             "default 0: each send in the worker's thread)")
    parser.add_argument("--batch", type=int, default=1,
                        help="queue the messages in process_inbound_batch jobs of this many, "
                             "as batched intake does (default 1: a job each)")
    args = parser.parse_args(argv)
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from sms_gateway.config import load_config
    from sms_gateway.dispatch import InlineDispatcher, RqDispatcher
    from sms_gateway.services import build_services
    from sms_gateway.store import migrate
    from sms_gateway.store.pii import new_key
    from sms_gateway.telco.inbox import enqueue_inbound
    from sms_gateway.telco.intake import store_inbound
    from sms_gateway.telco.intake_batch import queue_in_chunks
    from sms_gateway.telco.providers.base import IncomingSms
    from sms_gateway.telco.sending import open_pool

    tmp = Path(tempfile.mkdtemp(prefix="profile-worker-"))
    with RedisServer(tmp) as redis, scratch_database() as db, FakeSmsServer() as phone:
        env = {"DATABASE_URL": db, "REDIS_URL": redis.url, "SMS_GATEWAY_PII_KEY": new_key(),
               "SMS_GATEWAY_SECRET_KEY": new_key(),
               "SMS_GATEWAY_CONFIG": str(write_config(tmp / "gateway.toml", {
                   "server": {"public_url": PUBLIC_URL}, "queue": {"name": "profile"},
                   "sms": {"outbound": "twilio"},
                   "twilio": {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
                              "from": "1708", "api_base_url": phone.url}}))}
        config = load_config(env=env)
        phone.latency = args.provider_latency_ms / 1000
        migrate.upgrade(config)
        services = build_services(config)
        dispatcher = services.dispatcher
        assert isinstance(dispatcher, RqDispatcher)

        def load(n: int) -> None:
            ids = []
            for i in range(n):
                text = TEXTS[i % len(TEXTS)].format(i=i)
                sms = IncomingSms(f"W{uuid.uuid4().hex}", sender_number(i), "1708", text,
                                  {"Body": text})
                ids.append(store_inbound(services, "twilio", "twilio", sms).message_id)
            if args.batch > 1:
                queue_in_chunks(dispatcher, ids, args.batch)
            else:
                for message_id in ids:
                    enqueue_inbound(services, message_id)

        def drain() -> None:
            if args.send_concurrency > 0:
                services.send_pool = open_pool(services, args.send_concurrency)
            work()
            if services.send_pool is not None:
                services.send_pool.stop()  # waits for the sends in flight and their records
                services.send_pool = None

        def work() -> None:
            if args.inline:
                inline = InlineDispatcher()
                services.dispatcher = inline
                for job in dispatcher.queue.get_jobs():
                    dispatcher.queue.remove(job)
                    inline.enqueue(job.func_name, *job.args, job_id=job.id)
                services.dispatcher = dispatcher
                assert not inline.errors, inline.errors
                return
            SimpleWorker([dispatcher.queue], connection=dispatcher.redis,
                         serializer=JSONSerializer).work(burst=True, logging_level="WARNING")

        load(30)
        drain()  # warm-up: imports, rule files, pools
        load(args.n)
        statements: Counter[str] = Counter()
        if args.sql:
            from sqlalchemy import event

            @event.listens_for(services.engine, "before_cursor_execute")
            def count(conn: object, cursor: object, statement: str, *rest: object) -> None:
                statements[" ".join(statement.split())[:110]] += 1

        profiler = cProfile.Profile(time.thread_time) if args.cpu_clock else cProfile.Profile()
        started, cpu, own = time.perf_counter(), time.process_time(), time.thread_time()
        if not args.plain:
            profiler.enable()
        drain()
        profiler.disable()
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        own = time.thread_time() - own
        services.close()
        sent = len(phone.delivered)
    print(f"{args.n} messages ({sent} replies in all) in {took:.2f}s: {args.n / took:.1f}/s in "
          f"one worker{' (jobs inline, no RQ)' if args.inline else ''}, "
          f"{cpu / args.n * 1000:.1f} ms CPU per message in this process"
          f"{'' if args.plain else ' (profiled)'}, {own / args.n * 1000:.2f} in the worker's "
          f"thread (the jobs; not the send pool, the fake provider)")
    if statements:
        print(f"{sum(statements.values()) / args.n:.1f} SQL statements per message:")
        for text, n in statements.most_common(args.top):
            print(f"{n / args.n:6.2f}  {text}")
    if not args.plain:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
        if args.save:
            profiler.dump_stats(args.save)


if __name__ == "__main__":
    main()
