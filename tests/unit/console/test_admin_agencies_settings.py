"""Admin pages: agencies (search, API tokens, sync) and the read-only settings page."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sms_gateway.agency.records import directory_for, ensure_agency
from sms_gateway.agency.tokens import hash_token
from sms_gateway.config import Config, load_config
from sms_gateway.console.settings import mask_url
from sms_gateway.store.agency import AgencyAlert, AgencyRecord, AgencyToken
from sms_gateway.store.console import AuditEntry
from sms_gateway.store.db import utcnow
from sms_gateway.store.pii import new_key
from tests.support.agency import overrides_file
from tests.support.channels import channel_config
from tests.support.config import make_config

PUPR_SURABAYA = "dinas_pupr:35.78"
PUPR_ACEH_SELATAN = "dinas_pupr:11.01"
AGENCIES = "/console/admin/agencies"
SETTINGS = "/console/admin/settings"
TWILIO_TOKEN = "twilio-auth-token-5f0c2a9e"
PII_KEY = new_key()
CHANNEL_PASSWORD = "kannel-password-8d1b"
CHANNEL_SECRET = "kannel-inbound-secret-77aa"
URL_PASSWORD = "url-password-3c4d"
HOOK_PASSWORD = "hook-password-9e9e"
SECRET_ENV = "AGENCY_SECRET_TEST_PUPR"
_TOKEN = re.compile(r'<output id="new-token">([^<]+)</output>')


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Embedded config carrying real-looking secrets, and a webhook channel for Surabaya PUPR."""
    overrides = overrides_file(tmp_path, [{
        "agency": PUPR_SURABAYA, "kind": "webhook", "secret": SECRET_ENV,
        "url": f"https://lapor:{HOOK_PASSWORD}@pu.surabaya.example.id/hook"}])
    base = make_config(tmp_path, twilio={"account_sid": "AC123", "auth_token": TWILIO_TOKEN},
                       privacy={"key": PII_KEY}, agency={"routing_overrides": str(overrides)})
    kannel = channel_config("kannel", username="gw", password=CHANNEL_PASSWORD,
                           secret=CHANNEL_SECRET,
                           url=f"http://gw:{URL_PASSWORD}@127.0.0.1:13013/cgi-bin/sendsms")
    return replace(base, channels={"bulk": kannel})


def _store(services, *codes):
    with services.sessions.begin() as s:
        for code in codes:
            assert ensure_agency(s, directory_for(services), code) is not None


def _issue(client, code=PUPR_SURABAYA, label="helpdesk"):
    return client.post(f"{AGENCIES}/{code}/tokens",
                       data={"csrf_token": client.csrf, "label": label}, follow_redirects=True)


def _issued_token(client, code=PUPR_SURABAYA):
    match = _TOKEN.search(_issue(client, code).get_data(as_text=True))
    assert match, "no token on the page"
    return match.group(1)


def _me(app, token):
    return app.test_client().get("/api/v1/agency", headers={"Authorization": f"Bearer {token}"})


def _actions(services):
    with services.sessions() as s:
        return [e.action for e in s.execute(select(AuditEntry).where(
            AuditEntry.action.like("agency.%")).order_by(AuditEntry.id)).scalars()]


def _token_count(services):
    with services.sessions() as s:
        return s.execute(select(func.count()).select_from(AgencyToken)).scalar_one()


def test_admin_sees_stored_agencies_in_the_list(login, services):
    _store(services, PUPR_SURABAYA, PUPR_ACEH_SELATAN)
    page = login("admin").get(AGENCIES).get_data(as_text=True)
    assert (PUPR_SURABAYA in page, PUPR_ACEH_SELATAN in page) == (True, True)


def test_agency_search_matches_the_name_and_leaves_other_agencies_out(login, services):
    _store(services, PUPR_SURABAYA, PUPR_ACEH_SELATAN)
    page = login("admin").get(f"{AGENCIES}?q=surabaya").get_data(as_text=True)
    assert (PUPR_SURABAYA in page, PUPR_ACEH_SELATAN in page) == (True, False)


def test_agency_list_shows_consecutive_failures(login, services):
    _store(services, PUPR_SURABAYA)
    with services.sessions.begin() as s:
        s.get(AgencyRecord, PUPR_SURABAYA).consecutive_failures = 7
    page = login("admin").get(f"{AGENCIES}?troubled=1").get_data(as_text=True)
    assert '<strong class="late">7</strong>' in page


