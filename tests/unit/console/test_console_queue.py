"""The review queue: size and age, per-message locks, and decisions that happen once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from sms_gateway.console import queue
from sms_gateway.store.console import ReviewLock
from sms_gateway.store.db import utcnow
from tests.unit.console.conftest import add_pending, add_user


def test_queue_reports_its_size_and_oldest_message(services):
    old = utcnow() - timedelta(hours=3)
    add_pending(services, received_at=old)
    add_pending(services)
    with services.sessions() as s:
        stats = queue.stats(s)
    assert (stats.size, stats.oldest) == (2, old)


def test_lock_held_by_one_operator_refuses_another(services):
    a, b = add_user(services, "a@example.id"), add_user(services, "b@example.id")
    message_id = add_pending(services)
    with services.sessions.begin() as s:
        queue.acquire(s, message_id, a.id, 5)
    with services.sessions.begin() as s:
        assert queue.acquire(s, message_id, b.id, 5) is False


def test_operator_can_renew_their_own_lock(services):
    a = add_user(services, "a@example.id")
    message_id = add_pending(services)
    with services.sessions.begin() as s:
        queue.acquire(s, message_id, a.id, 5)
    with services.sessions.begin() as s:
        assert queue.acquire(s, message_id, a.id, 5) is True


def test_expired_lock_can_be_taken_over(services):
    a, b = add_user(services, "a@example.id"), add_user(services, "b@example.id")
    message_id = add_pending(services)
    with services.sessions.begin() as s:
        queue.acquire(s, message_id, a.id, 5)
        s.execute(update(ReviewLock).values(expires_at=utcnow() - timedelta(seconds=1)))
    with services.sessions.begin() as s:
        assert queue.acquire(s, message_id, b.id, 5) is True


def test_claim_without_the_lock_is_refused(services):
    a = add_user(services, "a@example.id")
    message_id = add_pending(services)
    with services.sessions.begin() as s:
        assert queue.claim(s, message_id, a.id) is None


def test_a_message_is_claimed_only_once(services):
    a = add_user(services, "a@example.id")
    message_id = add_pending(services)
    with services.sessions.begin() as s:
        queue.acquire(s, message_id, a.id, 5)
        first = queue.claim(s, message_id, a.id)
    with services.sessions.begin() as s:
        queue.acquire(s, message_id, a.id, 5)
        second = queue.claim(s, message_id, a.id)
    assert (first is not None, second) == (True, None)


def test_next_skips_messages_locked_by_someone_else(services):
    a, b = add_user(services, "a@example.id"), add_user(services, "b@example.id")
    first = add_pending(services, received_at=utcnow() - timedelta(minutes=5))
    second = add_pending(services)
    with services.sessions.begin() as s:
        queue.acquire(s, first, a.id, 5)
    with services.sessions.begin() as s:
        assert queue.next_for(s, b.id, 5) == second


def test_next_returns_nothing_when_all_are_taken(services):
    a, b = add_user(services, "a@example.id"), add_user(services, "b@example.id")
    message_id = add_pending(services)
    with services.sessions.begin() as s:
        queue.acquire(s, message_id, a.id, 5)
    with services.sessions.begin() as s:
        assert queue.next_for(s, b.id, 5) is None


def test_second_operator_opening_a_locked_message_gets_409(login, services):
    message_id = add_pending(services)
    login("operator").get(f"/console/review/{message_id}")
    assert login("operator").get(f"/console/review/{message_id}").status_code == 409


def test_second_operators_decision_on_a_locked_message_changes_nothing(login, services):
    message_id = add_pending(services)
    login("operator").get(f"/console/review/{message_id}")
    other = login("operator")
    other.get(f"/console/review/{message_id}")
    response = other.post(f"/console/review/{message_id}",
                          data={"csrf_token": other.csrf, "action": "spam"})
    assert response.status_code == 400


def test_queue_page_shows_size_and_who_holds_a_message(login, services):
    message_id = add_pending(services, "pesan yang belum jelas")
    login("operator", email="holder@example.id").get(f"/console/review/{message_id}")
    page = login("operator").get("/console/review").get_data(as_text=True)
    assert ('id="queue-size">1<' in page, "holder@example.id" in page) == (True, True)


def test_reopened_message_returns_to_the_queue(login, services):
    client = login("operator")
    message_id = add_pending(services)
    client.get(f"/console/review/{message_id}")
    client.post(f"/console/review/{message_id}", data={"csrf_token": client.csrf,
                                                       "action": "not_complaint"})
    client.post(f"/console/messages/{message_id}/reopen", data={"csrf_token": client.csrf})
    with services.sessions() as s:
        assert queue.stats(s).size == 1
