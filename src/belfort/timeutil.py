"""Time for all of Belfort: UTC, timezone-aware, end-exclusive ranges.

Every other module asks this one for "now" (through a `Clock`, so tests can move time)
and for conversions to and from text. Naive datetimes never leave this module: a naive
value read back from a database that drops the zone is UTC by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, UTC, timezone-aware, to the microsecond."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return `value` as an aware UTC datetime; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso_utc(value: datetime) -> str:
    """Canonical text form used in hashes and APIs: `2026-11-21T10:00:00.000000Z`."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 timestamp; a value without zone is UTC. Raises ValueError."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    return as_utc(datetime.fromisoformat(cleaned))


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
