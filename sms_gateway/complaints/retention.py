"""Retention: erase what citizens wrote or read once it is old enough, keep the statistics.

After `[retention] message_text_days`, every copy of a text goes: an inbound message's text,
encrypted raw payload and the free text in its parse; the parts of a long SMS; the console's
labelled examples of those messages; ticket descriptions (and their Open311 publication), the
free text in ticket history and agency answers; the bodies of SMS to citizens; and the bodies
and query strings of channel logs. Rows stay (channel, times, sender hash, outcome, category,
region, status, ticket links), so every count and chart still adds up. Runs from the
sweeper; each batch is one transaction.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, String, cast, or_, select, update

from sms_gateway.store import purge
from sms_gateway.store.abuse import UNPURGED
from sms_gateway.store.agency import AgencyResponse
from sms_gateway.store.channels import ChannelLog, InboundPart
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import (
    OUTBOUND_FINAL,
    RECEIVED,
    InboundMessage,
    OutboundMessage,
    Ticket,
    TicketEvent,
)

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)
FREE_TEXT_FIELDS = purge.PARSE_TEXT_FIELDS

_last_run = 0.0
_last_run_lock = threading.Lock()


def purge_message_text(services: Services, *, force: bool = False) -> int:
    """Erase expired message texts (at most once per run_every_minutes); returns rows purged."""
    global _last_run
    cfg = services.config.retention
    if cfg.message_text_days <= 0:
        return 0
    with _last_run_lock:
        now = time.monotonic()
        if not force and _last_run and now - _last_run < cfg.run_every_minutes * 60:
            return 0
        _last_run = now
    cutoff = utcnow() - timedelta(days=cfg.message_text_days)
    size = max(cfg.batch_size, 1)
    total = 0
    while True:
        purged = _purge_batch(services, cutoff, size)
        total += purged
        if purged < size:
            break
    copies = _purge_copies(services, cutoff, size)
    if total or copies:
        log.info("retention: erased the text of %d inbound messages and %d other copies older "
                 "than %d days", total, copies, cfg.message_text_days)
    return total


def _purge_batch(services: Services, cutoff: datetime, size: int) -> int:
    with services.sessions.begin() as session:
        rows = session.execute(
            select(InboundMessage.id, InboundMessage.parse)
            .where(UNPURGED, InboundMessage.received_at < cutoff,
                   InboundMessage.state != RECEIVED)
            .order_by(InboundMessage.received_at).limit(size)
            .with_for_update(skip_locked=True)).all()
        if rows:
            session.execute(update(InboundMessage), [
                {"id": message_id, "text": None, "raw_enc": None,
                 "parse": purge.parse_without_text(parse)}
                for message_id, parse in rows])
            purge.blank_labels(session, [message_id for message_id, _ in rows])
        return len(rows)


def _purge_copies(services: Services, cutoff: datetime, size: int) -> int:
    """Every other copy older than the cutoff, table by table; returns rows blanked."""
    def ticket(session: Any, row: Any) -> bool:
        purge.blank_ticket(session, row)
        return True

    def event(session: Any, row: Any) -> bool:
        return purge.blank_event(row)

    def simple(blank: Callable[[Any], None]) -> Callable[[Any, Any], bool]:
        def run(session: Any, row: Any) -> bool:
            blank(row)
            return True
        return run

    def response(session: Any, row: Any) -> bool:
        row.text = ""
        return True

    sweeps: list[tuple[Any, ColumnElement[bool], Callable[[Any, Any], bool]]] = [
        (InboundPart, (InboundPart.received_at < cutoff)
         & ((InboundPart.text != "") | InboundPart.raw_enc.is_not(None)),
         simple(purge.blank_part)),
        (OutboundMessage, (OutboundMessage.created_at < cutoff) & (OutboundMessage.body != "")
         & OutboundMessage.status.in_(OUTBOUND_FINAL | {"sent", "unknown"}),
         simple(purge.blank_outbound)),
        (ChannelLog, (ChannelLog.created_at < cutoff) & purge.LOG_HAS_TEXT,
         simple(purge.blank_log)),
        (Ticket, (Ticket.created_at < cutoff) & (Ticket.description != ""), ticket),
        # History added to a ticket after its own purge (the JSON text names a text key).
        (TicketEvent, (TicketEvent.at < cutoff) & or_(*(
            cast(TicketEvent.detail, String).like(f'%"{key}"%')
            for key in purge.HISTORY_TEXT_KEYS)), event),
        (AgencyResponse, (AgencyResponse.at < cutoff) & (AgencyResponse.text != ""), response),
    ]
    return sum(_sweep(services, model, where, blank, size) for model, where, blank in sweeps)


def _sweep(services: Services, model: Any, where: ColumnElement[bool],
           blank: Callable[[Any, Any], bool], size: int) -> int:
    """Blank the rows of one table matching `where`, in id order, one batch per transaction."""
    last, changed = 0, 0
    while True:
        with services.sessions.begin() as session:
            rows = session.execute(select(model).where(where, model.id > last)
                                   .order_by(model.id).limit(size)).scalars().all()
            changed += sum(blank(session, row) for row in rows)
        if len(rows) < size:
            return changed
        last = rows[-1].id
