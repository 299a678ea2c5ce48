"""Schema for the privacy side (issue 7): the index the retention purge walks.

Only messages whose text or raw payload still exists are in this partial index, so the hourly
purge finds the next expired ones at once however many purged rows pile up behind them.
"""

from __future__ import annotations

from sqlalchemy import Index, or_

from sms_gateway.store.models import InboundMessage

UNPURGED = or_(InboundMessage.text.is_not(None), InboundMessage.raw_enc.is_not(None))

unpurged_index = Index("ix_inbound_unpurged", InboundMessage.received_at,
                       postgresql_where=UNPURGED, sqlite_where=UNPURGED)
