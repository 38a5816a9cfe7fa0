"""The deadline arithmetic of data-subject requests and declarations: months to the same day
or the month's end, weekends and Belgian public holidays moved to the next working day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from belfort.dpo.deadlines import (
    Urgency,
    add_months,
    answer_due,
    belgian_public_holidays,
    easter,
    is_working_day,
    urgency,
)


def test_a_month_ends_on_the_same_day_or_the_last_day_of_a_shorter_month() -> None:
    assert add_months(date(2026, 3, 15), 1) == date(2026, 4, 15)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29), "a leap year"
    assert add_months(date(2026, 3, 31), 1) == date(2026, 4, 30)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15), "across the year's end"
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_easter_and_the_belgian_public_holidays() -> None:
    assert [easter(year) for year in (2024, 2025, 2026, 2027)] == [
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
    ]
    holidays = belgian_public_holidays(2026)
    assert len(holidays) == 10
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25), date(2026, 7, 21), date(2026, 11, 11)} <= holidays


def test_an_answer_due_on_a_weekend_or_holiday_moves_to_the_next_working_day() -> None:
    assert answer_due(date(2026, 3, 10), 1) == date(2026, 4, 10), "a Friday"
    assert answer_due(date(2026, 2, 28), 1) == date(2026, 3, 30), "28 March 2026 is a Saturday"
    assert answer_due(date(2026, 3, 6), 1) == date(2026, 4, 7), "6 April is Easter Monday"
    assert answer_due(date(2026, 6, 21), 1) == date(2026, 7, 22), "21 July is the National Day"
    assert answer_due(date(2026, 11, 30), 1) == date(2026, 12, 30)
    assert answer_due(date(2026, 10, 31), 1) == date(2026, 11, 30), "31 October + 1 month: 30 November, a Monday"
    assert answer_due(date(2026, 1, 31), 3) == date(2026, 4, 30), "extended: three months in all"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.integers(min_value=1, max_value=3))
def test_a_deadline_is_a_working_day_within_a_week_after_the_calendar_date(received: date, months: int) -> None:
    due = answer_due(received, months)
    plain = add_months(received, months)
    assert is_working_day(due) and plain <= due < plain + timedelta(days=7)
    assert due > received


def test_urgency_counts_the_due_day_itself_as_in_time() -> None:
    due = date(2026, 12, 21)
    assert urgency(due, date(2026, 12, 1), 7) is Urgency.OK
    assert urgency(due, date(2026, 12, 14), 7) is Urgency.DUE_SOON
    assert urgency(due, due, 7) is Urgency.DUE_SOON
    assert urgency(due, date(2026, 12, 22), 7) is Urgency.OVERDUE
