"""Production mode for real: Postgres, Redis, RQ's SimpleWorker, the same job functions."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import select, update

from sms_gateway.app import create_app
from sms_gateway.config import Config
from sms_gateway.dispatch import RqDispatcher
from sms_gateway.services import Services
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import InboundMessage, OutboundMessage, Ticket
from sms_gateway.sweeper import sweep
from tests.support.db import count
from tests.support.fake_twilio import FakeTwilio, sending_through
from tests.support.rq import run_worker
from tests.support.twilio_signing import inbound_form, signed

pytestmark = pytest.mark.integration


@pytest.fixture
def prod_config(prod_config: Config, twilio: FakeTwilio) -> Config:
    config = sending_through(prod_config, twilio)
    # Batched intake (the default; see also the test without it below).
    return replace(config, queue=replace(config.queue, intake_batch_ms=50))


@pytest.fixture
def client(prod_services: Services) -> Any:
    return create_app(services=prod_services, start_background=False).test_client()


def post_sms(client: Any, form: dict[str, str]) -> Any:
    return client.post("/sms/twilio", data=form, headers=signed(form))


def test_webhook_only_stores_and_enqueues(prod_services: Services, client: Any) -> None:
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    stored = (count(prod_services, InboundMessage), count(prod_services, Ticket))
    # Queued by the web process's batch thread within intake_batch_ms, not by the request.
    deadline = time.monotonic() + 5
    while prod_services.dispatcher.depth() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    dispatcher = prod_services.dispatcher
    assert isinstance(dispatcher, RqDispatcher)
    jobs = [(job.func_name.rsplit(".", 1)[-1], list(job.args)) for job in dispatcher.queue.jobs]
    with prod_services.sessions() as session:
        message_id = session.execute(select(InboundMessage.id)).scalar_one()
    assert (stored, jobs) == ((1, 0), [("process_inbound", [message_id])])  # a batch of one


def test_webhook_queues_one_job_per_message_without_batching(prod_config: Config) -> None:
    from sms_gateway.app import create_app
    from sms_gateway.services import build_services
    from sms_gateway.store import migrate

    config = replace(prod_config, queue=replace(prod_config.queue, intake_batch_ms=0))
    migrate.upgrade(config)
    services = build_services(config)
    try:
        app = create_app(services=services, start_background=False)
        post_sms(app.test_client(), inbound_form("SM1", "jalan rusak di kota bandung"))
        dispatcher = services.dispatcher
        assert isinstance(dispatcher, RqDispatcher)
        # Queued before the webhook answered: nothing to wait for or flush.
        jobs = [job.func_name.rsplit(".", 1)[-1] for job in dispatcher.queue.jobs]
        assert (type(services.batcher).__name__, jobs) == ("GroupEnqueuer", ["process_inbound"])
    finally:
        services.close()


def test_worker_turns_the_message_into_one_ticket_and_one_reply(
        prod_services: Services, client: Any, twilio: FakeTwilio) -> None:
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    run_worker(prod_services)
    assert (count(prod_services, Ticket), [bool(re.search(r"#\d{7}", m["Body"]))
                                           for m in twilio.sent]) == (1, [True])


def test_duplicate_webhooks_and_duplicate_jobs_make_one_ticket(
        prod_services: Services, client: Any, twilio: FakeTwilio) -> None:
    form = inbound_form("SM1", "jalan rusak di kota bandung")
    for _ in range(3):
        post_sms(client, form)
    with prod_services.sessions() as session:
        message_id = session.execute(select(InboundMessage.id)).scalar_one()
    dispatcher = prod_services.dispatcher
    assert isinstance(dispatcher, RqDispatcher)
    for _ in range(2):  # a second copy of the job slips past the enqueue guard
        dispatcher.queue.enqueue_call("sms_gateway.jobs.inbound.process_inbound",
                                      args=(message_id,))
    run_worker(prod_services)
    assert (count(prod_services, Ticket), len(twilio.sent)) == (1, 1)


def test_sweeper_recovers_messages_after_queue_data_is_lost(
        prod_services: Services, client: Any, twilio: FakeTwilio) -> None:
    for i in range(3):
        post_sms(client, inbound_form(f"SM{i}", f"jalan rusak nomor {i} di kota bandung",
                                      sender=f"+62812345678{i:02d}"))
    dispatcher = prod_services.dispatcher
    assert isinstance(dispatcher, RqDispatcher)
    dispatcher.queue.empty()  # Redis lost everything that was queued
    sweep(older_than_seconds=0)
    run_worker(prod_services)
    assert (count(prod_services, Ticket), len(twilio.sent)) == (3, 3)


def test_retryable_send_failure_is_retried_then_sent_once(
        prod_services: Services, client: Any, twilio: FakeTwilio) -> None:
    twilio.responses = [(503, {"code": 20500, "message": "down"}),
                        (429, {"code": 20429, "message": "slow down"})]
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    for _ in range(3):  # each burst runs what is due; RQ retries come back via the scheduler
        run_worker(prod_services)
        _release_scheduled(prod_services)
    with prod_services.sessions() as session:
        status, attempts = session.execute(
            select(OutboundMessage.status, OutboundMessage.attempts)).one()
    assert (status, attempts, len(twilio.requests)) == ("sent", 3, 3)


def test_final_send_failure_is_not_retried(
        prod_services: Services, client: Any, twilio: FakeTwilio) -> None:
    twilio.responses = [(400, {"code": 21211, "message": "invalid To"})]
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    for _ in range(2):
        run_worker(prod_services)
        _release_scheduled(prod_services)
    with prod_services.sessions() as session:
        status = session.execute(select(OutboundMessage.status)).scalar_one()
    assert (status, len(twilio.requests)) == ("failed", 1)


def test_send_cut_off_before_twilio_got_it_is_sent_once(
        prod_services: Services, client: Any, twilio: FakeTwilio) -> None:
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    dispatcher = prod_services.dispatcher
    assert isinstance(dispatcher, RqDispatcher)
    # The worker dies after claiming the send: the row stays "sending", the job is gone.
    run_worker_only_inbound(prod_services)
    with prod_services.sessions.begin() as session:
        session.execute(update(OutboundMessage).values(status="sending"))
    dispatcher.queue.empty()
    sweep(older_than_seconds=0)  # asks Twilio's Messages list: it has nothing for the phone
    run_worker(prod_services)
    with prod_services.sessions() as session:
        status = session.execute(select(OutboundMessage.status)).scalar_one()
    assert (status, len(twilio.sent)) == ("sent", 1)


def test_send_cut_off_after_twilio_took_it_is_not_sent_again(
        prod_services: Services, client: Any, twilio: FakeTwilio) -> None:
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    run_worker(prod_services)
    # Twilio took it, but the worker died before recording the answer.
    with prod_services.sessions.begin() as session:
        session.execute(update(OutboundMessage).values(status="sending",
                                                       provider_message_id=None))
    sweep(older_than_seconds=0)
    run_worker(prod_services)
    with prod_services.sessions() as session:
        status, sid = session.execute(select(OutboundMessage.status,
                                             OutboundMessage.provider_message_id)).one()
    assert (status, sid, len(twilio.sent)) == ("sent", twilio.accepted[0]["sid"], 1)


def test_healthz_reports_database_and_queue(client: Any) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()["checks"]) == (
        200, {"database": "ok", "queue": "ok"})


def test_metrics_count_messages_and_queue_depth(prod_services: Services, client: Any) -> None:
    assert prod_services.batcher is not None
    prod_services.batcher.window = 60  # hold the batch while the metrics are read
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    waiting = client.get("/metrics").get_data(as_text=True)
    prod_services.batcher.flush()
    body = client.get("/metrics").get_data(as_text=True)
    assert ("sms_gateway_intake_batch_pending 1" in waiting,
            'sms_gateway_inbound_messages_total{state="received"} 1' in body,
            "sms_gateway_queue_depth 1" in body,
            "sms_gateway_intake_batch_pending 0" in body) == (True, True, True, True)


def run_worker_only_inbound(services: Services) -> None:
    """Process the queued inbound message up to its commit, as if the worker died right after
    (before the reply it sends itself)."""
    from sms_gateway.complaints.inbound import _process

    dispatcher = services.dispatcher
    assert isinstance(dispatcher, RqDispatcher)
    if services.batcher is not None:
        services.batcher.flush()
    job = dispatcher.queue.jobs[0]
    dispatcher.queue.remove(job)
    (message_id,) = job.args[0] if isinstance(job.args[0], list) else job.args
    assert _process(services, message_id) is not None


def _release_scheduled(services: Services) -> None:
    """Move RQ's scheduled retries onto the queue now, as the scheduler would when due."""
    dispatcher = services.dispatcher
    assert isinstance(dispatcher, RqDispatcher)
    registry = dispatcher.queue.scheduled_job_registry
    conn: Redis = dispatcher.redis
    for job_id in registry.get_job_ids():
        registry.remove(job_id)
        job = dispatcher.queue.fetch_job(job_id)
        if job is not None:
            dispatcher.queue._enqueue_job(job)  # noqa: SLF001 - what the scheduler does
    assert conn is not None


def test_sweeper_leaves_a_message_waiting_in_its_batch_and_finds_it_when_lost(
        prod_services: Services, client: Any, twilio: FakeTwilio) -> None:
    post_sms(client, inbound_form("SM1", "jalan rusak di kota bandung"))
    assert prod_services.batcher is not None
    prod_services.batcher.flush()
    dispatcher = prod_services.dispatcher
    assert isinstance(dispatcher, RqDispatcher)
    head = dispatcher.oldest_waiting()
    assert head is not None and abs((utcnow() - head).total_seconds()) < 30
    waiting = sweep(older_than_seconds=0)  # old enough by age, but its batch is queued
    dispatcher.queue.empty()  # Redis lost it
    lost = sweep(older_than_seconds=0)
    run_worker(prod_services)
    assert (waiting.inbound_requeued, lost.inbound_requeued, dispatcher.oldest_waiting(),
            count(prod_services, Ticket), len(twilio.sent)) == (0, 1, None, 1, 1)
