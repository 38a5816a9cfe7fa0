"""Time for all of Belfort: UTC, timezone-aware, end-exclusive ranges.

Every other module asks this one for "now" (through a `Clock`, so tests can move time)
and for conversions to and from text. Naive datetimes never leave this module: a naive
value read back from a database that drops the zone is UTC by construction. An instant
from outside (an API field, a form, a file) must lie within [EARLIEST, LATEST]: a date
near year 1 or 9999 would overflow in a conversion or in a day's arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from belfort.i18n import _

Clock = Callable[[], datetime]

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)
"""A day short of the largest datetime, so that a day can be added to any accepted instant."""


def utcnow() -> datetime:
    """The current time, UTC, timezone-aware, to the microsecond."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return `value` as an aware UTC datetime; a naive value is taken to be UTC already.
    Raises ValueError when the conversion leaves the datetime range (`0001-01-01T00:00+01:00`)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(
            _("{moment} lies outside the range of dates once converted to UTC", moment=value.isoformat())
        ) from None


def utc_in_range(value: datetime) -> datetime:
    """`value` as aware UTC if it lies within [EARLIEST, LATEST], else ValueError saying so."""
    with suppress(ValueError):
        utc = as_utc(value)
        if EARLIEST <= utc <= LATEST:
            return utc
    raise ValueError(
        _(
            "give a moment between {earliest} and {latest} (UTC)",
            earliest=EARLIEST.strftime("%Y-%m-%d"),
            latest=LATEST.strftime("%Y-%m-%d"),
        )
    )


def iso_utc(value: datetime) -> str:
    """Canonical text form used in hashes and APIs: `2026-11-21T10:00:00.000000Z`."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 timestamp; a value without zone is UTC. Raises ValueError, also
    for a moment outside [EARLIEST, LATEST]."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    return utc_in_range(datetime.fromisoformat(cleaned))


def is_real_local(value: datetime) -> bool:
    """Whether a wall-clock time exists in its zone (02:30 on the last Sunday of March does
    not in Brussels: the clocks jump from 02:00 to 03:00)."""
    return value.astimezone(UTC).astimezone(value.tzinfo).replace(tzinfo=None) == value.replace(tzinfo=None)


def parse_local(text: str, zone: tzinfo) -> datetime:
    """A time a person typed, read as wall-clock time in `zone` unless it names its offset
    (`2026-10-25T02:30+01:00`, or `Z` for UTC). In the hour that happens twice at the end of
    October, a time without offset is the first one (summer time); the offset picks the
    second. A time that does not exist (in the hour skipped in March) is a ValueError that
    says so, like a moment outside [EARLIEST, LATEST]. Returns aware UTC."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    parsed = datetime.fromisoformat(cleaned)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone, fold=0)
        if not is_real_local(parsed):
            raise ValueError(
                _(
                    "{moment} does not exist in {zone}: the clocks skip that hour; give a time outside it",
                    moment=parsed.strftime("%Y-%m-%d %H:%M"),
                    zone=str(zone),
                )
            )
    return utc_in_range(parsed)


def local_day(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of a calendar day in `zone`: 23 hours long on the day the
    clocks go forward, 25 on the day they go back."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return as_utc(start), as_utc(end)


def local_year(year: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of a calendar year in `zone`: from local midnight on
    1 January to local midnight on the next 1 January (23:00 UTC the day before in Brussels)."""
    return local_day(date(year, 1, 1), zone)[0], local_day(date(year + 1, 1, 1), zone)[0]


def local_text(moment: datetime, zone: tzinfo) -> str:
    """A moment as a person reads it in a message: `2026-12-22 13:00+01:00`, local to `zone`."""
    return moment.astimezone(zone).isoformat(sep=" ", timespec="minutes")


def days(n: float) -> timedelta:
    return timedelta(days=n)


class FrozenClock:
    """A clock that stands still until moved: for tests and backdated scenarios."""

    def __init__(self, start: datetime) -> None:
        self.now = as_utc(start)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now = self.now + delta
