"""Security of the console: CSRF, roles, agency scoping, phone reveal audit, sessions, login."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from sms_gateway.store import tickets
from sms_gateway.store.console import AuditEntry, ConsoleSession, ConsoleUser
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Citizen, InboundMessage
from sms_gateway.store.pii import mask_phone
from tests.unit.console.conftest import PASSWORD, add_pending, add_user, csrf_of, sign_in

PHONE = "+6281234567890"


def _ticket(services, *, agency_code="dinas_pupr:35.78", anonymous=False, confidential=False):
    vault = services.vault
    with services.sessions.begin() as s:
        citizen = s.execute(select(Citizen).where(
            Citizen.phone_hash == vault.digest(PHONE))).scalar_one_or_none()
        if citizen is None:
            citizen = Citizen(phone_hash=vault.digest(PHONE), phone_enc=vault.encrypt(PHONE),
                              phone_masked=mask_phone(PHONE))
            s.add(citizen)
            s.flush()
        ticket = tickets.open_ticket(s, citizen_id=citizen.id, category="jalan_drainase",
                                     region_code="35.78", region_name="Kota Surabaya",
                                     description="jalan berlubang", agency_code=agency_code,
                                     agency_name=agency_code, anonymous=anonymous,
                                     confidential=confidential)
        return ticket.number


def _audit(services, action):
    with services.sessions() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def test_login_without_csrf_token_is_refused(client, services):
    add_user(services, "op@example.id")
    response = client.post("/console/login", data={"email": "op@example.id",
                                                   "password": PASSWORD})
    assert response.status_code == 400


def test_decision_without_csrf_token_is_refused_and_the_message_stays_pending(login, services):
    client = login("operator")
    message_id = add_pending(services)
    client.get(f"/console/review/{message_id}")
    client.post(f"/console/review/{message_id}", data={"action": "spam"})
    with services.sessions() as s:
        assert s.get(InboundMessage, message_id).review_status == "pending"


def test_decision_with_a_wrong_csrf_token_is_refused(login, services):
    client = login("operator")
    message_id = add_pending(services)
    client.get(f"/console/review/{message_id}")
    response = client.post(f"/console/review/{message_id}",
                           data={"action": "spam", "csrf_token": "forged"})
    assert response.status_code == 400


def test_agency_user_cannot_open_another_agencys_ticket(login, services):
    number = _ticket(services, agency_code="dinas_pupr:35.78")
    client = login("agency", agency_code="dlh:35.78")
    assert client.get(f"/console/tickets/{number}").status_code == 404


def test_agency_user_opens_its_own_agencys_ticket(login, services):
    number = _ticket(services, agency_code="dlh:35.78")
    client = login("agency", agency_code="dlh:35.78")
    assert client.get(f"/console/tickets/{number}").status_code == 200


def test_agency_user_lists_only_its_own_agencys_tickets(login, services):
    own = _ticket(services, agency_code="dlh:35.78")
    other = _ticket(services, agency_code="dinas_pupr:35.78")
    page = login("agency", agency_code="dlh:35.78").get("/console/tickets").get_data(as_text=True)
    assert (f"#{own}" in page, f"#{other}" in page) == (True, False)


def test_agency_user_cannot_reach_the_review_queue(login):
    assert login("agency", agency_code="dlh:35.78").get("/console/review").status_code == 403


def test_viewer_cannot_open_tickets(login, services):
    number = _ticket(services)
    assert login("viewer").get(f"/console/tickets/{number}").status_code == 403


def test_phone_numbers_are_masked_on_the_ticket_page(login, services):
    number = _ticket(services)
    page = login("operator").get(f"/console/tickets/{number}").get_data(as_text=True)
    assert ("+62 812-****-7890" in page, PHONE in page) == (True, False)


def test_phone_reveal_is_written_to_the_audit_log(login, services):
    number = _ticket(services)
    client = login("operator", email="reveal@example.id", can_reveal_phone=True)
    client.post(f"/console/tickets/{number}/reveal",
                data={"csrf_token": client.csrf, "reason": "citizen called back"})
    entries = _audit(services, "phone.reveal")
    assert [(e.actor, e.target_id, e.detail["reason"]) for e in entries] == [
        ("reveal@example.id", number, "citizen called back")]


def test_phone_reveal_shows_the_full_number(login, services):
    number = _ticket(services)
    client = login("operator", can_reveal_phone=True)
    page = client.post(f"/console/tickets/{number}/reveal",
                       data={"csrf_token": client.csrf, "reason": "x"}).get_data(as_text=True)
    assert PHONE in page


def test_phone_reveal_without_the_grant_is_refused(login, services):
    number = _ticket(services)
    client = login("operator")
    response = client.post(f"/console/tickets/{number}/reveal",
                           data={"csrf_token": client.csrf, "reason": "curious"})
    assert response.status_code == 403


def test_refused_phone_reveal_is_audited_too(login, services):
    number = _ticket(services)
    client = login("operator")
    client.post(f"/console/tickets/{number}/reveal",
                data={"csrf_token": client.csrf, "reason": "curious"})
    assert len(_audit(services, "phone.reveal_refused")) == 1


def test_anonymous_reports_number_is_revealed_to_an_admin_only(login, services):
    number = _ticket(services, anonymous=True)
    client = login("operator", can_reveal_phone=True)
    response = client.post(f"/console/tickets/{number}/reveal",
                           data={"csrf_token": client.csrf, "reason": "x"})
    assert response.status_code == 403


def test_agency_user_does_not_see_an_anonymous_reporters_number(login, services):
    number = _ticket(services, agency_code="dlh:35.78", anonymous=True)
    page = login("agency", agency_code="dlh:35.78").get(f"/console/tickets/{number}")
    assert "7890" not in page.get_data(as_text=True)


def test_confidential_ticket_is_not_found_by_its_text(login, services):
    number = _ticket(services, confidential=True)
    page = login("operator").get("/console/tickets?q=berlubang").get_data(as_text=True)
    assert f"#{number}" not in page


def test_ordinary_ticket_is_found_by_its_text(login, services):
    number = _ticket(services)
    page = login("operator").get("/console/tickets?q=berlubang").get_data(as_text=True)
    assert f"#{number}" in page


def test_reading_a_confidential_ticket_is_audited(login, services):
    number = _ticket(services, confidential=True)
    login("operator").get(f"/console/tickets/{number}")
    assert [e.target_id for e in _audit(services, "ticket.view_confidential")] == [number]


def test_login_is_refused_after_repeated_failures_even_with_the_right_password(client, services):
    add_user(services, "op@example.id")
    for _ in range(services.config.console.login_max_failures):
        sign_in(client, "op@example.id", "wrong password!")
    assert sign_in(client, "op@example.id").status_code == 429


def test_wrong_password_is_refused(client, services):
    add_user(services, "op@example.id")
    assert sign_in(client, "op@example.id", "wrong password!").status_code == 401


def test_passwords_are_stored_as_argon2id_hashes(services):
    add_user(services, "op@example.id")
    with services.sessions() as s:
        stored = s.execute(select(ConsoleUser.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")


def test_idle_session_expires(login, services):
    client = login("operator")
    idle = timedelta(minutes=services.config.console.session_idle_minutes + 1)
    with services.sessions.begin() as s:
        s.execute(update(ConsoleSession).values(last_seen_at=utcnow() - idle))
    response = client.get("/console/review")
    assert response.headers["Location"].startswith("/console/login")


def test_logout_ends_the_server_side_session(login, services):
    client = login("operator")
    client.post("/console/logout", data={"csrf_token": client.csrf})
    with services.sessions() as s:
        assert s.execute(select(ConsoleSession)).first() is None


def test_session_cookie_is_httponly_and_samesite(client, services):
    add_user(services, "op@example.id")
    cookie = sign_in(client, "op@example.id").headers["Set-Cookie"]
    assert ("HttpOnly" in cookie, "SameSite=Lax" in cookie) == (True, True)


def test_session_cookie_is_secure_behind_https(services):
    from dataclasses import replace

    from sms_gateway.app import create_app

    services.config = replace(services.config, server=replace(
        services.config.server, public_url="https://1708.example.id"))
    app = create_app(services=services, start_background=False)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_login_next_cannot_send_the_user_off_site(client, services):
    add_user(services, "op@example.id")
    token = csrf_of(client)
    response = client.post("/console/login", data={
        "csrf_token": token, "email": "op@example.id", "password": PASSWORD,
        "next": "https://evil.example/console"})
    assert response.headers["Location"] == "/console/review"


def test_console_pages_are_not_cached_or_framed(login):
    response = login("operator").get("/console/review")
    assert (response.headers["Cache-Control"], response.headers["X-Frame-Options"]) == (
        "no-store", "DENY")


def test_deactivated_users_session_ends(login, services):
    client = login("operator", email="gone@example.id")
    with services.sessions.begin() as s:
        s.execute(update(ConsoleUser).where(ConsoleUser.email == "gone@example.id")
                  .values(active=False))
    assert client.get("/console/review").status_code == 302


def test_day_old_login_attempts_are_removed_at_the_next_login(client, services):
    from sms_gateway.store.console import LoginAttempt

    add_user(services, "op@example.id")
    sign_in(client, "op@example.id", "wrong password!")
    with services.sessions.begin() as s:
        s.execute(update(LoginAttempt).values(at=utcnow() - timedelta(days=2)))
    sign_in(client, "op@example.id")
    with services.sessions() as s:
        kept = s.execute(select(LoginAttempt.ok)).scalars().all()
    assert kept == [True, True]