def test_agency_page_names_the_secrets_env_variable_but_hides_the_urls_password(login, services):
    _store(services, PUPR_SURABAYA)
    page = login("admin").get(f"{AGENCIES}/{PUPR_SURABAYA}").get_data(as_text=True)
    assert (SECRET_ENV in page, HOOK_PASSWORD in page) == (True, False)


def test_agency_page_says_which_alerts_were_e_mailed(login, services):
    _store(services, PUPR_SURABAYA)
    with services.sessions.begin() as s:
        s.add_all([
            AgencyAlert(agency_code=PUPR_SURABAYA, kind="delivery_failures", detail="first",
                        at=utcnow(), notified_at=utcnow(), notify_attempts=1),
            AgencyAlert(agency_code=PUPR_SURABAYA, kind="delivery_failures", detail="second",
                        at=utcnow(), notify_attempts=3, notify_error="network: refused")])
    page = login("admin", language="en").get(f"{AGENCIES}/{PUPR_SURABAYA}").get_data(
        as_text=True)
    assert ("E-mailed" in page, "not e-mailed</strong> (3 tries): network: refused" in page) == (
        True, True)


def test_sync_button_copies_every_agency_of_the_routing_directory(login, services):
    client = login("admin")
    client.post(f"{AGENCIES}/sync", data={"csrf_token": client.csrf})
    with services.sessions() as s:
        stored = s.execute(select(func.count()).select_from(AgencyRecord)).scalar_one()
    assert stored == len(list(directory_for(services).agencies()))


def test_sync_without_csrf_token_is_refused(login):
    assert login("admin").post(f"{AGENCIES}/sync").status_code == 400


def test_issued_token_is_shown_on_the_answer_page(login, services):
    _store(services, PUPR_SURABAYA)
    assert _issued_token(login("admin")).startswith("lpr_")


def test_issued_token_is_not_shown_again(login, services):
    _store(services, PUPR_SURABAYA)
    client = login("admin")
    token = _issued_token(client)
    assert token not in client.get(f"{AGENCIES}/{PUPR_SURABAYA}").get_data(as_text=True)


def test_issued_token_is_stored_only_as_its_hash(login, services):
    _store(services, PUPR_SURABAYA)
    token = _issued_token(login("admin"))
    with services.sessions() as s:
        row = s.execute(select(AgencyToken)).scalar_one()
    assert (row.token_hash, token in (row.token_hash, row.prefix, row.label)) == (
        hash_token(token), False)


def test_issued_token_authenticates_against_the_agency_api(app, login, services):
    _store(services, PUPR_SURABAYA)
    token = _issued_token(login("admin"))
    assert _me(app, token).get_json()["code"] == PUPR_SURABAYA


def test_revoked_token_is_refused_by_the_agency_api(app, login, services):
    _store(services, PUPR_SURABAYA)
    client = login("admin")
    token = _issued_token(client)
    with services.sessions() as s:
        token_id = s.execute(select(AgencyToken.id)).scalar_one()
    client.post(f"{AGENCIES}/{PUPR_SURABAYA}/tokens/{token_id}/revoke",
                data={"csrf_token": client.csrf})
    assert _me(app, token).status_code == 401


def test_revoking_all_tokens_refuses_each_of_them(app, login, services):
    _store(services, PUPR_SURABAYA)
    client = login("admin")
    tokens = [_issued_token(client), _issued_token(client)]
    client.post(f"{AGENCIES}/{PUPR_SURABAYA}/tokens/revoke-all", data={"csrf_token": client.csrf})
    assert [_me(app, token).status_code for token in tokens] == [401, 401]


def test_a_token_cannot_be_revoked_through_another_agency(login, services):
    _store(services, PUPR_SURABAYA, PUPR_ACEH_SELATAN)
    client = login("admin")
    _issued_token(client)
    with services.sessions() as s:
        token_id = s.execute(select(AgencyToken.id)).scalar_one()
    response = client.post(f"{AGENCIES}/{PUPR_ACEH_SELATAN}/tokens/{token_id}/revoke",
                           data={"csrf_token": client.csrf})
    assert response.status_code == 404


def test_token_issue_and_revoke_are_audited(login, services):
    _store(services, PUPR_SURABAYA)
    client = login("admin")
    _issued_token(client)
    with services.sessions() as s:
        token_id = s.execute(select(AgencyToken.id)).scalar_one()
    client.post(f"{AGENCIES}/{PUPR_SURABAYA}/tokens/{token_id}/revoke",
                data={"csrf_token": client.csrf})
    client.post(f"{AGENCIES}/{PUPR_SURABAYA}/tokens/revoke-all", data={"csrf_token": client.csrf})
    assert _actions(services) == ["agency.token_issue", "agency.token_revoke",
                                  "agency.token_revoke_all"]


