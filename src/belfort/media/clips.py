"""Any recorded range of a camera as one MP4 file, without transcoding.

A clip is laid out from the index alone: the init segment (`ftyp`+`moov`) of the first
segment, then every fragment (one GOP each) that overlaps the range, in order. Each
fragment is copied as it is on disk except for its sequence number and decode time,
which move it onto one timeline starting at 0 (`retime_fragment`; same size). Because
sizes do not change, a byte range of the clip maps to byte ranges of segment files:
serving part of a clip reads only that part, however long the index.

The clip starts at the keyframe that opens the first overlapping fragment, at or before
the requested start, and ends with the fragment that holds the requested end: `start`
and `end` say exactly what is inside. A recording gap stays a gap on the clip's
timeline, unless the caller asks the clip to stop at the first gap (`stop_at_gap`, for
players, which would otherwise freeze for its length); `next_start` then says where
footage resumes. When the camera's codec parameters change, the clip stops before the
segment where they changed (`cut_at` says when), since one MP4 track has one set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from belfort.media.fmp4 import retime_fragment
from belfort.media.frames import TICKS_PER_SECOND
from belfort.media.index import FragmentEntry, unpack_fragments


class RecordedSegment(Protocol):
    """What a clip needs of a segment: an index row, or the segment a recorder is writing."""

    @property
    def id(self) -> object: ...
    @property
    def start_time(self) -> datetime: ...
    @property
    def end_time(self) -> datetime: ...
    @property
    def fragments(self) -> bytes: ...
    @property
    def codec(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...


@dataclass(frozen=True)
class SegmentView:
    """A segment as a recorder sees it while writing it: the fragments already on disk."""

    id: object
    start_time: datetime
    end_time: datetime
    fragments: bytes
    codec: str
    width: int
    height: int
    path: str
    """Relative to the storage root, as in the index."""


@dataclass(frozen=True)
class ClipPiece:
    clip_offset: int
    path: Path
    file_offset: int
    size: int
    sequence: int
    """The fragment's number in the clip; 0 for the init segment, copied as is."""
    shift: int
    """Ticks added to the fragment's decode time."""


@dataclass(frozen=True)
class ClipPlan:
    pieces: tuple[ClipPiece, ...]
    size: int
    start: datetime
    """The first frame's time: the keyframe at or before the requested start."""
    end: datetime
    frames: int
    segment_ids: tuple[str, ...]
    codec: str
    width: int
    height: int
    cut_at: datetime | None = None
    """When the clip stops before the requested end because the codec parameters changed."""
    next_start: datetime | None = None
    """With `stop_at_gap`: where footage resumes after the gap the clip stopped at."""


def _ticks(delta: timedelta) -> int:
    microseconds = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return microseconds * TICKS_PER_SECOND // 1_000_000


Span = tuple[FragmentEntry, datetime, datetime]


def _fragment_spans(segment: RecordedSegment, entries: list[FragmentEntry]) -> Iterator[Span]:
    for index, entry in enumerate(entries):
        begins = segment.start_time + timedelta(milliseconds=entry.start_ms)
        following = entries[index + 1] if index + 1 < len(entries) else None
        ends = segment.start_time + timedelta(milliseconds=following.start_ms) if following else segment.end_time
        yield entry, begins, ends


def _read(path: Path, offset: int, size: int) -> bytes:
    with path.open("rb") as file:
        data = os.pread(file.fileno(), size, offset)
    if len(data) < size:
        raise ValueError(f"{path.name} is shorter than the index says; run `belfort storage check`")
    return data


def _moof(path: Path, offset: int) -> bytearray:
    size = int.from_bytes(_read(path, offset, 4), "big")
    return bytearray(_read(path, offset, size))


def plan_clip(
    segments: Sequence[tuple[RecordedSegment, Path]],
    start: datetime,
    end: datetime,
    stop_at_gap: timedelta | None = None,
) -> ClipPlan:
    """Lay out the clip of [start, end) from `segments` (oldest first, with their file paths).

    Reads the init segment of the first segment, and the first bytes of later segments to
    find a change of codec parameters. With `stop_at_gap`, the clip ends before the first
    pause in the recording longer than that. ValueError when nothing recorded overlaps
    the range.
    """
    pieces: list[ClipPiece] = []
    size = frames = 0
    first_ticks: int | None = None
    init: bytes | None = None
    clip_start = clip_end = None
    used: list[str] = []
    cut_at: datetime | None = None
    next_start: datetime | None = None
    base: tuple[datetime, int] | None = None
    for segment, path in segments:
        entries = unpack_fragments(segment.fragments)
        chosen = [(e, b, x) for e, b, x in _fragment_spans(segment, entries) if b < end and x > start]
        if not chosen:
            continue
        segment_init = _read(path, 0, entries[0].offset)
        if init is None:
            init = segment_init
            pieces.append(ClipPiece(0, path, 0, len(init), 0, 0))
            size = len(init)
            first_ticks = retime_fragment(_moof(path, chosen[0][0].offset), 1, 0)
            base = (segment.start_time, first_ticks)
            clip_start = chosen[0][1]
        elif segment_init != init:
            cut_at = segment.start_time
            break
        assert base is not None
        shift = _ticks(segment.start_time - base[0]) - base[1]
        added = 0
        for entry, begins, ends in chosen:
            if stop_at_gap is not None and clip_end is not None and begins - clip_end > stop_at_gap:
                next_start = begins
                break
            pieces.append(ClipPiece(size, path, entry.offset, entry.size, len(pieces), shift))
            size += entry.size
            frames += entry.frames
            clip_end = ends
            added += 1
        if added:
            used.append(str(segment.id))
        if next_start is not None:
            break
    if init is None or clip_start is None or clip_end is None:
        raise ValueError("nothing was recorded in this range")
    first_segment = segments[[str(s.id) for s, _ in segments].index(used[0])][0]
    return ClipPlan(
        tuple(pieces),
        size,
        clip_start,
        clip_end,
        frames,
        tuple(used),
        first_segment.codec,
        first_segment.width,
        first_segment.height,
        cut_at,
        next_start,
    )


def read_clip(plan: ClipPlan, first: int = 0, last: int | None = None) -> Iterator[bytes]:
    """Bytes first..last (inclusive) of the clip, read piece by piece from the segment files."""
    last = plan.size - 1 if last is None else last
    for piece in plan.pieces:
        piece_end = piece.clip_offset + piece.size
        if piece_end <= first or piece.clip_offset > last:
            continue
        lo = max(first, piece.clip_offset) - piece.clip_offset
        hi = min(last + 1, piece_end) - piece.clip_offset
        moof_size = int.from_bytes(_read(piece.path, piece.file_offset, 4), "big") if piece.sequence else 0
        if lo >= moof_size:
            yield _read(piece.path, piece.file_offset + lo, hi - lo)
            continue
        data = bytearray(_read(piece.path, piece.file_offset, max(hi, moof_size)))
        retime_fragment(data, piece.sequence, piece.shift)
        yield bytes(data[lo:hi])
