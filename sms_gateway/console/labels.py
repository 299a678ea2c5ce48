"""Operators' decisions as training data: the `text,category` CSV that `parser train` reads."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.deadlines import JAKARTA
from sms_gateway.store.console import LabelledExample

HEADER = ("text", "category")


def parse_day(text: str | None) -> datetime | None:
    """The start (Jakarta time) of a YYYY-MM-DD day; ValueError on another format."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since: expected YYYY-MM-DD, got {text!r}") from None
    return datetime.combine(day, time(0), JAKARTA)


def examples(session: Session, *, since: datetime | None = None) -> Iterator[tuple[str, str]]:
    """(text, category) of every decision that named a category, oldest first."""
    query = (select(LabelledExample.text, LabelledExample.category)
             .where(LabelledExample.category.is_not(None))
             .order_by(LabelledExample.created_at, LabelledExample.id))
    if since is not None:
        query = query.where(LabelledExample.created_at >= since)
    for text, category in session.execute(query):
        # One example per line reads better for people and tools alike.
        flat = " ".join(text.split())
        if flat and category:
            yield flat, category


def export_csv(session: Session, path: Path, *, since: datetime | None = None) -> int:
    """Write the examples to a CSV file with a header; returns how many rows were written."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for row in examples(session, since=since):
            writer.writerow(row)
            count += 1
    return count
