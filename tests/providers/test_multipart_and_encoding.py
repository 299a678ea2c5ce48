"""Long SMS in parts become one message and one ticket; encodings and segments as telcos count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from sms_gateway.jobs.periodic import channel_upkeep
from sms_gateway.store.channels import InboundPart
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import InboundMessage, Ticket
from sms_gateway.telco import gsm, multipart
from sms_gateway.telco.providers.kannel import concat_info
from tests.providers.conftest import SECRETS

COMPLAINT = ["Jalan rusak parah di Desa Sukamaju ", "Kecamatan Cibadak Kabupaten Sukabumi"]


def _kannel(client: Any, msg_id: str, text: str, udh: str = "") -> int:
    query = {"secret": SECRETS["kannel_secret"], "id": msg_id, "from": "081234567890",
             "to": "1708", "text": text}
    if udh:
        query["udh"] = udh
    resp = client.get("/sms/kannel", query_string=query)
    return int(resp.status_code)


def _udh(ref: int, total: int, part: int) -> str:
    return bytes([5, 0, 3, ref, total, part]).decode("latin-1")


def _texts(services: Any) -> list[str]:
    with services.sessions() as session:
        return list(session.execute(select(InboundMessage.text)).scalars())


def _tickets(services: Any) -> int:
    with services.sessions() as session:
        return len(session.execute(select(Ticket.id)).scalars().all())


def test_udh_parts_in_any_order_make_one_ticket(client: Any, services: Any,
                                                fake_http: Any) -> None:
    _kannel(client, "m2", COMPLAINT[1], _udh(42, 2, 2))
    _kannel(client, "m1", COMPLAINT[0], _udh(42, 2, 1))
    assert (_texts(services), _tickets(services)) == (["".join(COMPLAINT)], 1)


def test_marked_parts_from_one_sender_are_joined(client: Any, services: Any,
                                                 fake_http: Any) -> None:
    _kannel(client, "t1", f"(1/2) {COMPLAINT[0]}")
    _kannel(client, "t2", f"{COMPLAINT[1]} (2/2)")
    assert _texts(services) == [COMPLAINT[0].strip() + " " + COMPLAINT[1]]


def test_a_lone_part_waits_for_its_siblings(client: Any, services: Any,
                                            fake_http: Any) -> None:
    _kannel(client, "m1", COMPLAINT[0], _udh(7, 2, 1))
    assert _texts(services) == []


def test_incomplete_parts_are_processed_when_the_window_closes(client: Any, services: Any,
                                                               fake_http: Any) -> None:
    _kannel(client, "m1", COMPLAINT[0], _udh(7, 3, 1))
    _kannel(client, "m3", COMPLAINT[1], _udh(7, 3, 3))
    with services.sessions.begin() as session:
        session.execute(update(InboundPart).values(received_at=utcnow() - timedelta(hours=1)))
    channel_upkeep()
    assert _texts(services) == [f"{COMPLAINT[0]}{multipart.MISSING}{COMPLAINT[1]}"]


def test_repeated_part_webhook_stores_the_part_once(client: Any, services: Any,
                                                    fake_http: Any) -> None:
    _kannel(client, "m1", COMPLAINT[0], _udh(9, 2, 1))
    _kannel(client, "m1", COMPLAINT[0], _udh(9, 2, 1))
    with services.sessions() as session:
        assert len(session.execute(select(InboundPart.id)).scalars().all()) == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("(1/3) jalan rusak", (1, 3, "jalan rusak")),
    ("jalan rusak (3/3)", (3, 3, "jalan rusak")),
    ("( 2 / 4 )lampu mati", (2, 4, "lampu mati")),
    ("tanggal 12/3 jalan rusak", None),
    ("(3/2) salah", None),
    ("(1/1) satu saja", None),
    ("jalan (1/2) rusak", None),
], ids=["start", "end", "spaces", "date-not-marker", "part-over-total", "single", "middle"])
def test_text_marker(text: str, expected: object) -> None:
    assert multipart.text_marker(text) == expected


@pytest.mark.parametrize(("udh", "expected"), [
    (bytes([5, 0, 3, 42, 3, 2]), ("42", 2, 3)),
    (bytes([6, 8, 4, 1, 2, 2, 1]), ("258", 1, 2)),
    (bytes([8, 0x24, 1, 0, 0, 3, 9, 2, 2]), ("9", 2, 2)),  # after another element
    (bytes([3, 0x24, 1, 0]), None),
    (bytes([5, 0, 3]), None),  # truncated
    (b"", None),
], ids=["8-bit-ref", "16-bit-ref", "second-element", "no-concat", "truncated", "empty"])
def test_udh_concatenation_info(udh: bytes, expected: object) -> None:
    assert concat_info(udh) == expected


@pytest.mark.parametrize(("text", "lengths"), [
    ("a" * 152 + "€" + "a" * 10, [152, 11]),  # the escape pair moves whole to part 2
    ("a" * 161, [153, 8]),
    ("a" * 66 + "\U0001F600" + "a" * 10, [66, 11]),  # the surrogate pair is not cut
    ("ا" * 134, [67, 67]),
    ("a" * 160, [160]),
], ids=["gsm-escape-at-boundary", "gsm-plain", "ucs2-surrogate-at-boundary", "ucs2-plain",
        "gsm-single"])
def test_split_never_cuts_a_character(text: str, lengths: list[int]) -> None:
    assert [len(p) for p in gsm.split(text)] == lengths


def test_segment_count_follows_the_split() -> None:
    assert gsm.encoding_of("a" * 152 + "€" * 2 + "a" * 150).segments == 3


@pytest.mark.parametrize("text", ["@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", "^{}\\[~]|€"],
                         ids=["basic-specials", "extension"])
def test_gsm_tables_cover_their_characters(text: str) -> None:
    assert gsm.is_gsm7(text)


@pytest.mark.parametrize("text", ["ê", "ç", "`", "\U0001F600", "\u0627"],
                         ids=["e-circumflex", "c-cedilla-small", "backtick", "emoji", "arabic"])
def test_characters_outside_gsm_need_ucs2(text: str) -> None:
    assert gsm.encoding_of(text).name == "ucs2"


def test_every_reply_template_is_gsm7() -> None:
    from sms_gateway.complaints import replies

    bad = [(name, lang) for name, texts in replies.TEMPLATES.items()
           for lang, text in texts.items() if not gsm.is_gsm7(text)]
    assert bad == []


def test_non_gsm_reply_template_is_refused() -> None:
    from sms_gateway.complaints import replies

    with pytest.raises(ValueError, match="not GSM-7"):
        replies.check_template("Terima kasih \U0001F64F")
