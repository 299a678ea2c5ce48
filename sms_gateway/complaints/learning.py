"""Learning from operators: train a candidate on every label, promote it only when not worse.

`retrain` holds back the most recent labels, trains a candidate on the older ones (plus an
optional seed set), scores candidate and active model on the held-back rows
(`parsers.model.compare`), stores the candidate as a model version and makes it the active one
only when it is not worse on accuracy and on coverage at the target precision. Running
processes then switch to it within `[parser] model_check_seconds` (complaints/live_parser.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sms_gateway.complaints.live_parser import INSTALL_ML
from sms_gateway.store import parser_models
from sms_gateway.store.console import LabelledExample, add_audit

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)

HOLDOUT_SHARE = 0.2  # the most recent fifth of the labels is held back to compare the models
MIN_HOLDOUT = 10  # fewer held-back labels than this: nothing to compare on, no promotion
# Review decisions that say a message is no complaint: negatives for the model's complaint gate.
NOT_COMPLAINTS = ("spam", "not_complaint")


class RetrainError(ValueError):
    """Retraining cannot start (no labels, scikit-learn missing); the message says why."""


@dataclass(frozen=True)
class RetrainReport:
    """What a retrain did: the stored candidate, both models' scores, and the decision."""

    version_id: int
    promoted: bool
    reason: str
    comparison: dict[str, Any] | None
    candidate_figures: dict[str, Any]
    active_version: int | str | None
    label_counts: dict[str, Any]
    seconds: float


def _labels(services: Services) -> list[tuple[str, str, str]]:
    """(text, category, source) of every label that names a category, oldest first."""
    with services.sessions() as session:
        rows = session.execute(
            select(LabelledExample.text, LabelledExample.category, LabelledExample.source)
            .where(LabelledExample.category.is_not(None))
            .order_by(LabelledExample.created_at, LabelledExample.id)).all()
    return [(" ".join(t.split()), c, s) for t, c, s in rows if t and t.strip() and c]


def _non_complaints(services: Services) -> list[str]:
    """The texts operators judged spam or not a complaint: more negatives for the gate."""
    with services.sessions() as session:
        texts = session.execute(select(LabelledExample.text).where(
            LabelledExample.category.is_(None),
            LabelledExample.decision.in_(NOT_COMPLAINTS)).order_by(LabelledExample.id)).scalars()
        return [" ".join(t.split()) for t in texts if t and t.strip()]


def retrain(services: Services, *, seed: Sequence[tuple[str, str]] = (), actor: str = "cli",
            holdout_share: float = HOLDOUT_SHARE) -> RetrainReport:
    """Train a candidate on all labels (+ seed), compare on held-back labels, maybe promote."""
    try:
        from parsers.model import compare, dump_model_bytes, train
    except ImportError as exc:  # pragma: no cover - parsers.model imports sklearn lazily
        raise RetrainError(str(exc)) from None
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise RetrainError(f"scikit-learn is not installed ({INSTALL_ML})") from None
    started = time.monotonic()
    labels = _labels(services)
    if not labels and not seed:
        raise RetrainError("no labels yet: review decisions, corrections or "
                           "`parser labels import` make them")
    held = int(len(labels) * holdout_share) if len(labels) * holdout_share >= MIN_HOLDOUT else 0
    older, recent = labels[:len(labels) - held], labels[len(labels) - held:]
    texts = [t for t, _ in seed] + [t for t, _, _ in older]
    cats = [c for _, c in seed] + [c for _, c, _ in older]
    if len(set(cats)) < 2:
        raise RetrainError(f"{len(cats)} training rows in {len(set(cats))} category: "
                           "a model needs at least two categories")
    current = services.parser.current()
    base = current.parser.with_model(None)
    target = services.config.parser.auto_route_precision
    negatives = _non_complaints(services)
    candidate = train(texts, cats, features=base, target_precision=target,
                      extra_non_complaints=negatives)
    counts: dict[str, Any] = {
        "labels": len(labels), "seed": len(seed), "trained_on": len(texts), "held_back": held,
        "not_complaints": len(negatives),
        "by_source": dict(Counter(s for _, _, s in labels)),
        "by_category": dict(Counter(cats + [c for _, c, _ in recent]))}
    comparison: dict[str, Any] | None = None
    if recent:
        report = compare(candidate, current.parser.model, [t for t, _, _ in recent],
                         [c for _, c, _ in recent], target_precision=target, features=base)
        promote, reason, comparison = report.promote, report.reason, report.as_dict()
        reason += _seen_before(current.parser.model, comparison)
    else:
        promote = False
        reason = (f"only {len(labels)} labels: fewer than {MIN_HOLDOUT} recent ones to hold "
                  "back, so the candidate cannot be compared; not promoted")
    blob = dump_model_bytes(candidate)
    with services.sessions.begin() as session:
        row = parser_models.by_sha(session, parser_models.digest(blob))
        if row is None:
            row = parser_models.add(
                session, blob, candidate.figures.as_dict(), source="retrain", created_by=actor,
                note=reason, label_counts=counts, comparison=comparison)
        if promote:
            parser_models.activate(session, row.id)
        version_id = row.id
        add_audit(session, actor, "model.retrain", target_type="parser_model",
                  target_id=version_id, promoted=promote, rows=len(texts))
    log.info("retrained model version %d on %d rows: %s%s", version_id, len(texts), reason,
             " - promoted" if promote else "")
    return RetrainReport(version_id, promote, reason, comparison, candidate.figures.as_dict(),
                         current.version, counts, time.monotonic() - started)


SEEN_MARGIN = 0.10  # held-back accuracy this far above the model's own out-of-fold one


def _seen_before(active: Any, comparison: dict[str, Any]) -> str:
    """A note when the active model does far better on the held-back labels than on its own
    out-of-fold rows: it was most likely trained on them (its training CSV imported as
    labels), and no candidate can look "not worse" against it."""
    figures = getattr(active, "figures", None)
    held = comparison.get("active", {}).get("accuracy")
    if figures is None or held is None or not figures.held_back:
        return ""
    if held - figures.accuracy < SEEN_MARGIN:
        return ""
    return (f" (the active model scores {held:.3f} on these labels against {figures.accuracy:.3f} "
            "out of fold: it was probably trained on them, e.g. its training CSV was imported as "
            "labels, so the comparison favours it)")


_last_run = 0.0
_last_run_lock = threading.Lock()


def scheduled_retrain(services: Services) -> RetrainReport | None:
    """Retrain when `[parser] retrain_every_hours` have passed since the last retrained version."""
    hours = services.config.parser.retrain_every_hours
    if hours <= 0:
        return None
    global _last_run
    with _last_run_lock:
        now = time.monotonic()
        if _last_run and now - _last_run < min(hours * 3600, 3600):
            return None  # ask the database at most hourly
        _last_run = now
    from sms_gateway.store.db import utcnow

    with services.sessions() as session:
        last = session.execute(
            select(parser_models.ParserModel.created_at)
            .where(parser_models.ParserModel.source == "retrain")
            .order_by(parser_models.ParserModel.id.desc()).limit(1)).scalar()
    if last is not None and (utcnow() - last).total_seconds() < hours * 3600:
        return None
    try:
        return retrain(services, actor="schedule")
    except RetrainError as exc:
        log.info("scheduled retraining skipped: %s", exc)
        return None
