"""The anomalies the supervisor dashboard flags, computed from plain values: no I/O.

Four flags, each with a rule a team chief can check by hand (the thresholds are settings,
`[staffing]`, documented in docs/live-designations.md):

- outside the shift: a live look (a stream opened, a snapshot) at a moment none of the
  person's shifts covered, within the window looked back over; or a stream open now while
  no shift of theirs is under way;
- unusual volume: more distinct cameras watched in the last hour than both a floor and a
  factor times the person's usual hour (the median, over the hours they watched in the
  baseline days before, of the distinct cameras of each hour);
- many refusals: that many refusals of the gate, of any kind, in the last hour;
- a long session: one stream of one camera open longer than the threshold, open now or
  closed within the window.

The service (`belfort.staffing.supervision`) reads the audit log, the shifts and the streams
open now after the gate allowed the look; this module only weighs them.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from belfort.i18n import Message, _, _n
from belfort.timeutil import local_text

HOUR = timedelta(hours=1)


class Flag(StrEnum):
    OUTSIDE_SHIFT = "outside_shift"
    VOLUME = "volume"
    REFUSALS = "refusals"
    LONG_SESSION = "long_session"


FLAG_WORDS: dict[Flag, Message] = {
    Flag.OUTSIDE_SHIFT: _("Outside their shift"),
    Flag.VOLUME: _("Unusual volume"),
    Flag.REFUSALS: _("Many refusals"),
    Flag.LONG_SESSION: _("Long session"),
}
"""Each flag as a badge shows it."""


@dataclass(frozen=True)
class Look:
    """A granted live look from the audit log: a stream opened or a snapshot."""

    person_id: str
    person: str
    camera_id: str
    camera: str
    at: datetime


@dataclass(frozen=True)
class Stream:
    """One stream of one camera by one person: open now (`end` None) or closed."""

    person_id: str
    person: str
    camera_id: str
    camera: str
    start: datetime
    end: datetime | None = None


@dataclass(frozen=True)
class Duty:
    """A shift of a person, [start, end)."""

    person_id: str
    start: datetime
    end: datetime

    def covers(self, person_id: str, moment: datetime) -> bool:
        return self.person_id == person_id and self.start <= moment < self.end


@dataclass(frozen=True)
class Refused:
    """A refusal of the gate from the audit log."""

    person_id: str
    person: str
    at: datetime


@dataclass(frozen=True)
class Limits:
    window: timedelta
    refusals_per_hour: int
    long_session: timedelta
    volume_min_cameras: int
    volume_factor: float
    zone: tzinfo


@dataclass(frozen=True)
class Anomaly:
    flag: Flag
    person_id: str
    person: str
    sentence: Message
    camera_id: str = ""
    """The camera of a stream open now that the flag is about, so its row can show it."""


def _on_duty(duties: Sequence[Duty], person_id: str, moment: datetime) -> bool:
    return any(duty.covers(person_id, moment) for duty in duties)


def outside_shift(
    looks: Iterable[Look], streams: Iterable[Stream], duties: Sequence[Duty], now: datetime, limits: Limits
) -> list[Anomaly]:
    """Streams open now by someone off duty (one flag each), and per person the looks within
    the window at moments none of their shifts covered."""
    found = [
        Anomaly(
            Flag.OUTSIDE_SHIFT,
            stream.person_id,
            stream.person,
            _(
                "{person} is watching {camera} live now, outside their shift.",
                person=stream.person,
                camera=stream.camera,
            ),
            stream.camera_id,
        )
        for stream in streams
        if stream.end is None and not _on_duty(duties, stream.person_id, now)
    ]
    off: dict[str, list[Look]] = defaultdict(list)
    for look in looks:
        if now - limits.window <= look.at <= now and not _on_duty(duties, look.person_id, look.at):
            off[look.person_id].append(look)
    for person_looks in off.values():
        latest = max(person_looks, key=lambda look: look.at)
        found.append(
            Anomaly(
                Flag.OUTSIDE_SHIFT,
                latest.person_id,
                latest.person,
                _n(
                    "{person} watched live outside their shift {count} time in the last {hours} hours; the latest: "
                    "{camera} at {moment}.",
                    "{person} watched live outside their shift {count} times in the last {hours} hours; the latest: "
                    "{camera} at {moment}.",
                    len(person_looks),
                    person=latest.person,
                    hours=round(limits.window / HOUR),
                    camera=latest.camera,
                    moment=local_text(latest.at, limits.zone),
                ),
            )
        )
    return found


def usual_cameras_per_hour(looks: Iterable[Look]) -> float:
    """The median, over the clock hours with at least one look, of the distinct cameras of
    each hour; 0 without any look."""
    hours: dict[datetime, set[str]] = defaultdict(set)
    for look in looks:
        hours[look.at.replace(minute=0, second=0, microsecond=0)].add(look.camera_id)
    return float(statistics.median(len(cameras) for cameras in hours.values())) if hours else 0.0


def unusual_volume(looks: Iterable[Look], now: datetime, limits: Limits) -> list[Anomaly]:
    """People who watched more distinct cameras in the last hour than the floor and than
    the factor times their usual hour (measured on their looks before the last hour)."""
    recent: dict[str, set[str]] = defaultdict(set)
    before: dict[str, list[Look]] = defaultdict(list)
    names: dict[str, str] = {}
    for look in looks:
        if look.at > now:
            continue
        names[look.person_id] = look.person
        if look.at >= now - HOUR:
            recent[look.person_id].add(look.camera_id)
        else:
            before[look.person_id].append(look)
    found = []
    for person_id, cameras in recent.items():
        usual = usual_cameras_per_hour(before[person_id])
        if len(cameras) >= limits.volume_min_cameras and len(cameras) > limits.volume_factor * usual:
            found.append(
                Anomaly(
                    Flag.VOLUME,
                    person_id,
                    names[person_id],
                    _(
                        "{person} watched {count} different cameras in the last hour, against {usual} in their "
                        "usual hour.",
                        person=names[person_id],
                        count=len(cameras),
                        usual=format(usual, "g"),
                    ),
                )
            )
    return found


def many_refusals(refusals: Iterable[Refused], now: datetime, limits: Limits) -> list[Anomaly]:
    """People refused at least the threshold's number of times in the last hour."""
    counts: dict[str, list[Refused]] = defaultdict(list)
    for refused in refusals:
        if now - HOUR <= refused.at <= now:
            counts[refused.person_id].append(refused)
    return [
        Anomaly(
            Flag.REFUSALS,
            person_id,
            found[0].person,
            _n(
                "{person} was refused {count} time in the last hour.",
                "{person} was refused {count} times in the last hour.",
                len(found),
                person=found[0].person,
            ),
        )
        for person_id, found in counts.items()
        if len(found) >= limits.refusals_per_hour
    ]


