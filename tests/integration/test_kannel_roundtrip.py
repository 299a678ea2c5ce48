"""The Kannel round trip against a real Kannel: fakesmsc (the operator) -> bearerbox/smsbox ->
our get-url -> ticket -> reply through /cgi-bin/sendsms -> fakesmsc, with delivery reports.

The gateway runs in its embedded mode (in-process workers) behind werkzeug's own server on a
free loopback port; Kannel gets a generated config in a temporary folder.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest
from sqlalchemy import select

from sms_gateway.services import Services, build_services
from sms_gateway.store.models import InboundMessage, OutboundMessage, Ticket
from tests.support.channels import channel_config
from tests.support.config import make_config
from tests.support.kannel_peer import (
    KannelPeer,
    kannel_tmpdir,
    missing_binaries,
    wait_for,
)
from tests.support.net import free_port

pytestmark = [pytest.mark.kannel, pytest.mark.integration]

SECRET = "kannel-roundtrip-secret"
CITIZEN = "081234567890"
TIMEOUT = 20.0


def _need_kannel() -> None:
    missing = missing_binaries()
    if not missing:
        return
    reason = (f"Kannel binaries missing: {', '.join(missing)} "
              f"(apt-get install -y kannel kannel-extras)")
    if os.environ.get("CI"):
        pytest.fail(f"CI requires Kannel: {reason}")
    pytest.skip(reason)


@pytest.fixture
def gateway(tmp_path: Path, request: pytest.FixtureRequest
            ) -> Iterator[tuple[Services, KannelPeer]]:
    """The gateway on a free port, wired to a real Kannel wired back to it."""
    _need_kannel()
    from werkzeug.serving import make_server

    from sms_gateway.app import create_app
    from sms_gateway.store import migrate

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    peer = KannelPeer(kannel_tmpdir(tmp_path), get_url="",
                      combine_parts=getattr(request, "param", True))
    peer.get_url = (f"{base}/sms/kannel?secret={SECRET}&id=%I&from=%p&to=%P&text=%b"
                    f"&coding=%c&charset=%C&udh=%u&time=%T")
    config = make_config(tmp_path, server={"public_url": base},
                         sms={"outbound": "kannel"},
                         queue={"in_process_threads": 2, "sweep_interval_seconds": 1})
    config = replace(config, channels={"kannel": channel_config(
        "kannel", url=peer.sendsms_url, username=peer.username, password=peer.password,
        from_="1708", secret=SECRET, allow_ips=("127.0.0.1",), rate_limit=5.0)})
    migrate.upgrade(config)
    services = build_services(config)
    try:
        app = create_app(services=services, start_background=True)
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            peer.start()
            yield services, peer
        finally:
            peer.stop()
            server.shutdown()
            thread.join(5)
    finally:
        services.close()  # whatever failed above: stop the sweeper and job threads


def _ucs2(payload: str) -> str:
    """fakesmsc prints UCS-2 as Kannel-urlencoded UTF-16BE ('+' is a space byte)."""
    return unquote_to_bytes(payload.replace("+", "%20")).decode("utf-16-be")


def _one(services: Services, stmt: Any) -> Any:
    with services.sessions() as session:
        return session.execute(stmt).scalars().first()


def test_sms_from_the_operator_becomes_a_ticket_and_the_reply_reaches_the_phone(
        gateway: tuple[Services, KannelPeer]) -> None:
    services, peer = gateway
    started = time.monotonic()
    peer.inject(CITIZEN, "1708", "text",
                "Jalan rusak parah di Desa Sukamaju Kecamatan Cibadak Kabupaten Sukabumi")
    wait_for(lambda: _one(services, select(Ticket.number)) is not None, TIMEOUT, "a ticket")
    number = _one(services, select(Ticket.number))
    wait_for(lambda: any(f"#{number}" in m for m in peer.delivered()), TIMEOUT,
             "the reply at the operator")
    wait_for(lambda: _one(services, select(OutboundMessage.status)) == "delivered", TIMEOUT,
             "the delivery report")
    reply = next(m for m in peer.delivered() if f"#{number}" in m)
    elapsed = time.monotonic() - started
    prefix = "<1708 +6281234567890 text Laporan diterima"
    assert (reply[:len(prefix)], elapsed < TIMEOUT) == (prefix, True)


def test_unicode_reply_arrives_intact(gateway: tuple[Services, KannelPeer]) -> None:
    services, peer = gateway
    from sms_gateway.complaints.outbox import queue_sms
    from sms_gateway.store.models import Citizen
    from sms_gateway.telco.sending import enqueue_send

    text = "Terima kasih \U0001F64F laporan Anda \u062a\u0645 diterima"
    phone = "+6281234567890"
    with services.sessions.begin() as session:
        citizen = Citizen(phone_hash=services.vault.digest(phone),
                          phone_enc=services.vault.encrypt(phone), phone_masked="+62***")
        session.add(citizen)
        session.flush()
        row = queue_sms(services, session, citizen, purpose="test", dedupe_key="u1",
                        body=text, channel="kannel")
        assert row is not None
        out_id = row.id
    enqueue_send(services, out_id)
    wait_for(lambda: any(" ucs-2 " in m for m in peer.delivered()), TIMEOUT,
             "the UCS-2 SMS at the operator")
    got = next(m for m in peer.delivered() if " ucs-2 " in m)
    assert _ucs2(got.rstrip(">").split(" ucs-2 ", 1)[1]) == text


def test_unicode_sms_from_the_operator_is_stored_intact(
        gateway: tuple[Services, KannelPeer]) -> None:
    services, peer = gateway
    # UTF-16BE of "Banjir " + U+1F30A + " di kec Cibadak"; Kannel's mo-recode makes it UTF-8.
    text = "Banjir \U0001F30A di kec Cibadak"
    payload = "".join(f"%{b:02X}" for b in text.encode("utf-16-be"))
    peer.inject(CITIZEN, "1708", "ucs2", payload)
    wait_for(lambda: _one(services, select(InboundMessage.text)) is not None, TIMEOUT,
             "the stored SMS")
    assert _one(services, select(InboundMessage.text)) == text


@pytest.mark.parametrize("gateway", [True, False], indirect=True,
                         ids=["kannel-joins-parts", "gateway-joins-parts"])
def test_long_sms_in_two_parts_gives_one_ticket(gateway: tuple[Services, KannelPeer]) -> None:
    services, peer = gateway
    # Second part first: the UDH (reference 42, 2 parts) orders them, whoever joins them.
    peer.inject(CITIZEN, "1708", "udh", "%05%00%03%2A%02%02 Kecamatan+Cibadak+Kabupaten+Sukabumi")
    time.sleep(0.5)
    peer.inject(CITIZEN, "1708", "udh", "%05%00%03%2A%02%01 Jalan+rusak+parah+di+Desa+Sukamaju+")
    wait_for(lambda: _one(services, select(Ticket.number)) is not None, TIMEOUT, "a ticket")
    with services.sessions() as session:
        texts = session.execute(select(InboundMessage.text)).scalars().all()
        tickets = session.execute(select(Ticket.id)).scalars().all()
    assert (texts, len(tickets)) == (
        ["Jalan rusak parah di Desa Sukamaju Kecamatan Cibadak Kabupaten Sukabumi"], 1)
