"""The recorder: writes each camera's frames into crash-safe fragmented MP4 segments.

A segment file starts with an init segment (ftyp+moov) and grows by one fragment
(moof+mdat) per GOP, written and flushed as soon as the next keyframe closes the GOP.
A kill at any moment therefore loses at most the GOP in memory, and the file up to its
last complete fragment stays playable. Files are cut at the first keyframe after the
target length (or when the codec parameters change), fsync'ed and indexed. Frames are
copied, never decoded or re-encoded.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import BinaryIO

from sqlalchemy import delete

from belfort.media.clips import SegmentView
from belfort.media.fmp4 import Sample, TrackInfo, init_segment, media_fragment
from belfort.media.frames import TICKS_PER_SECOND, Frame
from belfort.media.index import FragmentEntry, IndexWriter, pack_fragments
from belfort.media.models import Segment
from belfort.media.storage import Storage

log = logging.getLogger(__name__)

RESUME_TOLERANCE = timedelta(seconds=2)
"""A pause shorter than this between two recordings is not reported as a gap."""


@dataclass
class _OpenSegment:
    id: uuid.UUID
    relative: str
    file: BinaryIO
    track: TrackInfo
    start: datetime
    base_dts: int
    size: int
    sequence: int = 0
    frames: int = 0
    keyframes: int = 0
    end: datetime | None = None
    fragments: list[FragmentEntry] = field(default_factory=list)


class SegmentRecorder:
    """Consumes one camera's frames; one instance per camera, called from its ingest thread."""

    def __init__(
        self,
        camera_id: uuid.UUID,
        storage: Storage,
        index: IndexWriter,
        segment_seconds: int = 60,
        resume_after: datetime | None = None,
        open_gap: bool = False,
        may_write: Callable[[], bool] = lambda: True,
    ) -> None:
        self.camera_id = camera_id
        self.storage = storage
        self.index = index
        self.segment_ticks = segment_seconds * TICKS_PER_SECOND
        self._segment: _OpenSegment | None = None
        self._gop: list[Frame] = []
        self._last_duration = TICKS_PER_SECOND // 20
        self._resume_after = resume_after
        self._gap_open = open_gap
        self._may_write = may_write
        self._written_until = resume_after
        self._lock = threading.Lock()

    # -- FrameConsumer ----------------------------------------------------------------

    def on_frame(self, camera_id: str, frame: Frame) -> None:
        with self._lock:
            if not self._may_write():  # the node's hold on the camera ran out: another may record it now
                self._gop = []
                self._close_segment()
                return
            if frame.keyframe and self._gop:
                self._write_gop(frame.dts, frame.wallclock)
            if frame.keyframe and self._needs_new_segment(frame):
                self._close_segment()
                self._open_segment(frame)
            if self._segment is not None:
                self._gop.append(frame)

    def on_disconnect(self, camera_id: str, at: datetime, reason: str) -> None:
        with self._lock:
            end = self._finish()
            start = end or at
            if not self._gap_open:
                self.index.gap(self.camera_id, start, None, "camera_offline", reason)
                self._gap_open = True
            self._resume_after = None

    def writing(self) -> SegmentView | None:
        """The segment being written, up to its last complete fragment (flushed to the file),
        so playback reaches the last GOP instead of the last closed segment."""
        with self._lock:
            segment = self._segment
            if segment is None or not segment.fragments or segment.end is None:
                return None
            return SegmentView(
                segment.id,
                segment.start,
                segment.end,
                pack_fragments(segment.fragments),
                segment.frames,
                segment.track.codec_string(),
                segment.track.width,
                segment.track.height,
                segment.relative,
            )

    def written_until(self) -> datetime | None:
        """The end of the footage written to disk so far (or where this recording resumed)."""
        with self._lock:
            return self._written_until

    def close(self, reason: str = "recorder stopped") -> None:
        """Flush what is buffered and close the file (clean shutdown)."""
        with self._lock:
            self._finish()

    # -- internals --------------------------------------------------------------------

    def _finish(self) -> datetime | None:
        if self._gop:
            self._write_gop(self._gop[-1].dts + self._last_duration)
        segment = self._segment
        self._close_segment()
        return segment.end if segment else None

    def _needs_new_segment(self, frame: Frame) -> bool:
        segment = self._segment
        if segment is None:
            return True
        return frame.track != segment.track or frame.dts - segment.base_dts >= self.segment_ticks

    def _open_segment(self, frame: Frame) -> None:
        if self._gap_open:
            self.index.close_open_gap(self.camera_id, frame.wallclock)
            self._gap_open = False
        elif self._resume_after is not None and frame.wallclock - self._resume_after > RESUME_TOLERANCE:
            self.index.gap(self.camera_id, self._resume_after, frame.wallclock, "recorder_down")
        self._resume_after = None
        segment_id = uuid.uuid4()
        relative = Storage.relative_path(self.camera_id, segment_id, frame.wallclock)
        path = self.storage.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("wb")
        header = init_segment(frame.track)
        handle.write(header)
        handle.flush()
        self._segment = _OpenSegment(
            id=segment_id,
            relative=relative,
            file=handle,
            track=frame.track,
            start=frame.wallclock,
            base_dts=frame.dts,
            size=len(header),
        )
        self.index.segment_opened(
            Segment(
                id=segment_id,
                camera_id=self.camera_id,
                storage_id=self.storage.id,
                path=relative,
                state="writing",
                start_time=frame.wallclock,
                end_time=frame.wallclock,
                bytes=len(header),
                frames=0,
                keyframes=0,
                codec=frame.track.codec_string(),
                width=frame.track.width,
                height=frame.track.height,
                fragments=b"",
            )
        )

    def _write_gop(self, next_dts: int, next_wall: datetime | None = None) -> None:
        """Write the buffered GOP as one fragment; it lasts until the next frame (or one
        frame duration when the stream ended)."""
        segment = self._segment
        frames, self._gop = self._gop, []
        if segment is None or not frames:
            return
        samples = []
        for current, following in zip(frames, [*frames[1:], None], strict=True):
            duration = (following.dts if following else next_dts) - current.dts
            if duration <= 0:
                duration = self._last_duration
            self._last_duration = duration
            samples.append(
                Sample(current.data, duration, current.keyframe, composition_offset=current.pts - current.dts)
            )
        segment.sequence += 1
        fragment = media_fragment(segment.sequence, frames[0].dts - segment.base_dts, samples)
        offset = segment.size
        segment.file.write(fragment)
        segment.file.flush()
        segment.size += len(fragment)
        segment.frames += len(frames)
        segment.keyframes += sum(1 for f in frames if f.keyframe)
        segment.end = next_wall or frames[-1].wallclock + timedelta(
            microseconds=samples[-1].duration * 1_000_000 // TICKS_PER_SECOND
        )
        self._written_until = segment.end
        start_ms = (frames[0].dts - segment.base_dts) * 1000 // TICKS_PER_SECOND
        segment.fragments.append(FragmentEntry(offset, len(fragment), start_ms, len(frames)))

    def _close_segment(self) -> None:
        segment, self._segment = self._segment, None
        if segment is None:
            return
        try:
            segment.file.flush()
            os.fsync(segment.file.fileno())
        finally:
            segment.file.close()
        if segment.frames == 0:
            self.storage.path(segment.relative).unlink(missing_ok=True)
            self.index.submit(lambda session: session.execute(delete(Segment).where(Segment.id == segment.id)))
            return
        self.index.segment_closed(
            segment.id,
            segment.end or segment.start,
            segment.size,
            segment.frames,
            segment.keyframes,
            segment.fragments,
        )