def test_audit_entry_of_an_issued_token_does_not_hold_the_token(login, services):
    _store(services, PUPR_SURABAYA)
    token = _issued_token(login("admin"))
    with services.sessions() as s:
        entry = s.execute(select(AuditEntry).where(
            AuditEntry.action == "agency.token_issue")).scalar_one()
    assert token not in repr(entry.detail)


def test_token_issue_without_csrf_token_is_refused_and_stores_nothing(login, services):
    _store(services, PUPR_SURABAYA)
    client = login("admin")
    client.post(f"{AGENCIES}/{PUPR_SURABAYA}/tokens", data={"label": "x"})
    assert _token_count(services) == 0


def test_token_for_an_unknown_agency_is_not_found(login):
    assert _issue(login("admin"), code="no_such:99").status_code == 404


@pytest.mark.parametrize("path", [AGENCIES, f"{AGENCIES}/{PUPR_SURABAYA}", SETTINGS])
@pytest.mark.parametrize("role", ["operator", "viewer", "agency"])
def test_other_roles_get_403_on_admin_pages(login, services, role, path):
    _store(services, PUPR_SURABAYA)
    client = login(role, agency_code=PUPR_SURABAYA if role == "agency" else None)
    assert client.get(path).status_code == 403


def test_operator_cannot_issue_a_token(login, services):
    _store(services, PUPR_SURABAYA)
    assert _issue(login("operator")).status_code == 403


def test_admin_nav_links_to_agencies_and_settings(login):
    page = login("admin").get("/console/admin/users").get_data(as_text=True)
    assert (f'href="{AGENCIES}"' in page, f'href="{SETTINGS}"' in page) == (True, True)


def test_operator_nav_has_no_admin_links(login):
    page = login("operator").get("/console/review").get_data(as_text=True)
    assert (f'href="{AGENCIES}"' in page, f'href="{SETTINGS}"' in page) == (False, False)


@pytest.mark.parametrize("secret", [TWILIO_TOKEN, PII_KEY, CHANNEL_PASSWORD, CHANNEL_SECRET,
                                    URL_PASSWORD],
                         ids=["twilio_auth_token", "pii_key", "channel_password",
                              "channel_secret", "url_password"])
def test_settings_page_shows_no_secret(login, secret):
    page = login("admin").get(SETTINGS).get_data(as_text=True)
    assert secret not in page


def test_settings_page_shows_the_mode(login):
    page = login("admin").get(SETTINGS).get_data(as_text=True)
    assert '<strong id="mode">embedded</strong>' in page


def test_settings_page_shows_every_config_section(login, config):
    page = login("admin").get(SETTINGS).get_data(as_text=True)
    names = ["server", "database", "queue", "sms", "twilio", "parser", "privacy", "agency",
             "console", "abuse", "retention", "channels.bulk"]
    assert [n for n in names if f"[{n}]" not in page] == []


def test_settings_page_lists_a_channels_provider_options_one_per_row():
    from sms_gateway.console.settings import sections

    base = load_config(env={})
    config = replace(base, channels={"bulk": channel_config("kannel", username="gw")})
    rows = {r.key: r for s in sections(config) if s.name == "channels.bulk" for r in s.rows}
    assert ("options" in rows, rows["username"].value, rows["dlr_mask"].value,
            rows["password"].env) == (False, "gw", "31", "SMS_GATEWAY_CHANNEL_BULK_PASSWORD")


def test_settings_page_says_it_is_read_only(login):
    page = login("admin", language="en").get(SETTINGS).get_data(as_text=True)
    assert "Read-only" in page


@pytest.mark.parametrize(("url", "masked"), [
    ("postgresql://app:pw@db:5432/lapor", "postgresql://app:****@db:5432/lapor"),
    ("redis://:pw@cache:6379/0", "redis://:****@cache:6379/0"),
    ("http://k/send?username=u&password=pw&to=1", "http://k/send?username=u&password=****&to=1"),
    ("https://api.example.id/hook?api_key=abc", "https://api.example.id/hook?api_key=****"),
    ("sqlite:///var/sms_gateway.db", "sqlite:///var/sms_gateway.db"),
    ("plain text", "plain text"),
], ids=["userinfo", "redis_password_only", "query_password", "query_api_key", "sqlite", "text"])
def test_mask_url_hides_passwords_and_secret_parameters(url, masked):
    assert mask_url(url) == masked
