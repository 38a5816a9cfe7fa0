"""The index writer: one thread that applies the recorders' changes to the database.

Recorders run in camera threads and must never wait for the database, so they queue
small operations here; the writer applies them in batches, one transaction per batch.
If the database is unavailable, operations wait in the queue and are retried; the
segment files on disk stay the source of truth and recovery re-indexes them.
"""

from __future__ import annotations

import logging
import queue
import struct
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from belfort.db import Database
from belfort.media.models import Gap, MediaEvent, Segment
from belfort.timeutil import Clock, utcnow

log = logging.getLogger(__name__)

Operation = Callable[[Session], None]
FRAGMENT = struct.Struct("<QIIH")
"""One fragment in a segment's index: byte offset, size, start in ms from segment start, frames."""


@dataclass(frozen=True)
class FragmentEntry:
    offset: int
    size: int
    start_ms: int
    frames: int


def pack_fragments(entries: Sequence[FragmentEntry]) -> bytes:
    return b"".join(FRAGMENT.pack(e.offset, e.size, e.start_ms, min(e.frames, 0xFFFF)) for e in entries)


def unpack_fragments(blob: bytes) -> list[FragmentEntry]:
    return [FragmentEntry(*values) for values in FRAGMENT.iter_unpack(blob)]


def _written_bytes(fragments: bytes) -> int:
    entries = unpack_fragments(fragments)
    return entries[-1].offset + entries[-1].size if entries else 0


def trim_gaps(session: Session, camera_id: uuid.UUID, start: datetime, end: datetime) -> None:
    """Cut a `recorder_down` gap to footage indexed after it was recorded.

    When a recording node dies, the node that takes its cameras over begins the gap where
    the dead node said it had written at its last renewal; the footage it wrote after that
    is indexed only when it comes back (its recovery, or a segment closed late after a
    cut-off). The gap then starts where that footage ends, its true length."""
    gaps = session.scalars(
        select(Gap).where(
            Gap.camera_id == camera_id,
            Gap.reason == "recorder_down",
            Gap.start_time >= start,
            Gap.start_time < end,
        )
    )
    for gap in gaps:
        if gap.end_time is not None and gap.end_time <= end:
            session.delete(gap)
        else:
            gap.start_time = end


class IndexWriter:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self._clock = clock
        self._queue: queue.Queue[Operation | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="index-writer", daemon=True)
        self._idle = threading.Event()
        self._idle.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(30)

    def submit(self, operation: Operation) -> None:
        self._idle.clear()
        self._queue.put(operation)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued operation is applied (for shutdown and tests)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[Operation] = []
            item = self._queue.get()
            while True:
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._apply(batch)
            if self._queue.empty():
                self._idle.set()

    def _apply(self, batch: list[Operation]) -> None:
        delay = 0.5
        while batch:
            try:
                with self.db.session() as session:
                    for operation in batch:
                        operation(session)
                return
            except Exception:
                log.exception("index write failed; retrying in %.1f s", delay)
                threading.Event().wait(delay)
                delay = min(delay * 2, 30)

    # -- operations --------------------------------------------------------------------

    def segment_opened(self, segment: Segment) -> None:
        values = {c.key: getattr(segment, c.key) for c in Segment.__table__.columns}
        self.submit(lambda session: session.add(Segment(**values)))

    def segments_progress(self, written: Sequence[tuple[uuid.UUID, datetime, int, bytes]]) -> None:
        """How far the segments being written are on disk (id, end, frames, fragment index),
        so that other nodes can play them and know where a dead node's footage ends. Written
        every few seconds (with the camera holds), not per GOP."""
        changes = [
            {"segment": segment_id, "until": end, "count": frames, "index": blob, "size": _written_bytes(blob)}
            for segment_id, end, frames, blob in written
        ]

        def apply(session: Session) -> None:
            table = Segment.__table__
            session.execute(  # one batched statement for all of them
                update(table)
                .where(table.c.id == bindparam("segment"), table.c.state == "writing")
                .values(
                    end_time=bindparam("until"),
                    frames=bindparam("count"),
                    fragments=bindparam("index"),
                    bytes=bindparam("size"),
                ),
                changes,
            )

        if changes:
            self.submit(apply)

    def segment_closed(
        self,
        segment_id: uuid.UUID,
        end: datetime,
        size: int,
        frames: int,
        keyframes: int,
        fragments: Sequence[FragmentEntry],
        state: str = "complete",
    ) -> None:
        blob = pack_fragments(fragments)

        def apply(session: Session) -> None:
            session.execute(
                update(Segment)
                .where(Segment.id == segment_id)
                .values(end_time=end, bytes=size, frames=frames, keyframes=keyframes, fragments=blob, state=state)
            )
            found = session.execute(
                select(Segment.camera_id, Segment.start_time).where(Segment.id == segment_id)
            ).first()
            if found is not None:
                trim_gaps(session, found.camera_id, found.start_time, end)

        self.submit(apply)

    def gap(self, camera_id: uuid.UUID, start: datetime, end: datetime | None, reason: str, detail: str = "") -> None:
        self.submit(
            lambda session: session.add(
                Gap(
                    id=uuid.uuid4(),
                    camera_id=camera_id,
                    start_time=start,
                    end_time=end,
                    reason=reason,
                    detail=detail[:2000],
                )
            )
        )

    def close_open_gap(self, camera_id: uuid.UUID, end: datetime) -> None:
        def apply(session: Session) -> None:
            for gap in session.scalars(select(Gap).where(Gap.camera_id == camera_id, Gap.end_time.is_(None))):
                gap.end_time = max(end, gap.start_time)

        self.submit(apply)

    def event(self, level: str, kind: str, message: str, camera_id: uuid.UUID | None = None) -> None:
        ts = self._clock()
        self.submit(
            lambda session: session.add(
                MediaEvent(id=uuid.uuid4(), ts=ts, camera_id=camera_id, level=level, kind=kind, message=message)
            )
        )
