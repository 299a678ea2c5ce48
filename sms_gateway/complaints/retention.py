"""Retention: erase what citizens wrote once it is old enough, keep the statistics.

After `[retention] message_text_days`, an inbound message loses its text, the encrypted raw
provider payload and the free-text description in its parse result. The row itself (channel,
times, sender hash, outcome, category, region, ticket link) stays, and so do tickets, so
every count and chart still adds up. Runs from the sweeper; each batch is one transaction.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from sms_gateway.store.abuse import UNPURGED
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import RECEIVED, InboundMessage

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)
# Parse fields that repeat what the citizen wrote; the rest (intent, category, region) stays.
FREE_TEXT_FIELDS = ("description",)

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
    total = 0
    while True:
        purged = _purge_batch(services, cutoff, max(cfg.batch_size, 1))
        total += purged
        if purged < cfg.batch_size:
            break
    if total:
        log.info("retention: erased the text of %d inbound messages older than %d days",
                 total, cfg.message_text_days)
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
                 "parse": None if parse is None else
                 {k: v for k, v in parse.items() if k not in FREE_TEXT_FIELDS}}
                for message_id, parse in rows])
        return len(rows)
