"""Conversions never overflow: a moment the calendar cannot hold in UTC is a ValueError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belfort.timeutil import EARLIEST, LATEST, as_utc, local_year, parse_iso, utc_in_range

OFFSETS = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59))
MOMENTS = st.builds(lambda moment, offset: moment.replace(tzinfo=timezone(offset)), st.datetimes(), OFFSETS)


@given(MOMENTS)
def test_as_utc_gives_the_same_instant_in_utc_or_a_value_error(moment: datetime) -> None:
    try:
        converted = as_utc(moment)
    except ValueError:
        assert moment.year in (1, 9999)
        return
    assert converted.tzinfo is UTC and converted == moment


@given(MOMENTS)
def test_utc_in_range_accepts_exactly_the_moments_between_earliest_and_latest(moment: datetime) -> None:
    try:
        converted = utc_in_range(moment)
    except ValueError as refused:
        assert "between 1970-01-01 and 9999-12-30" in str(refused)
        assert moment.year in (1, 9999) or not EARLIEST <= moment <= LATEST
        return
    assert EARLIEST <= converted <= LATEST and converted.tzinfo is UTC


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_moment_past_the_calendar_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="outside the range of dates"):
        as_utc(datetime.fromisoformat(text))
    with pytest.raises(ValueError, match="between 1970-01-01 and 9999-12-30"):
        parse_iso(text)


def test_the_range_ends_are_accepted_and_a_microsecond_beyond_is_not() -> None:
    assert utc_in_range(EARLIEST) == EARLIEST and utc_in_range(LATEST) == LATEST
    assert parse_iso("1970-01-01T00:00:00Z") == EARLIEST
    assert utc_in_range(datetime(2026, 11, 21, 10)) == datetime(2026, 11, 21, 10, tzinfo=UTC), "naive is UTC"
    for beyond in (EARLIEST - timedelta(microseconds=1), LATEST + timedelta(microseconds=1)):
        with pytest.raises(ValueError):
            utc_in_range(beyond)
    assert LATEST + timedelta(days=1) == datetime.max.replace(tzinfo=UTC)


@given(st.integers(min_value=1971, max_value=9000))
def test_a_local_year_starts_at_local_midnight_on_1_january(year: int) -> None:
    brussels = ZoneInfo("Europe/Brussels")
    start, end = local_year(year, brussels)
    assert start.astimezone(brussels) == datetime(year, 1, 1, tzinfo=brussels)
    assert end.astimezone(brussels) == datetime(year + 1, 1, 1, tzinfo=brussels)
    assert start.tzinfo is UTC and start.hour == 23 and start.year == year - 1  # winter time: UTC+1
