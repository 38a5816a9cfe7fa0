"""Recovery after a crash, on both databases: a half-written segment is cut back to its
last complete fragment, orphan files are indexed, dangling rows become gaps, and a
storage folder of another database is refused."""

from __future__ import annotations

import uuid
from pathlib import Path

import av
import pytest
from sqlalchemy import delete, select

from belfort.app import Services
from belfort.db import Database
from belfort.media.ingest import FrameAssembler
from belfort.media.models import Gap, MediaEvent, Segment
from belfort.media.recorder import SegmentRecorder
from belfort.media.recovery import recover
from belfort.media.service import open_storage
from belfort.media.storage import Storage, StorageBusy, StorageMismatch
from tests.support.cameras import Clip
from tests.support.feeds import FPS, ListSource, access_units, record, sliced_packets


def frames_in(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def crash_while_writing(services: Services, storage: Storage, camera_id: uuid.UUID, clip: Clip) -> Segment:
    """Record 25 frames (two whole GOPs and a half), then 'crash': the file stays open,
    its row stays `writing`, and half of a next fragment is on disk."""
    recorder = SegmentRecorder(camera_id, storage, services.media.index, segment_seconds=60)
    ingest_units = access_units(clip)[:25]
    assembler = FrameAssembler(ListSource([], clip).open(), services.clock)
    for packet in sliced_packets(ingest_units):
        for frame in assembler.push(packet):
            recorder.on_frame(str(camera_id), frame)
    assert services.media.index.wait_idle()
    open_segment = recorder._segment
    assert open_segment is not None
    open_segment.file.write(b"\x00\x00\x10\x00moof" + b"\x00" * 100)
    open_segment.file.flush()
    with services.db.session() as session:
        row = session.get(Segment, open_segment.id)
        assert row is not None and row.state == "writing"
        return row


def test_half_written_segment_is_cut_to_its_last_fragment(
    services: Services, storage: Storage, camera_id: uuid.UUID, clip: Clip
) -> None:
    row = crash_while_writing(services, storage, camera_id, clip)
    with services.db.session() as session:
        report = recover(session, storage, services.cameras.camera_ids(session), services.clock)
    assert report.recovered == [row.path]
    with services.db.session() as session:
        segment = session.get(Segment, row.id)
        assert segment is not None and segment.state == "recovered"
        assert segment.frames == 2 * FPS and segment.keyframes == 2
        assert segment.bytes == storage.path(row.path).stat().st_size
        assert frames_in(storage.path(row.path)) == 2 * FPS
        assert segment.end_time > segment.start_time
        assert session.scalars(select(MediaEvent).where(MediaEvent.kind == "segment_recovered")).first()


def test_orphan_file_is_indexed(services: Services, storage: Storage, camera_id: uuid.UUID, clip: Clip) -> None:
    units = access_units(clip)
    record(services, storage, camera_id, ListSource(sliced_packets(units[:30]), clip), wait_frames=30, seconds=60)
    with services.db.session() as session:
        original = session.scalars(select(Segment)).one()
        session.execute(delete(Segment))
    with services.db.session() as session:
        report = recover(session, storage, services.cameras.camera_ids(session), services.clock)
    assert report.orphans_indexed == [original.path]
    with services.db.session() as session:
        adopted = session.scalars(select(Segment)).one()
        assert (adopted.id, adopted.frames, adopted.start_time) == (original.id, 30, original.start_time)
        assert adopted.state == "recovered" and adopted.codec == original.codec


def test_dangling_row_becomes_a_gap(services: Services, storage: Storage, camera_id: uuid.UUID, clip: Clip) -> None:
    row = crash_while_writing(services, storage, camera_id, clip)
    storage.path(row.path).unlink()
    with services.db.session() as session:
        report = recover(session, storage, services.cameras.camera_ids(session), services.clock)
    assert report.dangling == [row.path]
    with services.db.session() as session:
        assert session.get(Segment, row.id) is None
        gap = session.scalars(select(Gap).where(Gap.reason == "crash")).one()
        assert gap.camera_id == camera_id and "missing" in gap.detail


def test_unknown_files_are_reported_not_deleted(services: Services, storage: Storage, camera_id: uuid.UUID) -> None:
    stray = storage.root / str(camera_id) / "2026-11-21" / "notes.mp4"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"not video")
    with services.db.session() as session:
        report = recover(session, storage, services.cameras.camera_ids(session), services.clock)
    assert report.orphans_unknown == [f"{camera_id}/2026-11-21/notes.mp4"] and stray.exists()


def test_storage_of_another_database_is_refused(services: Services, storage: Storage, tmp_path: Path) -> None:
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    other.migrate()
    open_storage(other, tmp_path / "elsewhere")
    with pytest.raises(StorageMismatch, match="belongs to another Belfort database"):
        open_storage(other, storage.root)
    other.dispose()


def test_one_process_per_storage_folder(services: Services, storage: Storage) -> None:
    storage.lock()
    second = Storage(storage.root, storage.id)
    with pytest.raises(StorageBusy):
        second.lock()
    storage.unlock()
    second.lock()
    second.unlock()
