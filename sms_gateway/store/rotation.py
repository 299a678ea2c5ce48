"""Re-encrypt every encrypted column with the newest privacy key (`sms-gateway pii rotate`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from sms_gateway.store.channels import InboundPart
from sms_gateway.store.models import Citizen, InboundMessage
from sms_gateway.store.pii import Vault

# Every column that holds Fernet tokens, by table.
ENCRYPTED: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (Citizen, ("phone_enc",)),
    (InboundMessage, ("sender_enc", "raw_enc")),
    (InboundPart, ("sender_enc", "raw_enc")),
)


def rotate(sessions: sessionmaker[Any], vault: Vault, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt, in batches of one transaction each, what older keys wrote; count per table.

    Idempotent: a value already under the newest key is left alone, so a second run (or one
    after an interruption) changes only what is left.
    """
    counts: dict[str, int] = {}
    for model, columns in ENCRYPTED:
        table = model.__tablename__
        counts[table] = 0
        last_id = 0
        while True:
            with sessions.begin() as session:
                rows = session.execute(
                    select(model.id, *(getattr(model, c) for c in columns))
                    .where(model.id > last_id).order_by(model.id).limit(batch_size)).all()
                for row in rows:
                    changes = {}
                    for column, token in zip(columns, row[1:], strict=True):
                        fresh = vault.rotated(token) if token else None
                        if fresh is not None:
                            changes[column] = fresh
                    if changes:
                        session.execute(update(model).where(model.id == row[0]).values(changes))
                        counts[table] += 1
            if len(rows) < batch_size:
                break
            last_id = rows[-1][0]
    return counts
