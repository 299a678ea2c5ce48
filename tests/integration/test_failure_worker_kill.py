"""Workers SIGKILLed again and again in the middle of a batch, restarted at once: nothing lost.

Two real `sms-gateway worker` processes (RQ SimpleWorker + scheduler + sweeper) on a scratch
Postgres database and a queue of their own; replies go out through a local provider that
deduplicates on our reference, so a send cut off mid-way may be sent again (see
test_pipeline_rq's test_send_cut_off_mid_way_is_not_sent_again for providers that do not).
Each send takes 30 ms at the provider, so kills land inside sends as well as inside parsing.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.batch import Audit, audit, make_batch, wait_until, with_duplicates
from bench.fake_sms import FakeSmsServer, Fault, register
from bench.stack import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    ProcessGroup,
    delete_queue_keys,
    scratch_database,
    twilio_signature,
    worker_argv,
    write_config,
)
from sms_gateway import migrate
from sms_gateway.app import create_app
from sms_gateway.config import load_config
from sms_gateway.pii import new_key
from sms_gateway.providers import REGISTRY
from sms_gateway.services import build_services, set_current
from tests.conftest import REDIS_DEFAULT, _need

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DISTINCT, DUPLICATES, PARTS = 80, 30, 4
KILLS, PROGRESS_BEFORE_KILL = 7, 10
DEADLINE = 120.0


@dataclass
class Run:
    sids: set[str]
    statuses: list[int]
    end: Audit
    phone: dict[str, Any]
    pending_at_kills: list[int]
    took: float
    restarts: int


def gateway_sections(queue: str, fake_url: str, **extra: dict[str, Any]) -> dict[str, Any]:
    """Config for a gateway whose replies go through the idempotent fake provider."""
    sections: dict[str, dict[str, Any]] = {
        "server": {"public_url": PUBLIC_URL},
        "queue": {"name": queue, "sweep_interval_seconds": 1, "stuck_after_seconds": 3,
                  "job_timeout_seconds": 30},
        "sms": {"outbound": "fake", "retry_intervals_seconds": [1], "max_send_attempts": 5},
        "twilio": {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from": "1708"},
        "channels.fake": {"provider": "fakesms", "url": fake_url, "timeout_seconds": 5.0},
    }
    for name, values in extra.items():
        sections.setdefault(name, {}).update(values)
    return sections


def post(client: Any, form: dict[str, str]) -> int:
    headers = {"X-Twilio-Signature": twilio_signature(PUBLIC_URL + "/sms/twilio", form)}
    return int(client.post("/sms/twilio", data=form, headers=headers).status_code)


def unsettled_work(end: Audit) -> int:
    return len(end.unsettled) + sum(n for s, n in end.outbound_status.items()
                                    if s in ("queued", "sending"))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    _need("PostgreSQL", "127.0.0.1", 5432)
    _need("Redis", "127.0.0.1", 6379)
    tmp = tmp_path_factory.mktemp("kill")
    redis_url = REDIS_DEFAULT
    queue = f"fail-kill-{uuid.uuid4().hex[:8]}"
    register()
    try:
        with scratch_database() as db, FakeSmsServer() as phone:
            phone.faults = [Fault(count=10**6, delay=0.03, accepted=True)]
            env = {"DATABASE_URL": db, "REDIS_URL": redis_url,
                   "SMS_GATEWAY_PII_KEY": new_key(),
                   "SMS_GATEWAY_CONFIG": str(write_config(
                       tmp / "gateway.toml", gateway_sections(queue, phone.url)))}
            config = load_config(env=env)
            migrate.upgrade(config)
            services = build_services(config)
            client = create_app(services=services, start_background=False).test_client()
            try:
                yield _kill_while_working(services, client, phone, env, tmp)
            finally:
                set_current(None)
                services.close()
                delete_queue_keys(redis_url, queue)
    finally:
        REGISTRY.pop("fakesms", None)


def _kill_while_working(services: Any, client: Any, phone: Any, env: dict[str, str],
                        tmp: Path) -> Run:
    """Post the batch in parts; each time the workers have done some work, kill one."""
    rng = random.Random(1708)
    forms = make_batch(DISTINCT, "K")
    deliveries = with_duplicates(forms, DUPLICATES)
    parts = [deliveries[i::PARTS] for i in range(PARTS)]
    statuses: list[int] = []
    pending: list[int] = []
    with ProcessGroup("worker", worker_argv(), env, 2, tmp) as workers:
        started = time.monotonic()
        last_done = 0
        while len(pending) < KILLS:
            if parts and PARTS - len(parts) <= len(pending):  # one more part after each kill
                statuses += [post(client, form) for form in parts.pop(0)]
            end = audit(services.sessions)
            if done(end) - last_done >= PROGRESS_BEFORE_KILL:
                # The workers are busy: kill one in the middle of whatever it does.
                workers.restart(rng.randrange(2))
                pending.append(unsettled_work(end))
                last_done = done(end)
            if time.monotonic() - started > DEADLINE:
                break
            time.sleep(0.05)
        for part in parts:
            statuses += [post(client, form) for form in part]
        try:
            wait_until(lambda: audit(services.sessions).settled(), DEADLINE,
                       meanwhile=workers.supervise)
        except TimeoutError:
            end = audit(services.sessions)
            raise TimeoutError(f"unsettled {end.unsettled} outbound {end.outbound_status}\n"
                               + workers.logs()[-6000:]) from None
        took = time.monotonic() - started
        restarts = workers.restarts
    return Run({f["MessageSid"] for f in forms}, statuses, audit(services.sessions),
               phone.stats(), pending, took, restarts)


def done(end: Audit) -> int:
    """Units of work finished: messages processed plus replies sent."""
    return sum(end.stored.values()) - len(end.unsettled) + end.outbound_status["sent"]


def test_every_delivery_was_acknowledged(run: Run) -> None:
    assert set(run.statuses) == {200}


def test_the_workers_were_killed_while_work_was_pending(run: Run) -> None:
    assert [p > 0 for p in run.pending_at_kills] == [True] * KILLS


def test_every_message_is_stored_exactly_once(run: Run) -> None:
    assert (run.end.missing(run.sids), run.end.stored_twice()) == (set(), set())


def test_every_message_ends_as_one_ticket_or_one_review_item(run: Run) -> None:
    assert (run.end.unsettled, run.end.extra_tickets()) == ([], set())


def test_every_ticket_gets_exactly_one_reply(run: Run) -> None:
    assert (run.end.tickets > 0, run.end.tickets_without_one_reply()) == (True, set())


def test_no_message_gets_two_replies(run: Run) -> None:
    assert run.end.messages_with_two_replies() == set()


def test_every_reply_reaches_the_phone_exactly_once(run: Run) -> None:
    sent = run.end.outbound_status["sent"]
    assert (run.phone["delivered"], run.phone["distinct"]) == (sent, sent)


def test_everything_is_answered_within_two_minutes(run: Run) -> None:
    assert run.took < DEADLINE
