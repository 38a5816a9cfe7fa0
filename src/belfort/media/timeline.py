"""A camera's timeline: where footage exists, at the resolution the viewer can see.

The timeline page asks for any window from a year to a few seconds, `pixels` wide. A
year of 60-s segments is half a million rows, so above a few thousand segments the
database groups them per pixel (first start, last end) and only those groups come back;
below that the segments themselves are merged. Either way a pause shorter than a pixel
(and never shorter than the recorder's own tolerance) does not split a span. Only the
index is read here, never images: showing footage is a playback under the policy gate.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from belfort.db.functions import epoch_seconds
from belfort.media.models import Gap, MediaEvent, Segment
from belfort.media.recorder import RESUME_TOLERANCE
from belfort.media.recordings import MAX_ROWS, overlapping

EXACT_LIMIT = 4000
"""Up to this many segments in the window, spans are merged from the segments themselves."""
MAX_PIXELS = 4000
MAX_EVENTS = 500


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime


@dataclass
class Timeline:
    start: datetime
    end: datetime
    resolution: timedelta
    spans: list[Span]
    gaps: list[Gap]
    events: list[MediaEvent]
    first: datetime | None
    """The oldest footage of the camera, whatever the window."""
    last: datetime | None
    """The newest footage of the camera (up to the last fragment written)."""
    exact: bool
    """Spans were merged from every segment (False: grouped per pixel by the database)."""
    notes: list[str] = field(default_factory=list)


def merge_spans(pairs: Iterable[tuple[datetime, datetime]], tolerance: timedelta) -> list[Span]:
    """Merge (start, end) pairs, sorted by start, whose pause is at most `tolerance`."""
    spans: list[Span] = []
    for start, end in pairs:
        if spans and start - spans[-1].end <= tolerance:
            if end > spans[-1].end:
                spans[-1] = Span(spans[-1].start, end)
            continue
        spans.append(Span(start, end))
    return spans


def _in_window(camera_id: uuid.UUID, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """Closed segments overlapping [start, end), found with index seeks."""
    return [*overlapping(camera_id, start, end), Segment.state != "writing"]


def _segment_pairs(
    session: Session, camera_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    rows = session.execute(
        select(Segment.start_time, Segment.end_time)
        .where(*_in_window(camera_id, start, end))
        .order_by(Segment.start_time)
    ).all()
    return [(row[0], row[1]) for row in rows]


def _grouped_pairs(
    session: Session, camera_id: uuid.UUID, start: datetime, end: datetime, resolution: timedelta
) -> list[tuple[datetime, datetime]]:
    origin = start.timestamp()
    bucket = (epoch_seconds(Segment.start_time) - origin) / resolution.total_seconds()
    index = func.floor(bucket).label("bucket")
    rows = session.execute(
        select(func.min(Segment.start_time), func.max(Segment.end_time))
        .where(*_in_window(camera_id, start, end))
        .group_by(index)
        .order_by(index)
    ).all()
    return [(row[0], row[1]) for row in rows]


def _count(session: Session, camera_id: uuid.UUID, start: datetime, end: datetime, limit: int) -> int:
    """How many segments start in the window, counting no further than `limit + 1`."""
    inner = (
        select(Segment.id)
        .where(Segment.camera_id == camera_id, Segment.start_time >= start, Segment.start_time < end)
        .limit(limit + 1)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)


def _gaps(session: Session, camera_id: uuid.UUID, start: datetime, end: datetime, shortest: timedelta) -> list[Gap]:
    gaps = session.scalars(
        select(Gap)
        .where(Gap.camera_id == camera_id, Gap.start_time < end, or_(Gap.end_time.is_(None), Gap.end_time > start))
        .order_by(Gap.start_time)
        .limit(MAX_ROWS)
    ).all()
    return [g for g in gaps if g.end_time is None or g.end_time - g.start_time >= shortest]


def _events(session: Session, camera_id: uuid.UUID, start: datetime, end: datetime) -> list[MediaEvent]:
    return list(
        session.scalars(
            select(MediaEvent)
            .where(MediaEvent.camera_id == camera_id, MediaEvent.ts >= start, MediaEvent.ts < end)
            .order_by(MediaEvent.ts)
            .limit(MAX_EVENTS)
        )
    )


def _bounds(session: Session, camera_id: uuid.UUID) -> tuple[datetime | None, datetime | None]:
    first = session.scalar(
        select(Segment.start_time).where(Segment.camera_id == camera_id).order_by(Segment.start_time).limit(1)
    )
    last = session.scalar(
        select(Segment.end_time)
        .where(Segment.camera_id == camera_id, Segment.state != "writing")
        .order_by(Segment.start_time.desc())
        .limit(1)
    )
    return first, last


def camera_timeline(
    session: Session,
    camera_id: uuid.UUID,
    start: datetime,
    end: datetime,
    pixels: int,
    writing: tuple[datetime, datetime] | None = None,
) -> Timeline:
    """The camera's footage in [start, end) for a view `pixels` wide.

    `writing` is the span of the segment being recorded now (its row is completed only
    when it is closed), so the timeline reaches the last fragment on disk.
    """
    if end <= start:
        raise ValueError("the timeline's end must be after its start")
    pixels = max(1, min(pixels, MAX_PIXELS))
    resolution = (end - start) / pixels
    tolerance = max(resolution, RESUME_TOLERANCE)
    exact = _count(session, camera_id, start, end, EXACT_LIMIT) <= EXACT_LIMIT
    pairs = (
        _segment_pairs(session, camera_id, start, end)
        if exact
        else _grouped_pairs(session, camera_id, start, end, resolution)
    )
    if writing is not None and writing[0] < end and writing[1] > start:
        pairs.append(writing)
        pairs.sort()
    first, last = _bounds(session, camera_id)
    if writing is not None:
        first = min(first, writing[0]) if first else writing[0]
        last = max(last, writing[1]) if last else writing[1]
    return Timeline(
        start=start,
        end=end,
        resolution=resolution,
        spans=merge_spans(pairs, tolerance),
        gaps=_gaps(session, camera_id, start, end, resolution),
        events=_events(session, camera_id, start, end),
        first=first,
        last=last,
        exact=exact,
    )