def long_sessions(streams: Iterable[Stream], now: datetime, limits: Limits) -> list[Anomaly]:
    """Streams open longer than the threshold: open now, or closed within the window."""
    found = []
    for stream in streams:
        end = stream.end or now
        minutes = int((end - stream.start) / timedelta(minutes=1))
        if end - stream.start < limits.long_session or (stream.end is not None and stream.end < now - limits.window):
            continue
        if stream.end is None:
            sentence = _(
                "{person} has been watching {camera} for {minutes} minutes without a break.",
                person=stream.person,
                camera=stream.camera,
                minutes=minutes,
            )
        else:
            sentence = _(
                "{person} watched {camera} for {minutes} minutes without a break, until {moment}.",
                person=stream.person,
                camera=stream.camera,
                minutes=minutes,
                moment=local_text(stream.end, limits.zone),
            )
        found.append(
            Anomaly(
                Flag.LONG_SESSION, stream.person_id, stream.person, sentence, stream.camera_id if not stream.end else ""
            )
        )
    return found


def anomalies(
    looks: Sequence[Look],
    streams: Sequence[Stream],
    duties: Sequence[Duty],
    refusals: Sequence[Refused],
    now: datetime,
    limits: Limits,
) -> list[Anomaly]:
    """Every flag, by person and then by kind. `looks` reach back over the baseline days (the
    usual hour is measured on them); `streams` are those open now and those closed recently;
    `duties` the shifts overlapping the window."""
    found = (
        outside_shift(looks, streams, duties, now, limits)
        + unusual_volume(looks, now, limits)
        + many_refusals(refusals, now, limits)
        + long_sessions(streams, now, limits)
    )
    order = list(Flag)
    return sorted(found, key=lambda anomaly: (anomaly.person, order.index(anomaly.flag)))
