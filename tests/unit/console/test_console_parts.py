"""The console's pure parts: region search, SVG charts, translations, dashboard numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sms_gateway.console import charts, i18n, regions, stats
from sms_gateway.store.models import InboundMessage
from tests.unit.console.conftest import add_pending

CONSOLE = Path(__file__).resolve().parents[3] / "sms_gateway"


def test_region_search_finds_a_kelurahan_with_its_parents():
    assert regions.search("ketintang")[0].label == (
        "Kel. Ketintang, Kec. Gayungan, Kota Surabaya, Jawa Timur")


def test_region_search_by_code():
    assert [h.name for h in regions.search("35.78")] == ["Kota Surabaya"]


def test_region_search_puts_kota_first_when_asked_for_a_kota():
    assert regions.search("kota bandung")[0].code == "32.73"


def test_region_search_needs_every_word():
    assert all("Gayungan" in h.label for h in regions.search("ketintang gayungan"))


@pytest.mark.parametrize("query", ["", "zzzqqq"])
def test_region_search_without_a_match_is_empty(query):
    assert regions.search(query) == []


def test_column_chart_has_one_bar_per_point():
    svg = charts.columns([("01/01", 3), ("02/01", 0), ("03/01", 5)], "per day")
    assert svg.count('<rect class="bar"') == 3


def test_bar_chart_escapes_labels():
    svg = charts.bars([("<script>", 1)], "x")
    assert "<script>" not in svg.replace("<title>", "")


def test_stacked_chart_shows_the_on_time_share():
    svg = charts.stacked([("Dinas", (3, 1, 0))], ("on-time", "late", "running"), "x")
    assert ">75%<" in svg


def _texts_used() -> set[str]:
    found = set()
    for path in [*CONSOLE.joinpath("templates", "console").glob("*.html"),
                 *CONSOLE.joinpath("console").glob("*.py")]:
        source = path.read_text()
        found |= set(re.findall(r'\bt\("([^"]+)"\)', source))
        found |= set(re.findall(r"\bt\('([^']+)'\)", source))
    return found


def test_every_console_text_has_an_indonesian_translation():
    assert sorted(_texts_used() - set(i18n.ID)) == []


def test_english_is_the_text_itself():
    assert i18n.translate("Review queue", "en") == "Review queue"


def test_messages_per_day_counts_by_jakarta_day(services):
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    # 18:00 UTC on 9 March is 01:00 on 10 March in Jakarta.
    add_pending(services, received_at=datetime(2026, 3, 9, 18, 0, tzinfo=UTC))
    add_pending(services, received_at=datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    with services.sessions() as s:
        days = stats.per_day(s, InboundMessage.received_at, days=2, now=now)
    assert days == [("09/03", 1), ("10/03", 1)]


def test_per_day_includes_days_without_messages(services):
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    with services.sessions() as s:
        days = stats.per_day(s, InboundMessage.received_at, days=3, now=now)
    assert days == [("08/03", 0), ("09/03", 0), ("10/03", 0)]


def test_dashboard_page_draws_its_charts(login, services):
    add_pending(services, received_at=datetime.now(UTC) - timedelta(hours=1))
    page = login("viewer").get("/console/dashboard").get_data(as_text=True)
    assert page.count('<svg class="chart"') >= 2
