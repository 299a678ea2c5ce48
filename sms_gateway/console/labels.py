"""Labelled examples, the parser's training data: operators' decisions, imports, the CSV files.

Each example has a text, a category (None: spam or not a complaint), an optional region, its
source (`review`, `correction`, `import`), who (`actor`) and when (`created_at`).
`parser labels import` loads a deployment's history; `parser labels export` and `parser train`
read and write the same CSV columns (`text,category`, optionally `region`).
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.deadlines import JAKARTA
from sms_gateway.store.console import ConsoleUser, LabelledExample
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import InboundMessage, Ticket

HEADER = ("text", "category", "region", "source", "actor", "at")
MAX_ERRORS = 20  # an import names at most this many bad lines


class LabelImportError(ValueError):
    """A label file that cannot be imported; the message lists its bad lines."""


@dataclass
class ImportReport:
    """What an import did: rows added, rows already there (re-import), rows read."""

    added: int = 0
    known: int = 0
    read: int = 0
    by_category: dict[str, int] = field(default_factory=dict)


def parse_day(text: str | None) -> datetime | None:
    """The start (Jakarta time) of a YYYY-MM-DD day; ValueError on another format."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since: expected YYYY-MM-DD, got {text!r}") from None
    return datetime.combine(day, time(0), JAKARTA)


def _flat(text: str) -> str:
    # One example per line reads better for people and tools alike.
    return " ".join(text.split())


def rows(session: Session, *, since: datetime | None = None) -> Iterator[LabelledExample]:
    """Every example that names a category, oldest first."""
    query = (select(LabelledExample).where(LabelledExample.category.is_not(None))
             .order_by(LabelledExample.created_at, LabelledExample.id))
    if since is not None:
        query = query.where(LabelledExample.created_at >= since)
    for row in session.execute(query).scalars():
        if _flat(row.text) and row.category:
            yield row


def examples(session: Session, *, since: datetime | None = None) -> Iterator[tuple[str, str]]:
    """(text, category) of every example that named a category, oldest first."""
    for row in rows(session, since=since):
        yield _flat(row.text), row.category or ""


def record_correction(session: Session, ticket: Ticket, user: ConsoleUser) -> None:
    """Keep an operator's correction of a ticket's category and place as a labelled example of
    the message that opened it (decision 'ticket_correction'; the latest word wins)."""
    if ticket.inbound_message_id is None:  # Open311: no SMS to learn from
        return
    message = session.get(InboundMessage, ticket.inbound_message_id)
    if message is None:
        return
    parse = message.parse or {}
    region = parse.get("region") or {}
    row = session.execute(select(LabelledExample).where(
        LabelledExample.inbound_message_id == message.id)).scalar_one_or_none()
    if row is None:
        row = LabelledExample(inbound_message_id=message.id, text=message.text or "")
        session.add(row)
    row.decision, row.category, row.user_id = "ticket", ticket.category, user.id
    row.source, row.actor, row.created_at = "ticket_correction", user.email, utcnow()
    row.region_code = ticket.region_code
    row.parser_category = parse.get("category")
    row.parser_region_code = region.get("code") if isinstance(region, dict) else None
    session.flush()


def export_csv(session: Session, path: Path, *, since: datetime | None = None) -> int:
    """Write the examples to a CSV file with a header; returns how many rows were written."""
    count = 0
    # citizens' texts: readable by the owner only, as the database is
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file was there before
    with open(fd, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for row in rows(session, since=since):
            writer.writerow((_flat(row.text), row.category, row.region_code or "", row.source,
                             row.actor or "", row.created_at.isoformat(timespec="seconds")))
            count += 1
    return count


def import_key(text: str, category: str, region: str) -> str:
    """An imported example's identity: the same text, category and region is one example."""
    return hashlib.sha256(f"{_flat(text)}\0{category}\0{region}".encode()).hexdigest()


def import_csv(session: Session, path: Path, *, categories: frozenset[str],
               known_region: Callable[[str], bool], actor: str) -> ImportReport:
    """Import `text,category[,region]` rows; all or nothing, and nothing twice.

    Raises LabelImportError naming every bad line (up to MAX_ERRORS) and imports nothing then.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = [f.strip() for f in reader.fieldnames or []]
            if "text" not in fields or "category" not in fields:
                raise LabelImportError(f"{path}: line 1: needs columns text,category "
                                       f"(optional region), found {','.join(fields) or 'none'}")
            reader.fieldnames = fields
            good, errors = _read_rows(reader, path, categories, known_region)
    except UnicodeDecodeError as exc:
        raise LabelImportError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise LabelImportError(f"{path}: not a CSV file ({exc})") from None
    if any("unknown category" in e for e in errors):
        errors.append(f"known categories: {', '.join(sorted(categories))}")
    if errors:
        more = f"\n... and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
        raise LabelImportError("\n".join(errors[:MAX_ERRORS]) + more)
    report = ImportReport(read=len(good))
    keys = {import_key(*row) for row in good}
    known = set(session.execute(select(LabelledExample.import_key).where(
        LabelledExample.import_key.in_(keys))).scalars()) if keys else set()
    for text, category, region in good:
        key = import_key(text, category, region)
        if key in known:
            report.known += 1
            continue
        known.add(key)
        session.add(LabelledExample(text=_flat(text), category=category,
                                    region_code=region or None, decision="import",
                                    source="import", actor=actor, import_key=key))
        report.added += 1
        report.by_category[category] = report.by_category.get(category, 0) + 1
    session.flush()
    return report


def _read_rows(reader: csv.DictReader[str], path: Path, categories: frozenset[str],
               known_region: Callable[[str], bool],
               ) -> tuple[list[tuple[str, str, str]], list[str]]:
    good: list[tuple[str, str, str]] = []
    errors: list[str] = []
    for row in reader:
        line = reader.line_num
        text = _flat(row.get("text") or "")
        category = (row.get("category") or "").strip()
        region = (row.get("region") or "").strip()
        if not text:
            errors.append(f"{path}: line {line}: empty text")
        elif category not in categories:
            errors.append(f"{path}: line {line}: unknown category {category!r}")
        elif region and not known_region(region):
            errors.append(f"{path}: line {line}: unknown region code {region!r}")
        else:
            good.append((text, category, region))
    return good, errors
