"""The console speaks the operator's language: reasons, labels, roles, form errors and error
pages in Indonesian; forms keep what was typed; agency codes are checked; search by words."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from sms_gateway.agency.records import directory_for, ensure_agency
from sms_gateway.console import i18n, vocabulary
from sms_gateway.services import Services
from tests.support.agency import SURABAYA_ROAD, sms_in, ticket_of
from tests.unit.console.conftest import add_pending, login  # noqa: F401 - the fixture
from tests.unit.console.test_console_tickets import _numbers, _ticket

PUPR_BANDUNG, PUPR_KAB_BANDUNG = "dinas_pupr:32.73", "dinas_pupr:32.04"


def _store(services: Services, *codes: str) -> None:
    with services.sessions.begin() as s:
        for code in codes:
            assert ensure_agency(s, directory_for(services), code) is not None


def _add_user(client: Any, **fields: str) -> Any:
    return client.post("/console/admin/users", data={"csrf_token": client.csrf, **fields})


def test_every_code_label_has_an_indonesian_translation() -> None:
    assert sorted(vocabulary.all_labels() - set(i18n.ID)) == []


def test_no_english_text_is_in_two_translation_tables() -> None:
    seen: list[str] = [text for table in i18n.TABLES for text in table]
    assert sorted({text for text in seen if seen.count(text) > 1}) == []


def test_queue_shows_the_reason_in_indonesian(login: Any, services: Services) -> None:  # noqa: F811
    add_pending(services)
    page = login("operator").get("/console/review").get_data(as_text=True)
    assert "Tidak dipahami" in page and ">not_understood<" not in page


def test_review_page_shows_parser_reasons_in_indonesian(login: Any,  # noqa: F811
                                                        services: Services) -> None:
    message_id = add_pending(services, parse={"intent": "unknown", "category": None,
                                              "region": None, "reasons": ["screen:too-short"],
                                              "confidence": 0.1})
    page = login("operator").get(f"/console/review/{message_id}").get_data(as_text=True)
    assert "Terlalu pendek" in page


def test_ticket_history_and_thread_speak_indonesian(login: Any,  # noqa: F811
                                                    services: Services) -> None:
    ticket = ticket_of(services, sms_in(services, SURABAYA_ROAD))
    page = login("operator").get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert ("Dirutekan" in page, "nomor tiket" in page, "<strong>routed</strong>" in page) == (
        True, True, False)


def test_role_names_are_translated(login: Any) -> None:  # noqa: F811
    page = login("admin").get("/console/admin/users").get_data(as_text=True)
    assert "Pemantau" in page and ">viewer<" not in page


def test_add_user_form_starts_at_the_least_privileged_role(login: Any) -> None:  # noqa: F811
    page = login("admin").get("/console/admin/users").get_data(as_text=True)
    assert '<option value="viewer" selected>' in page


def test_form_error_is_indonesian_and_keeps_what_was_typed(login: Any) -> None:  # noqa: F811
    client = login("admin")
    page = _add_user(client, email="staf@pupr.example.id", password="panjang sekali 123",
                     role="agency").get_data(as_text=True)
    assert ("Pengguna instansi memerlukan kode instansi" in page,
            'value="staf@pupr.example.id"' in page,
            '<option value="agency" selected>' in page) == (True, True, True)


def test_unknown_agency_code_is_refused_in_the_console(login: Any) -> None:  # noqa: F811
    client = login("admin")
    answer = _add_user(client, email="staf@pupr.example.id", password="panjang sekali 123",
                       role="agency", agency_code="dinas_bulan:99")
    assert (answer.status_code, "tidak dikenal" in answer.get_data(as_text=True)) == (400, True)


def test_unknown_agency_code_is_refused_by_the_cli(embedded_env: None, services: Services,
                                                   monkeypatch: Any, tmp_path: Any) -> None:
    from sms_gateway.cli.main import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMS_GATEWAY_PII_KEY", services.config.privacy.key)
    result = CliRunner().invoke(main, ["user", "create", "--role", "agency", "--agency",
                                       "dinas_bulan:99", "--password-stdin", "a@b.id"],
                                input="panjang sekali 123\n")
    assert (result.exit_code, "not in the routing directory" in result.output) == (1, True)


def test_missing_page_has_the_console_layout_in_indonesian(login: Any) -> None:  # noqa: F811
    answer = login("operator").get("/console/tickets/0000000")
    page = answer.get_data(as_text=True)
    assert (answer.status_code, "Tidak ditemukan" in page, 'class="top"' in page) == (
        404, True, True)


def test_unknown_console_url_has_the_console_layout(client: Any) -> None:
    answer = client.get("/console/no-such-page")
    assert (answer.status_code, "Tidak ditemukan" in answer.get_data(as_text=True)) == (
        404, True)


def test_forbidden_page_has_the_console_layout(login: Any) -> None:  # noqa: F811
    answer = login("viewer").get("/console/admin/users")
    assert (answer.status_code, "Tidak diizinkan" in answer.get_data(as_text=True)) == (
        403, True)


def test_bad_request_has_the_console_layout(login: Any) -> None:  # noqa: F811
    client = login("operator")
    answer = client.post("/console/language", data={"lang": "id"})  # no CSRF token
    assert (answer.status_code, "Permintaan tidak valid" in answer.get_data(as_text=True)) == (
        400, True)


def test_api_errors_stay_json(client: Any) -> None:
    assert client.get("/api/v1/tickets/1234567").is_json


def test_agency_search_finds_by_words(login: Any, services: Services) -> None:  # noqa: F811
    _store(services, PUPR_BANDUNG, PUPR_KAB_BANDUNG)
    page = login("admin").get("/console/admin/agencies?q=pupr+kota+bandung").get_data(
        as_text=True)
    assert (PUPR_BANDUNG in page, PUPR_KAB_BANDUNG in page) == (True, False)


def test_region_filter_takes_a_name(login: Any, services: Services) -> None:  # noqa: F811
    inside = _ticket(services, region_code="35.78.22.1004")
    _ticket(services, region_code="32.73")
    assert _numbers(login("operator"), "region=kota+surabaya") == {inside}
