"""SP4N-LAPOR! deadlines in Indonesian working days (pure; holidays from `holidays`).

Dates are Asia/Jakarta local dates of UTC-aware datetimes. A deadline of n working days
after a moment ends at the close (local midnight) of the nth working day after that
moment's local date: a complaint received on Monday with 3 days is due by the end of
Thursday. Weekends, public holidays and cuti bersama (joint leave days, when government
offices are closed) are not working days; cuti_bersama=False counts only public holidays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

from routing import lifecycle

JAKARTA = ZoneInfo("Asia/Jakarta")

VERIFIKASI = "verifikasi"          # verify and forward (disposisi) after receipt
TINDAK_LANJUT = "tindak_lanjut"    # the agency's response after disposition
TUTUP_OTOMATIS = "tutup_otomatis"  # automatic closing after selesai without a reply

SLA_WORKING_DAYS = MappingProxyType({VERIFIKASI: 3, TINDAK_LANJUT: 5, TUTUP_OTOMATIS: 10})
STAGE_BY_STATUS = MappingProxyType({
    lifecycle.BELUM_TERVERIFIKASI: VERIFIKASI,
    lifecycle.TERVERIFIKASI: VERIFIKASI,
    lifecycle.TERDISPOSISI: TINDAK_LANJUT,
    lifecycle.DIPROSES: TINDAK_LANJUT,
    lifecycle.SELESAI: TUTUP_OTOMATIS,
})


@cache
def _days_off(year: int, cuti_bersama: bool) -> frozenset[date]:
    categories = ("public", "government") if cuti_bersama else ("public",)
    return frozenset(holidays.country_holidays("ID", years=year, categories=categories))


def local_date(moment: datetime | date) -> date:
    """Return the Asia/Jakarta date of an aware datetime (a date is returned as is)."""
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime {moment.isoformat()} has no time zone; pass UTC-aware times")
    return moment.astimezone(JAKARTA).date()


def is_working_day(day: date, *, cuti_bersama: bool = True) -> bool:
    """Return True for a weekday that is neither a public holiday nor (by default) cuti bersama."""
    return day.weekday() < 5 and day not in _days_off(day.year, cuti_bersama)


def add_working_days(start: datetime | date, n: int, *, cuti_bersama: bool = True) -> date:
    """Return the local date of the nth working day after start's local date (n=0: that date)."""
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    day = local_date(start)
    while n:
        day += timedelta(days=1)
        if is_working_day(day, cuti_bersama=cuti_bersama):
            n -= 1
    return day


def working_days_between(start: datetime | date, end: datetime | date, *,
                         cuti_bersama: bool = True) -> int:
    """Count working days after start's local date up to end's (negative if end is earlier)."""
    first, last = local_date(start), local_date(end)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    count = sum(1 for k in range(1, (last - first).days + 1)
                if is_working_day(first + timedelta(days=k), cuti_bersama=cuti_bersama))
    return sign * count


def end_of_local_day(day: date) -> datetime:
    """Return the UTC instant at which the Jakarta day ends (the next local midnight)."""
    return datetime.combine(day + timedelta(days=1), time(0), JAKARTA).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Deadline:
    """When one stage of a ticket is due: the local due date and the UTC instant it ends."""

    stage: str
    since: datetime
    working_days: int
    due_date: date
    due_at: datetime
    cuti_bersama: bool = True

    def is_overdue(self, now: datetime) -> bool:
        """Return True once the due date has ended in Jakarta."""
        local_date(now)  # refuses naive datetimes
        return now >= self.due_at

    def working_days_late(self, now: datetime) -> int:
        """Return how many working days past the due date now is (0 if not late)."""
        return max(0, working_days_between(self.due_date, now, cuti_bersama=self.cuti_bersama))


def deadline_for(stage: str, since: datetime, *, cuti_bersama: bool = True) -> Deadline:
    """Return the deadline of an SLA stage that started at since (a UTC-aware datetime)."""
    if stage not in SLA_WORKING_DAYS:
        raise ValueError(f"unknown SLA stage {stage!r} (known: {', '.join(SLA_WORKING_DAYS)})")
    if not isinstance(since, datetime):
        raise TypeError("since must be a timezone-aware datetime")
    n = SLA_WORKING_DAYS[stage]
    due = add_working_days(since, n, cuti_bersama=cuti_bersama)
    return Deadline(stage, since, n, due, end_of_local_day(due), cuti_bersama)


def overdue_if_started_before(stage: str, now: datetime, *,
                              cuti_bersama: bool = True) -> datetime:
    """Return the instant before which a clock of this stage must have started to be overdue.

    `deadline_for(stage, since).is_overdue(now)` holds exactly when `since` is earlier than
    the returned instant, so a database can select overdue tickets with one comparison.
    A deadline depends only on the local date the clock started and grows with it: walk back
    from today to the latest start date whose due date has ended by now.
    """
    if stage not in SLA_WORKING_DAYS:
        raise ValueError(f"unknown SLA stage {stage!r} (known: {', '.join(SLA_WORKING_DAYS)})")
    n = SLA_WORKING_DAYS[stage]
    day = local_date(now)
    while end_of_local_day(add_working_days(day, n, cuti_bersama=cuti_bersama)) > now:
        day -= timedelta(days=1)
    return end_of_local_day(day)


def deadline_for_status(status: str, since: datetime, *,
                        cuti_bersama: bool = True) -> Deadline | None:
    """Return the deadline running while a ticket is in status since then, or None (no clock)."""
    stage = STAGE_BY_STATUS.get(status)
    if stage is None:
        if status not in lifecycle.ALLOWED_TRANSITIONS:
            raise ValueError(f"unknown ticket status {status!r}")
        return None
    return deadline_for(stage, since, cuti_bersama=cuti_bersama)
