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

import bisect
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from belfort.i18n import _
from belfort.media.fmp4 import retime_fragment
from belfort.media.frames import TICKS_PER_SECOND
from belfort.media.index import FRAGMENT, FragmentEntry, unpack_fragments


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
    def frames(self) -> int: ...
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
    frames: int
    codec: str
    width: int
    height: int
    path: str
    """Relative to the storage root, as in the index."""


class SegmentFile(Protocol):
    """Where a segment's bytes are read from: a file of this node, or the node that holds it."""

    @property
    def name(self) -> str: ...

    def read(self, offset: int, size: int) -> bytes:
        """Up to `size` bytes from `offset` (fewer only at the end of the file)."""
        ...


@dataclass(frozen=True)
class LocalFile:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    def read(self, offset: int, size: int) -> bytes:
        with self.path.open("rb") as file:
            return os.pread(file.fileno(), size, offset)


@dataclass(frozen=True)
class ClipPiece:
    """A run of bytes of one segment file in the clip: its init segment, or consecutive fragments."""

    clip_offset: int
    source: SegmentFile
    file_offset: int
    size: int
    sequence: int
    """The first fragment's number in the clip; 0 for the init segment, copied as is."""
    shift: int
    """Ticks added to each fragment's decode time."""
    fragments: bytes = b""
    """The index entries of the run's fragments, unpacked only when the run is read."""

    def parts(self) -> Iterator[tuple[int, int, int, int]]:
        """(clip offset, file offset, size, sequence) of each fragment of the run."""
        for index, entry in enumerate(unpack_fragments(self.fragments)):
            yield self.clip_offset + entry.offset - self.file_offset, entry.offset, entry.size, self.sequence + index


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


def _read(source: SegmentFile, offset: int, size: int) -> bytes:
    data = source.read(offset, size)
    if len(data) < size:
        raise ValueError(_("{file} is shorter than the index says; run `belfort storage check`", file=source.name))
    return data


def _moof(source: SegmentFile, offset: int) -> bytearray:
    size = int.from_bytes(_read(source, offset, 4), "big")
    return bytearray(_read(source, offset, size))


def _chosen(
    segment: RecordedSegment, start: datetime, end: datetime
) -> tuple[int, int, datetime, datetime, int] | None:
    """The segment's fragments in [start, end): (first, stop) indexes, when the first begins
    and the last ends, frames. Only a segment the range cuts has its fragments unpacked."""
    count = len(segment.fragments) // FRAGMENT.size
    if count == 0 or segment.start_time >= end or segment.end_time <= start:
        return None
    if start <= segment.start_time and segment.end_time <= end:
        return 0, count, segment.start_time, segment.end_time, segment.frames
    entries = unpack_fragments(segment.fragments)
    inside = [(i, b, x) for i, (_, b, x) in enumerate(_fragment_spans(segment, entries)) if b < end and x > start]
    if not inside:
        return None
    frames = sum(entries[i].frames for i, _, _ in inside)
    return inside[0][0], inside[-1][0] + 1, inside[0][1], inside[-1][2], frames


def _entry(segment: RecordedSegment, index: int) -> FragmentEntry:
    return FragmentEntry(*FRAGMENT.unpack_from(segment.fragments, index * FRAGMENT.size))


def plan_clip(
    segments: Sequence[tuple[RecordedSegment, SegmentFile | Path]],
    start: datetime,
    end: datetime,
    stop_at_gap: timedelta | None = None,
) -> ClipPlan:
    """Lay out the clip of [start, end) from `segments` (oldest first, with their file paths).

    One piece per segment: reads the init segment of each (to find a change of codec
    parameters) and the first fragment's header, and unpacks the fragment index only of
    the segments the range cuts. With `stop_at_gap`, the clip ends before the first pause
    in the recording longer than that. ValueError when nothing recorded overlaps the range.
    """
    pieces: list[ClipPiece] = []
    size = frames = sequence = 0
    init: bytes | None = None
    clip_start: datetime | None = None
    clip_end: datetime | None = None
    used: list[RecordedSegment] = []
    cut_at: datetime | None = None
    next_start: datetime | None = None
    base: tuple[datetime, int] | None = None
    for segment, where in segments:
        path = LocalFile(where) if isinstance(where, Path) else where
        chosen = _chosen(segment, start, end)
        if chosen is None:
            continue
        first, stop, begins, ends, count = chosen
        if stop_at_gap is not None and clip_end is not None and begins - clip_end > stop_at_gap:
            next_start = begins
            break
        head = _entry(segment, 0)
        segment_init = _read(path, 0, head.offset)
        if init is None:
            init = segment_init
            pieces.append(ClipPiece(0, path, 0, len(init), 0, 0))
            size = len(init)
            base = (segment.start_time, retime_fragment(_moof(path, _entry(segment, first).offset), 1, 0))
            clip_start = begins
        elif segment_init != init:
            cut_at = segment.start_time
            break
        assert base is not None
        opening, closing = _entry(segment, first), _entry(segment, stop - 1)
        run = closing.offset + closing.size - opening.offset
        blob = segment.fragments[first * FRAGMENT.size : stop * FRAGMENT.size]
        shift = _ticks(segment.start_time - base[0]) - base[1]
        pieces.append(ClipPiece(size, path, opening.offset, run, sequence + 1, shift, blob))
        size += run
        sequence += stop - first
        frames += count
        clip_end = ends
        used.append(segment)
    if init is None or clip_start is None or clip_end is None:
        raise ValueError(_("nothing was recorded in this range"))
    return ClipPlan(
        tuple(pieces),
        size,
        clip_start,
        clip_end,
        frames,
        tuple(str(s.id) for s in used),
        used[0].codec,
        used[0].width,
        used[0].height,
        cut_at,
        next_start,
    )


def read_clip(plan: ClipPlan, first: int = 0, last: int | None = None) -> Iterator[bytes]:
    """Bytes first..last (inclusive) of the clip, read from the segment files.

    Finds the first piece by bisection, so a range late in a long clip costs no more
    than one at its start."""
    last = plan.size - 1 if last is None else last
    index = max(0, bisect.bisect_right(plan.pieces, first, key=lambda piece: piece.clip_offset) - 1)
    for piece in plan.pieces[index:]:
        if piece.clip_offset > last:
            break
        if piece.clip_offset + piece.size <= first:
            continue
        if piece.sequence == 0:
            lo = max(first, piece.clip_offset) - piece.clip_offset
            hi = min(last + 1, piece.clip_offset + piece.size) - piece.clip_offset
            yield _read(piece.source, piece.file_offset + lo, hi - lo)
            continue
        for clip_offset, file_offset, part_size, part_sequence in piece.parts():
            if clip_offset + part_size <= first:
                continue
            if clip_offset > last:
                break
            yield _fragment_bytes(piece, clip_offset, file_offset, part_size, part_sequence, first, last)


def _fragment_bytes(
    piece: ClipPiece, clip_offset: int, file_offset: int, size: int, sequence: int, first: int, last: int
) -> bytes:
    """The part of one fragment that falls in first..last, renumbered and moved in time."""
    lo = max(first, clip_offset) - clip_offset
    hi = min(last + 1, clip_offset + size) - clip_offset
    moof_size = int.from_bytes(_read(piece.source, file_offset, 4), "big")
    if lo >= moof_size:
        return _read(piece.source, file_offset + lo, hi - lo)
    data = bytearray(_read(piece.source, file_offset, max(hi, moof_size)))
    retime_fragment(data, sequence, piece.shift)
    return bytes(data[lo:hi])
