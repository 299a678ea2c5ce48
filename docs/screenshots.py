"""Take the screenshots of docs/console.md: a demo database, the app, headless Chromium.

Run from the project root: `.venv/bin/python docs/screenshots.py` (needs /usr/bin/chromium).
Everything lives in a temporary directory; the PNGs go to docs/img/.
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from sms_gateway.agency.records import directory_for, sync_agencies
from sms_gateway.app import create_app
from sms_gateway.config import load_config
from sms_gateway.console import accounts
from sms_gateway.dispatch import InlineDispatcher
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate, tickets
from sms_gateway.store.agency import AgencyResponse
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Citizen, InboundMessage, TicketEvent
from sms_gateway.store.pii import mask_phone, new_key
from sms_gateway.telco.intake import enqueue_inbound, store_inbound
from sms_gateway.telco.providers.base import IncomingSms

OUT = Path(__file__).resolve().parent / "img"
PASSWORD = "demo password 1708"
REVIEW_TEXTS = [
    "got mampet bau banget",
    "pak tolong dibantu, sudah 2 minggu tidak ada kejelasan",
    "lampu jalan mati",
    "anak sy blm dpt kip",
]
CATEGORIES = ["jalan_drainase", "sampah_lingkungan", "bansos", "perhubungan", "adminduk",
              "kesehatan", "air_bersih", "pendidikan"]
REGIONS = [("35.78.22.1004", "Ketintang"), ("35.78.13.1003", "Gundih"), ("32.73", "Kota Bandung"),
           ("31.71", "Kota Adm. Jakarta Pusat"), ("33.74", "Kota Semarang"),
           ("35.15", "Kabupaten Sidoarjo"), ("12.71", "Kota Medan")]


def seed(services: Services) -> None:
    """Users, messages waiting for review, and 30 days of tickets for the dashboard."""
    rng = random.Random(1708)
    with services.sessions.begin() as s:
        sync_agencies(s, directory_for(services))  # as `sms-gateway init` does
        accounts.create_user(s, "admin@lapor.example.id", PASSWORD, "admin")
        accounts.create_user(s, "ani@lapor.example.id", PASSWORD, "operator")
    for i, text in enumerate(REVIEW_TEXTS):
        sender = f"+62812345678{i:02d}"
        sms = IncomingSms(f"demo-{i}", sender, "1708", text, {"From": sender, "Body": text})
        enqueue_inbound(services, store_inbound(services, "console", "console", sms).message_id)
    vault = services.vault
    now = utcnow()
    with services.sessions.begin() as s:
        citizens = []
        for _ in range(12):
            phone = f"+62813{rng.randrange(10**7, 10**8)}"
            citizen = Citizen(phone_hash=vault.digest(phone), phone_enc=vault.encrypt(phone),
                              phone_masked=mask_phone(phone))
            s.add(citizen)
            citizens.append(citizen)
        s.flush()
        for _ in range(140):
            created = now - timedelta(days=rng.random() * 29, hours=rng.random() * 5)
            code, name = rng.choice(REGIONS)
            category = rng.choice(CATEGORIES)
            citizen = rng.choice(citizens)
            message = InboundMessage(
                channel="console", provider="console", provider_message_id=uuid.uuid4().hex,
                sender_hash=citizen.phone_hash, sender_enc=citizen.phone_enc, recipient="1708",
                text=f"Laporan {category}", received_at=created, state="processed",
                citizen_id=citizen.id, outcome="ticket_created")
            s.add(message)
            s.flush()
            ticket = tickets.open_ticket(s, citizen_id=citizen.id, inbound_message_id=message.id,
                                         category=category, region_code=code,
                                         region_name=name, description=f"Laporan {category}",
                                         created_at=created)
            tickets.apply_route(s, ticket)
            if ticket.agency_code:
                tickets.set_status(s, ticket, "terdisposisi", agency_code=ticket.agency_code)
                if rng.random() < 0.6:
                    tickets.set_status(s, ticket, "selesai", actor=f"agency:{ticket.agency_code}")
                    s.add(AgencyResponse(ticket_id=ticket.id, agency_code=ticket.agency_code,
                                         status="selesai", text="Sudah ditindaklanjuti.",
                                         at=created + timedelta(days=rng.random() * 9)))
            # History written "now" is moved back to when the ticket arrived.
            steps = rng.random() * 9
            s.execute(update(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                      .values(at=created + timedelta(days=steps)))
            s.execute(update(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                TicketEvent.kind == "created")
                      .values(at=created))


def shoot(base: str, services: Services) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 860})

        def snap(name: str, full: bool = True) -> None:
            path = OUT / f"console-{name}.png"
            page.screenshot(path=str(path), full_page=full)
            shots.append(path)

        page.goto(f"{base}/console/login")
        snap("login", full=False)
        page.fill("input[name=email]", "admin@lapor.example.id")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/console/review")
        snap("queue")
        page.keyboard.press("n")
        page.wait_for_url(f"{base}/console/review/*")
        page.wait_for_load_state("domcontentloaded")
        page.select_option("#category", "jalan_drainase")
        page.fill("#region-search", "ketintang")
        page.wait_for_selector("#region-results button")
        snap("review")
        page.click("#region-results button >> nth=0")
        page.locator("#route-reasons", has_text="Pekerjaan Umum").wait_for()
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("t")
        page.wait_for_url(f"{base}/console/tickets/*")
        snap("ticket")
        page.goto(f"{base}/console/tickets")
        snap("tickets", full=False)
        page.goto(f"{base}/console/dashboard")
        snap("dashboard")
        page.goto(f"{base}/console/admin/agencies?q=surabaya")
        snap("agencies", full=False)
        page.goto(f"{base}/console/admin/agencies/dinas_pupr:35.78")
        snap("agency")
        page.goto(f"{base}/console/admin/settings")
        snap("settings", full=False)
        page.click("button[name=lang][value=en]")
        page.goto(f"{base}/console/dashboard")
        snap("dashboard-en", full=False)
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
        phone.goto(f"{base}/console/login")
        phone.fill("input[name=email]", "ani@lapor.example.id")
        phone.fill("input[name=password]", PASSWORD)
        phone.click("button[type=submit]")
        phone.wait_for_url(f"{base}/console/review")
        path = OUT / "console-phone-queue.png"
        phone.screenshot(path=str(path), full_page=False)
        shots.append(path)
        browser.close()
    return shots


def main() -> int:
    from werkzeug.serving import make_server

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(env={"SMS_GATEWAY_PII_KEY": new_key()})
        config = replace(config, server=replace(config.server, var_dir=tmp))
        migrate.upgrade(config)
        services = build_services(config, dispatcher=InlineDispatcher())
        seed(services)
        app = create_app(services=services, start_background=False)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            shots = shoot(f"http://127.0.0.1:{server.server_port}", services)
        finally:
            server.shutdown()
            services.close()
    for path in shots:
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
