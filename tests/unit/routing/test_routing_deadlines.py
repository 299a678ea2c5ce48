"""SP4N-LAPOR! deadlines in working days, with Indonesian holidays from `holidays`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import deadlines as dl
from routing import lifecycle as lc


def wib(y, m, d, hour=10):
    """Return a UTC datetime for hour:00 WIB (UTC+7) on that date."""
    return datetime(y, m, d, hour, tzinfo=UTC) - timedelta(hours=7)


def test_independence_day_is_not_a_working_day():
    assert not dl.is_working_day(date(2026, 8, 17))


def test_cuti_bersama_is_off_by_default():
    assert not dl.is_working_day(date(2026, 3, 20))


def test_cuti_bersama_can_be_counted_as_working():
    assert dl.is_working_day(date(2026, 3, 20), cuti_bersama=False)


def test_verification_deadline_skips_nyepi_and_idul_fitri_2026():
    # 18 Mar cuti bersama, 19 Nyepi, 20 cuti bersama, 21-22 Idul Fitri (weekend),
    # 23-24 cuti bersama: the three working days are 25, 26 and 27 March.
    assert dl.deadline_for(dl.VERIFIKASI, wib(2026, 3, 17)).due_date == date(2026, 3, 27)


def test_verification_deadline_without_cuti_bersama_skips_only_public_holidays():
    due = dl.deadline_for(dl.VERIFIKASI, wib(2026, 3, 17), cuti_bersama=False).due_date
    assert due == date(2026, 3, 23)


def test_response_deadline_skips_the_weekend_and_17_agustus():
    assert dl.deadline_for(dl.TINDAK_LANJUT, wib(2026, 8, 13)).due_date == date(2026, 8, 21)


def test_late_evening_utc_counts_from_the_next_jakarta_date():
    # 18:30 UTC on 13 Aug is 01:30 WIB on Friday 14 Aug.
    since = datetime(2026, 8, 13, 18, 30, tzinfo=UTC)
    assert dl.deadline_for(dl.TINDAK_LANJUT, since).due_date == date(2026, 8, 24)


def test_complaint_received_on_saturday_counts_from_monday():
    assert dl.deadline_for(dl.VERIFIKASI, wib(2026, 7, 4)).due_date == date(2026, 7, 8)


def test_auto_close_skips_christmas_and_its_cuti_bersama():
    assert dl.deadline_for(dl.TUTUP_OTOMATIS, wib(2026, 12, 14)).due_date == date(2026, 12, 30)


def test_deadline_ends_at_jakarta_midnight():
    due_at = dl.deadline_for(dl.TINDAK_LANJUT, wib(2026, 8, 13)).due_at
    assert due_at == datetime(2026, 8, 21, 17, 0, tzinfo=UTC)


def test_not_overdue_in_the_last_second_of_the_due_date():
    deadline = dl.deadline_for(dl.TINDAK_LANJUT, wib(2026, 8, 13))
    assert not deadline.is_overdue(deadline.due_at - timedelta(seconds=1))


def test_overdue_once_the_due_date_has_ended():
    deadline = dl.deadline_for(dl.TINDAK_LANJUT, wib(2026, 8, 13))
    assert deadline.is_overdue(deadline.due_at)


def test_working_days_late_skip_the_weekend_and_maulid():
    # Due Fri 21 Aug; 22-23 weekend, 24 Mon late day 1, 25 Maulid Nabi, 26 Wed late day 2.
    deadline = dl.deadline_for(dl.TINDAK_LANJUT, wib(2026, 8, 13))
    assert deadline.working_days_late(wib(2026, 8, 26)) == 2


def test_working_days_between_is_negative_backwards():
    assert dl.working_days_between(wib(2026, 8, 21), wib(2026, 8, 13)) == -5


@settings(max_examples=200, database=None, deadline=None)
@given(start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1),
                          timezones=st.just(UTC)),
       n=st.integers(min_value=0, max_value=25))
def test_working_days_between_undoes_add_working_days(start, n):
    assert dl.working_days_between(start, dl.add_working_days(start, n)) == n


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="has no time zone"):
        dl.deadline_for(dl.VERIFIKASI, datetime(2026, 8, 13, 10))


def test_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="unknown SLA stage 'respon'"):
        dl.deadline_for("respon", wib(2026, 8, 13))


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError, match="n must be 0 or more"):
        dl.add_working_days(date(2026, 8, 13), -1)


@pytest.mark.parametrize(("status", "stage"), [
    (lc.BELUM_TERVERIFIKASI, dl.VERIFIKASI), (lc.TERVERIFIKASI, dl.VERIFIKASI),
    (lc.TERDISPOSISI, dl.TINDAK_LANJUT), (lc.DIPROSES, dl.TINDAK_LANJUT),
    (lc.SELESAI, dl.TUTUP_OTOMATIS),
])
def test_status_runs_its_sla_clock(status, stage):
    assert dl.deadline_for_status(status, wib(2026, 8, 13)).stage == stage


@pytest.mark.parametrize("status", [lc.TERTUNDA, lc.ARSIP, lc.BUKAN_WEWENANG, lc.DIBATALKAN])
def test_status_without_sla_clock_has_no_deadline(status):
    assert dl.deadline_for_status(status, wib(2026, 8, 13)) is None


@settings(max_examples=300)
@given(since=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1),
                          timezones=st.just(UTC)),
       after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
       stage=st.sampled_from(sorted(dl.SLA_WORKING_DAYS)))
def test_overdue_cutoff_agrees_with_the_deadline(since, after, stage):
    now = since + after
    cutoff = dl.overdue_if_started_before(stage, now)
    assert (since < cutoff) == dl.deadline_for(stage, since).is_overdue(now)


def test_overdue_cutoff_across_ascension_day_2026():
    # Due by the end of Thu 21 May for a clock started on Tue 12 May (14-15 May are off):
    # at the very end of that day, clocks started up to the end of 12 May are overdue.
    now = datetime(2026, 5, 21, 17, 0, tzinfo=UTC)
    assert (dl.overdue_if_started_before(dl.TINDAK_LANJUT, now),
            dl.overdue_if_started_before(dl.TINDAK_LANJUT, now - timedelta(minutes=1))) == (
        datetime(2026, 5, 12, 17, 0, tzinfo=UTC), datetime(2026, 5, 11, 17, 0, tzinfo=UTC))


def test_overdue_cutoff_refuses_an_unknown_stage():
    with pytest.raises(ValueError, match="unknown SLA stage"):
        dl.overdue_if_started_before("later", datetime(2026, 5, 21, tzinfo=UTC))
