"""Importing a recorded video file (a drone's MP4 or MKV) as a camera's footage, without transcoding.

A drone records on board; its pilot hands the file over after the flight. The file is
demuxed with PyAV, each H.264/H.265 packet assembled into a frame exactly as a camera's
(`FrameAssembler`), stamped with wall-clock times counted from the moment the recording
started, and written by the recorder into the usual segment files and index rows, so
playback, export, holds and retention treat it like any other footage. The index rows are
written in the caller's transaction (with the record of who imported it); if that
transaction is rolled back, the files written are deleted again, so no footage is left that
no row and no record account for. Nothing is decoded.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

import av
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from belfort.errors import InvalidInput
from belfort.i18n import _
from belfort.media.frames import RawPacket, StreamInfo
from belfort.media.index import IndexWriter, Operation
from belfort.media.ingest import FrameAssembler
from belfort.media.models import Segment
from belfort.media.recorder import SegmentRecorder
from belfort.media.sources import CODECS
from belfort.media.storage import Storage

CONTAINERS = ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm")
"""What PyAV calls MP4 and MKV: the files a drone or its app writes."""

VideoSource = Path | IO[bytes]


class _SessionIndex(IndexWriter):
    """The recorder's index writes, applied at once in the caller's session (no thread),
    remembering the segments it opened."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.opened: list[tuple[uuid.UUID, str]] = []

    def submit(self, operation: Operation) -> None:
        operation(self._session)

    def segment_opened(self, segment: Segment) -> None:
        self.opened.append((segment.id, segment.path))
        super().segment_opened(segment)


@dataclass(frozen=True)
class VideoFile:
    """What the container says of a video before anything is written."""

    codec: str
    width: int
    height: int
    duration: timedelta


@dataclass
class ImportedVideo:
    """The footage one file became: its range, and the segment files written."""

    start: datetime
    end: datetime
    frames: int
    paths: list[Path] = field(default_factory=list)

    @property
    def segments(self) -> int:
        return len(self.paths)

    def remove(self) -> None:
        """Delete the files written, when the transaction that indexed them did not commit."""
        for path in self.paths:
            path.unlink(missing_ok=True)


def _unreadable() -> InvalidInput:
    return InvalidInput(
        _("video: the file is not an MP4 or MKV video that can be read; choose the flight's video file")
    )


@contextlib.contextmanager
def _opened(source: VideoSource) -> Iterator[tuple[Any, Any]]:
    if not isinstance(source, Path) and hasattr(source, "seek"):
        source.seek(0)
    try:
        container = av.open(str(source) if isinstance(source, Path) else source, "r")
    except (av.FFmpegError, OSError, ValueError):
        raise _unreadable() from None
    try:
        if container.format.name not in CONTAINERS or not container.streams.video:
            raise _unreadable()
        yield container, container.streams.video[0]
    finally:
        container.close()


def probe(source: VideoSource) -> VideoFile:
    """The codec, size and length of a video file, or InvalidInput saying what is wrong."""
    with _opened(source) as (container, stream):
        name = stream.codec_context.name
        if name not in CODECS:
            raise InvalidInput(
                _(
                    "video: the file holds {codec} video; Belfort keeps footage as it was recorded, without "
                    "converting it, in H.264 or H.265 only",
                    codec=name,
                )
            )
        if stream.duration is not None and stream.time_base is not None:
            seconds = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            seconds = container.duration / av.time_base
        else:
            raise InvalidInput(_("video: the file does not say how long it lasts; export it again from the drone"))
        return VideoFile(
            CODECS[name],
            stream.codec_context.width or 0,
            stream.codec_context.height or 0,
            timedelta(seconds=seconds),
        )


def overlapping_footage(session: Session, camera_id: uuid.UUID, start: datetime, end: datetime) -> Segment | None:
    """The first segment of the camera overlapping [start, end), if any."""
    return session.scalars(
        select(Segment)
        .where(Segment.camera_id == camera_id, Segment.start_time < end, Segment.end_time > start)
        .order_by(Segment.start_time)
        .limit(1)
    ).first()


def import_video(
    session: Session,
    storage: Storage,
    camera_id: uuid.UUID,
    source: VideoSource,
    start: datetime,
    segment_seconds: int,
) -> ImportedVideo:
    """Write `source` as camera `camera_id`'s footage from `start` on: segment files in
    `storage`, their rows in `session`. Check it first with `probe`."""
    with _opened(source) as (container, stream):
        time_base = stream.time_base or Fraction(1, 90_000)
        packets = (packet for packet in container.demux(stream) if packet.size)
        first = next(packets, None)
        if first is None:
            raise _unreadable()
        data = bytes(first)
        info = StreamInfo(
            codec=CODECS[stream.codec_context.name],
            width=stream.codec_context.width or 0,
            height=stream.codec_context.height or 0,
            extradata=bytes(stream.codec_context.extradata or b""),
            time_base=(time_base.numerator, time_base.denominator),
            packet_format="annexb" if data.startswith((b"\x00\x00\x01", b"\x00\x00\x00\x01")) else "avcc",
        )
        origin = first.dts if first.dts is not None else first.pts or 0
        moment = [start]
        assembler = FrameAssembler(info, lambda: moment[0])
        index = _SessionIndex(session)
        recorder = SegmentRecorder(camera_id, storage, index, segment_seconds)
        imported = ImportedVideo(start, start, 0)
        _removed_on_rollback(session, imported)
        try:
            for packet in _chain(first, packets):
                stamp = packet.dts if packet.dts is not None else packet.pts
                if stamp is None:
                    continue
                moment[0] = start + timedelta(seconds=float((stamp - origin) * time_base))
                raw = RawPacket(bytes(packet), packet.pts, packet.dts, bool(packet.is_keyframe), 0.0, complete=True)
                for frame in assembler.push(raw):
                    recorder.on_frame(str(camera_id), frame)
                    imported.frames += 1
            recorder.close()
        finally:
            imported.paths = [storage.path(relative) for _id, relative in index.opened]
        ends = session.scalars(select(Segment.end_time).where(Segment.id.in_([i for i, _path in index.opened]))).all()
        if not ends:
            imported.remove()
            raise InvalidInput(_("video: the file holds no picture that can be kept (no keyframe); export it again"))
        imported.end = max(ends)
        return imported


def _removed_on_rollback(session: Session, imported: ImportedVideo) -> None:
    """Delete the files of `imported` if the session's transaction is rolled back, not once
    it has committed."""
    settled = [False]

    def rolled_back(_session: Session) -> None:
        if not settled[0]:
            settled[0] = True
            imported.remove()

    def committed(_session: Session) -> None:
        settled[0] = True

    event.listen(session, "after_rollback", rolled_back)
    event.listen(session, "after_commit", committed)


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest
