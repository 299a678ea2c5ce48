"""Versions of the parser's category model in the database; one of them is active.

Every process asks for the active version's id now and then (a cheap query) and loads the
blob when it changed (`complaints/live_parser.py`), so a promotion or a rollback reaches
running workers and web processes without a restart.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from sms_gateway.store.db import Base, utcnow


class ParserModel(Base):
    """One trained category model: its bytes (`parsers.modelfile` format) and its figures."""

    __tablename__ = "parser_models"
    id: Mapped[int] = mapped_column(primary_key=True)
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # ModelFigures.as_dict()
    label_counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # by source, by category
    comparison: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # retrain's held-back test
    source: Mapped[str] = mapped_column(String(24))  # "model_path", "retrain"
    note: Mapped[str | None] = mapped_column(Text)  # the configured path, the retrain summary
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=False, index=True)
    activated_at: Mapped[datetime | None]


def digest(blob: bytes) -> str:
    """The SHA-256 that identifies a model's bytes (one version per distinct model)."""
    return hashlib.sha256(blob).hexdigest()


def active_id(session: Session) -> int | None:
    """The active version's id (None: no version is active, the rules alone decide)."""
    return session.execute(select(ParserModel.id).where(ParserModel.active.is_(True))
                           .order_by(ParserModel.id.desc()).limit(1)).scalar()


def by_sha(session: Session, sha256: str) -> ParserModel | None:
    return session.execute(select(ParserModel).where(
        ParserModel.sha256 == sha256)).scalar_one_or_none()


def versions(session: Session) -> list[ParserModel]:
    """Every version, newest first (blobs are loaded lazily only when touched)."""
    return list(session.execute(select(ParserModel).order_by(ParserModel.id.desc()))
                .scalars())


def add(session: Session, blob: bytes, figures: dict[str, Any], *, source: str,
        created_by: str, note: str | None = None, label_counts: dict[str, Any] | None = None,
        comparison: dict[str, Any] | None = None) -> ParserModel:
    """Store a model as a new, inactive version."""
    row = ParserModel(blob=blob, sha256=digest(blob), figures=figures, source=source,
                      note=note, created_by=created_by, label_counts=label_counts,
                      comparison=comparison)
    session.add(row)
    session.flush()
    return row


def activate(session: Session, version_id: int) -> ParserModel:
    """Make this version the active one (and no other); KeyError when there is none."""
    row = session.get(ParserModel, version_id)
    if row is None:
        raise KeyError(version_id)
    session.execute(update(ParserModel).where(ParserModel.active.is_(True),
                                              ParserModel.id != version_id)
                    .values(active=False))
    row.active, row.activated_at = True, utcnow()
    session.flush()
    return row


def deactivate_all(session: Session) -> None:
    """No version active: the rules alone decide (`parser activate 0`)."""
    session.execute(update(ParserModel).where(ParserModel.active.is_(True))
                    .values(active=False))
