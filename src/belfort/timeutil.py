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
from datetime import UTC, datetime, timedelta

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
        raise ValueError(f"{value.isoformat()} lies outside the range of dates once converted to UTC") from None


def utc_in_range(value: datetime) -> datetime:
    """`value` as aware UTC if it lies within [EARLIEST, LATEST], else ValueError saying so."""
    with suppress(ValueError):
        utc = as_utc(value)
        if EARLIEST <= utc <= LATEST:
            return utc
    raise ValueError(f"give a moment between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)")


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
