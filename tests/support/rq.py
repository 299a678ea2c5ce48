"""Running the RQ queue in the test process."""

from __future__ import annotations

from sms_gateway.services import Services


def run_worker(services: Services) -> None:
    """Drain the RQ queue in this process, as `SimpleWorker(...).work(burst=True)` does."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from sms_gateway.dispatch import RqDispatcher

    assert isinstance(services.dispatcher, RqDispatcher)
    if services.batcher is not None:  # what the web side has gathered goes in first
        services.batcher.flush()
    worker = SimpleWorker([services.dispatcher.queue], connection=services.dispatcher.redis,
                          serializer=JSONSerializer)
    worker.work(burst=True)
