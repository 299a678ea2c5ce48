"""Where one webhook's time goes: N signed requests through the app in this process, profiled.

    .venv/bin/python -m bench.profile_intake [-n 2000] [--sort cumulative] [--top 40]

Same stack as bench/intake_bench.py (scratch Postgres, private Redis) without HTTP sockets or
gunicorn, so the profile shows our code, SQLAlchemy, psycopg, redis-py and RQ.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

from bench.stack import (
    PUBLIC_URL,
    RedisServer,
    add_tuning_options,
    scratch_database,
    sender_number,
    tuned_sections,
    twilio_form,
    twilio_signature,
    write_config,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--plain", action="store_true", help="time only, no profiler")
    parser.add_argument("--wsgi", action="store_true",
                        help="call the WSGI app with environs built beforehand, not through "
                             "the test client (whose own work is a third of the CPU)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="time the requests in this many rounds and print each round's "
                             "CPU per request and the least (a busy machine's noise)")
    parser.add_argument("--senders", type=int, default=0,
                        help="cycle through this many sender numbers, as in a flood "
                             "(default: every request from its own number)")
    add_tuning_options(parser)
    args = parser.parse_args(argv)
    from sms_gateway.app import create_app
    from sms_gateway.config import load_config
    from sms_gateway.services import build_services
    from sms_gateway.store import migrate
    from sms_gateway.store.pii import new_key

    tmp = Path(tempfile.mkdtemp(prefix="profile-intake-"))
    with RedisServer(tmp) as redis, scratch_database() as db:
        env = {"DATABASE_URL": db, "REDIS_URL": redis.url, "SMS_GATEWAY_PII_KEY": new_key(),
               "SMS_GATEWAY_SECRET_KEY": new_key(),
               "SMS_GATEWAY_CONFIG": str(write_config(tmp / "gateway.toml", {
                   "server": {"public_url": PUBLIC_URL}, **tuned_sections(args, "profile"),
                   "sms": {"outbound": "twilio"},
                   "twilio": {"account_sid": "AC" + "0" * 31 + "1", "from": "1708",
                              "auth_token": "test-auth-token-0123456789abcdef"}}))}
        config = load_config(env=env)
        migrate.upgrade(config)
        services = build_services(config)
        client = create_app(services=services, start_background=False).test_client()
        url = PUBLIC_URL + "/sms/twilio"
        requests = []
        for i in range(args.n + 200):
            form = twilio_form(f"SMP{i:08d}", "jalan rusak parah di kota bandung",
                               sender_number(i % args.senders if args.senders else i))
            requests.append((form, {"X-Twilio-Signature": twilio_signature(url, form)}))
        for form, headers in requests[:200]:  # warm-up: imports, pools, caches
            client.post("/sms/twilio", data=form, headers=headers)
        environs = [EnvironBuilder(path="/sms/twilio", method="POST", data=form,
                                   headers=headers).get_environ()
                    for form, headers in requests[200:]] if args.wsgi else []
        statuses: list[str] = []

        def start_response(status: str, headers: object, exc_info: object = None) -> None:
            statuses.append(status)

        app = client.application

        def one(item: Any) -> None:
            if args.wsgi:
                body = app(item, start_response)
                b"".join(body)
                getattr(body, "close", lambda: None)()
            else:
                form, headers = item
                assert client.post("/sms/twilio", data=form, headers=headers).status_code == 200

        items: list[Any] = environs if args.wsgi else requests[200:]
        size = -(-len(items) // max(args.rounds, 1))
        rounds: list[float] = []
        profiler = cProfile.Profile()
        started, cpu = time.perf_counter(), time.process_time()
        if not args.plain:
            profiler.enable()
        for start in range(0, len(items), size):
            round_cpu = time.process_time()
            for item in items[start:start + size]:
                one(item)
            rounds.append((time.process_time() - round_cpu) / len(items[start:start + size]))
        profiler.disable()
        assert all(s.startswith("200 ") for s in statuses), set(statuses)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        services.close()
    how = " (WSGI)" if args.wsgi else ""
    print(f"{args.n} requests{how} in {took:.2f}s: {args.n / took:.0f}/s in one thread "
          f"({took / args.n * 1000:.2f} ms each, {cpu / args.n * 1000:.2f} ms of it CPU in this "
          f"process{'' if args.plain else ', profiled'})")
    if len(rounds) > 1:
        print("CPU ms per request by round: " + ", ".join(f"{r * 1000:.3f}" for r in rounds)
              + f"; least {min(rounds) * 1000:.3f}")
    if args.plain:
        return
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
