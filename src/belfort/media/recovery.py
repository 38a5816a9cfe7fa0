"""Start-up recovery: make the index and the storage folder agree again after a crash.

- A segment still marked `writing` was being written when Belfort stopped: its file is
  cut after the last complete fragment and the row completed from the file (`recovered`).
- A row whose file is gone is dangling: the row is removed and the span becomes a gap.
- A file with no row (a crash between creating the file and indexing it) is an orphan:
  it is indexed from its own name and content, or, if its camera is unknown, reported.
Every repair is reported as a media event. Only the newest day folders are searched for
orphans at start; `belfort storage check` walks everything.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.media.fmp4 import ScanResult, scan
from belfort.media.index import FragmentEntry, pack_fragments, trim_gaps
from belfort.media.models import Gap, MediaEvent, Segment
from belfort.media.storage import Storage
from belfort.timeutil import Clock, utcnow

log = logging.getLogger(__name__)


@dataclass
class RecoveryReport:
    recovered: list[str] = field(default_factory=list)
    dangling: list[str] = field(default_factory=list)
    orphans_indexed: list[str] = field(default_factory=list)
    orphans_unknown: list[str] = field(default_factory=list)
    emptied: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.recovered or self.dangling or self.orphans_indexed or self.orphans_unknown or self.emptied)

    def summary(self) -> str:
        return (
            f"{len(self.recovered)} partly written segment(s) recovered, {len(self.dangling)} dangling row(s) "
            f"removed, {len(self.orphans_indexed)} orphan file(s) indexed, {len(self.orphans_unknown)} orphan "
            f"file(s) of unknown cameras left in place, {len(self.emptied)} empty file(s) removed"
        )


def _scan_file(storage: Storage, relative: str) -> ScanResult | None:
    path = storage.path(relative)
    try:
        with path.open("rb") as handle:
            return scan(handle)
    except FileNotFoundError:
        return None


def _truncate(storage: Storage, relative: str, result: ScanResult) -> None:
    path = storage.path(relative)
    if result.truncated:
        with path.open("r+b") as handle:
            handle.truncate(result.valid_length)
            handle.flush()
            os.fsync(handle.fileno())


def _fill_from_scan(segment: Segment, result: ScanResult) -> None:
    ticks = 90_000
    fragments = [
        FragmentEntry(f.offset, f.size, f.base_decode_time * 1000 // ticks, f.sample_count) for f in result.fragments
    ]
    last = result.fragments[-1]
    end_ticks = last.base_decode_time + last.duration
    segment.end_time = segment.start_time + timedelta(microseconds=end_ticks * 1_000_000 // ticks)
    segment.bytes = result.valid_length
    segment.frames = sum(f.sample_count for f in result.fragments)
    segment.keyframes = sum(1 for f in result.fragments if f.starts_with_keyframe)
    segment.fragments = pack_fragments(fragments)


def _event(session: Session, now: datetime, kind: str, message: str, camera_id: uuid.UUID | None) -> None:
    session.add(MediaEvent(id=uuid.uuid4(), ts=now, camera_id=camera_id, level="warning", kind=kind, message=message))


def recover(
    session: Session, storage: Storage, cameras: set[uuid.UUID], clock: Clock = utcnow, full: bool = False
) -> RecoveryReport:
    """Reconcile index and files of `cameras` (every registered one); `full` walks every file
    instead of the newest days."""
    report = RecoveryReport()
    now = clock()
    writing = session.scalars(select(Segment).where(Segment.storage_id == storage.id, Segment.state == "writing")).all()
    for segment in writing:
        result = _scan_file(storage, segment.path)
        if result is None:
            _dangling(session, segment, report, now)
            continue
        if not result.fragments:
            storage.path(segment.path).unlink(missing_ok=True)
            session.delete(segment)
            report.emptied.append(segment.path)
            continue
        _truncate(storage, segment.path, result)
        _fill_from_scan(segment, result)
        segment.state = "recovered"
        trim_gaps(session, segment.camera_id, segment.start_time, segment.end_time)
        report.recovered.append(segment.path)
        _event(
            session,
            now,
            "segment_recovered",
            f"{segment.path}: recovered {segment.frames} frames up to the last complete fragment",
            segment.camera_id,
        )

    if full:
        on_disk = storage.all_files()
        indexed = set(session.scalars(select(Segment.path).where(Segment.storage_id == storage.id)))
        for segment in session.scalars(select(Segment).where(Segment.storage_id == storage.id)):
            if not storage.path(segment.path).exists():
                _dangling(session, segment, report, now)
    else:
        on_disk = [f for camera_id in cameras for f in storage.recent_files(camera_id)]
        indexed = set(session.scalars(select(Segment.path).where(Segment.path.in_(on_disk)))) if on_disk else set()
    for relative in on_disk:
        if relative in indexed:
            continue
        _adopt_orphan(session, storage, relative, cameras, report, now)
    if not report.clean:
        log.warning("storage %s: %s", storage.root, report.summary())
    return report


def _dangling(session: Session, segment: Segment, report: RecoveryReport, now: datetime) -> None:
    session.add(
        Gap(
            id=uuid.uuid4(),
            camera_id=segment.camera_id,
            start_time=segment.start_time,
            end_time=segment.end_time,
            reason="crash",
            detail=f"segment file {segment.path} was missing; its index row was removed",
        )
    )
    session.delete(segment)
    report.dangling.append(segment.path)
    _event(
        session,
        now,
        "segment_missing",
        f"{segment.path}: file missing; index row removed, gap recorded",
        segment.camera_id,
    )


def _adopt_orphan(
    session: Session,
    storage: Storage,
    relative: str,
    cameras: set[uuid.UUID],
    report: RecoveryReport,
    now: datetime,
) -> None:
    name = Storage.parse(relative)
    if name is None or name.camera_id not in cameras:
        report.orphans_unknown.append(relative)
        _event(session, now, "orphan_file", f"{relative}: not a Belfort segment of a known camera; left in place", None)
        return
    result = _scan_file(storage, relative)
    if result is None or result.track is None or not result.fragments:
        storage.path(relative).unlink(missing_ok=True)
        report.emptied.append(relative)
        return
    _truncate(storage, relative, result)
    segment = Segment(
        id=name.segment_id,
        camera_id=name.camera_id,
        storage_id=storage.id,
        path=relative,
        state="recovered",
        start_time=name.start,
        end_time=name.start,
        codec=result.track.codec_string(),
        width=result.track.width,
        height=result.track.height,
    )
    _fill_from_scan(segment, result)
    session.add(segment)
    trim_gaps(session, segment.camera_id, segment.start_time, segment.end_time)
    report.orphans_indexed.append(relative)
    _event(
        session, now, "orphan_indexed", f"{relative}: unindexed file indexed ({segment.frames} frames)", name.camera_id
    )
