"""Closing the services stops the work they started, and waits for it, before the database goes.

A job or a sweep still running after its services were closed would call `current()`, find
nothing installed and build fresh services from the configuration: another database, and an
engine nobody disposes (CI once failed on exactly that, in whichever test collected it).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sms_gateway import services as services_module
from sms_gateway.dispatch import InProcessDispatcher, RetryPolicy
from sms_gateway.services import build_services, current
from sms_gateway.sweeper import SweeperThread
from tests.support.config import make_config

STARTED = threading.Event()
RELEASE = threading.Event()
FINISHED: list[str] = []


def slow_job(name: str) -> None:
    STARTED.set()
    RELEASE.wait(5)
    FINISHED.append(name)


def failing_job(name: str) -> None:
    FINISHED.append(name)
    raise RuntimeError("try again later")


@pytest.fixture(autouse=True)
def _reset() -> None:
    STARTED.clear()
    RELEASE.clear()
    FINISHED.clear()


def _release_soon(seconds: float = 0.2) -> None:
    timer = threading.Timer(seconds, RELEASE.set)
    timer.daemon = True
    timer.start()


def test_stop_waits_for_the_running_job() -> None:
    dispatcher = InProcessDispatcher(threads=1)
    dispatcher.start()
    dispatcher.enqueue(f"{__name__}.slow_job", "a", job_id="a")
    assert STARTED.wait(5)
    _release_soon()
    dispatcher.stop()
    assert (FINISHED, [t.is_alive() for t in dispatcher._threads]) == (["a"], [False])


def test_stop_cancels_retries_waiting_for_their_back_off() -> None:
    dispatcher = InProcessDispatcher(threads=1)
    dispatcher.start()
    dispatcher.enqueue(f"{__name__}.failing_job", "b", job_id="b",
                       retry=RetryPolicy(max=3, intervals=[0.3]))
    dispatcher.join(5)
    dispatcher.stop()
    threading.Event().wait(0.6)  # past the back-off: a live timer would have re-queued it
    assert (FINISHED, dispatcher.depth()) == (["b"], 0)


def test_sweeper_stop_finishes_the_running_task_and_skips_the_rest() -> None:
    ran: list[str] = []

    def first() -> None:
        ran.append("first")
        STARTED.set()
        RELEASE.wait(5)

    sweeper = SweeperThread(3600, [first, lambda: ran.append("second")])
    runner = threading.Thread(target=sweeper.run_once, name="sweeper-round")
    runner.start()
    assert STARTED.wait(5)
    sweeper.stopped.set()
    RELEASE.set()
    runner.join(5)
    assert ran == ["first"]


def test_closing_the_services_stops_the_embedded_sweeper_and_uninstalls_them(
        tmp_path: Path) -> None:
    from sms_gateway.app import create_app
    from sms_gateway.store import migrate

    config = make_config(tmp_path, queue={"sweep_interval_seconds": 3600})
    migrate.upgrade(config)
    svc = build_services(config)
    create_app(services=svc, start_background=True)
    sweeper = svc.sweeper
    assert isinstance(sweeper, SweeperThread)
    assert (sweeper.is_alive(), current() is svc) == (True, True)
    svc.close()
    assert (sweeper.is_alive(), services_module._current, svc.sweeper) == (
        False, None, None)


def test_without_installed_services_tests_get_an_error_not_a_new_database() -> None:
    assert services_module.build_when_missing is False  # set by tests/conftest.py
    with pytest.raises(RuntimeError, match="no services installed"):
        current()
