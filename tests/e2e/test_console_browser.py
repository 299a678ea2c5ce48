"""The operator console in a real headless Chromium: sign in, review an SMS into a ticket,
and see the ticket SMS go out through the outbound channel.

Needs Debian's `chromium` (/usr/bin/chromium) and Playwright for Python (no downloaded
browser). Without Chromium the tests are skipped, except under CI=true where they fail.
"""

from __future__ import annotations

import os
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sms_gateway.console import accounts
from sms_gateway.services import Services
from sms_gateway.store.models import OutboundMessage, Ticket

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
EMAIL, PASSWORD = "operator@example.id", "kata sandi operator"
SENDER = "+6281234567890"


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = "Debian's chromium is not installed (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"CI requires {reason}")
    pytest.skip(reason)


@pytest.fixture
def live_url(app: Any) -> Iterator[str]:
    """The app served over real HTTP on a free local port."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def browser() -> Iterator[Any]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def operator(services: Services) -> None:
    with services.sessions.begin() as s:
        accounts.create_user(s, EMAIL, PASSWORD, "operator")


def _sms_in(live_url: str, text: str, message_id: str = "e2e-1") -> None:
    """An SMS arriving at the console channel's webhook, as a provider would post it."""
    body = urllib.parse.urlencode({"From": SENDER, "Body": text, "MessageId": message_id})
    request = urllib.request.Request(f"{live_url}/sms/console", data=body.encode(),
                                     method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _sign_in(page: Any, live_url: str) -> None:
    page.goto(f"{live_url}/console/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/console/review")


def _review_into_ticket(page: Any, live_url: str) -> None:
    page.keyboard.press("n")  # shortcut: lock and open the oldest waiting message
    page.wait_for_url(f"{live_url}/console/review/*")
    page.wait_for_load_state("domcontentloaded")
    page.select_option("#category", "jalan_drainase")
    page.fill("#region-search", "ketintang")
    page.click("#region-results button >> nth=0")
    page.locator("#route-reasons", has_text="Pekerjaan Umum").wait_for()
    page.locator("body").click(position={"x": 5, "y": 5})  # leave the form fields
    page.keyboard.press("t")  # shortcut: create the ticket
    page.wait_for_url(f"{live_url}/console/tickets/*")


def test_reviewed_message_becomes_a_ticket_whose_sms_is_sent(
        live_url, browser, operator, services):
    _sms_in(live_url, "got mampet bau banget")
    page = browser.new_page()
    _sign_in(page, live_url)
    _review_into_ticket(page, live_url)
    with services.sessions() as s:
        ticket = s.execute(select(Ticket)).scalar_one()
        sent = s.execute(select(OutboundMessage.body).where(
            OutboundMessage.purpose == "ticket_verified",
            OutboundMessage.status == "sent")).scalars().all()
    # The citizen had the number at once (unverified); the review sends where it went.
    bodies = [sms.body for sms in services.channels["console"].sent if ticket.number in sms.body]
    assert (len(bodies), sent) == (2, bodies[1:])


def test_ticket_page_shows_the_sent_sms_in_the_thread(live_url, browser, operator, services):
    _sms_in(live_url, "got mampet bau banget")
    page = browser.new_page()
    _sign_in(page, live_url)
    _review_into_ticket(page, live_url)
    assert "Laporan diterima" in page.inner_text("#thread")


def test_region_autocomplete_lists_matching_regions(live_url, browser, operator):
    _sms_in(live_url, "got mampet bau banget")
    page = browser.new_page()
    _sign_in(page, live_url)
    page.keyboard.press("n")
    page.wait_for_url(f"{live_url}/console/review/*")
    page.wait_for_load_state("domcontentloaded")
    page.fill("#region-search", "ketintang")
    first = page.locator("#region-results button").first
    assert "Kec. Gayungan, Kota Surabaya" in first.inner_text()


def test_review_queue_fits_a_phone_screen(live_url, browser, operator):
    _sms_in(live_url, "got mampet bau banget")
    page = browser.new_page(viewport={"width": 360, "height": 740})
    _sign_in(page, live_url)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
