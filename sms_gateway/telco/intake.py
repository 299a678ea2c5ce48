"""Step 1 of an SMS: store it durably (deduplicated on the provider's id), then enqueue it."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError

from sms_gateway.store.db import utcnow, without_pre_ping
from sms_gateway.telco import multipart
from sms_gateway.telco.inbox import Stored, insert_log, insert_logged_message, insert_message
from sms_gateway.telco.phone import normalise
from sms_gateway.telco.providers.base import IncomingSms, InvalidRequest

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)



def store_inbound(services: Services, channel: str, provider: str, sms: IncomingSms, *,
                  channel_log: Mapping[str, Any] | None = None) -> Stored:
    """Store one inbound SMS; a repeated provider id returns the first one's id.

    `channel_log`: the webhook's channel log (inbox.LOG_COLUMNS), stored with the message (a
    repeat's too) or not at all; not stored for a part of a long SMS held for the others. On
    Postgres a new message and its log are one statement in autocommit: one round trip instead
    of BEGIN, two INSERTs and COMMIT (docs/performance.md).
    Raises InvalidRequest for identifiers that are not text, phone.InvalidPhoneNumber for an
    impossible sender, and SQLAlchemy errors when the database cannot store it (the caller must
    then not acknowledge the provider).
    """
    _check_identifiers(sms)
    sender = normalise(sms.sender, services.config.sms.default_phone_region)
    part = multipart.part_of(sms)
    if part is not None:
        return multipart.hold(services, channel, provider, sms, sender, part)
    vault = services.vault
    # NUL cannot live in a Postgres text column; the encrypted raw payload keeps the exact bytes.
    text = sms.text.replace("\x00", "\ufffd")
    values = {
        "channel": channel,
        "provider": provider,
        "provider_message_id": sms.provider_message_id,
        "sender_hash": vault.digest(sender),
        "sender_enc": vault.encrypt(sender),
        "recipient": sms.recipient[:32],
        "text": text,
        "raw_enc": vault.encrypt(json.dumps(dict(sms.raw), ensure_ascii=False)),
        "received_at": sms.received_at or utcnow(),
        "state": "received",
        "attempts": 0,
    }
    # No Session: nothing here needs the ORM, and its transaction bookkeeping costs as much as
    # the INSERT (docs/performance.md); the new message is a plain DBAPI execute, the repeat a
    # Core connection. No ping of the pooled connection first (a round trip): a dropped one is
    # retried below.
    for attempt in (1, 2):
        try:
            if channel_log is not None and services.engine.dialect.name == "postgresql":
                with without_pre_ping():
                    new_id = insert_logged_message(services.engine, values, channel_log)
                if new_id is not None:
                    return Stored(new_id, True)
                # A repeat (nothing was stored): find the first one and log with its id.
            with without_pre_ping(), services.engine.begin() as conn:
                stored = insert_message(conn, values)
                if channel_log is not None:
                    insert_log(conn, channel_log, stored.message_id)
                return stored
        except DBAPIError as exc:
            # A pooled connection the database dropped (a restart): SQLAlchemy has discarded
            # the pool; one more try on a new connection. The INSERT is idempotent.
            if attempt == 2 or not exc.connection_invalidated:
                raise
            log.warning("database connection was dropped; storing again on a new one")
    raise AssertionError("unreachable")


def _check_identifiers(sms: IncomingSms) -> None:
    """Ids and numbers must be clean text (raw bytes from %b-style fields are refused)."""
    for name, value in (("message id", sms.provider_message_id), ("sender", sms.sender),
                        ("recipient", sms.recipient)):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidRequest(f"{name} is not valid UTF-8 text") from None
        if "\x00" in value or len(value) > 128:
            raise InvalidRequest(f"{name} is not a plausible identifier")
