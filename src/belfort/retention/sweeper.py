"""The retention sweeper: erases footage on time, never early, never under a hold.

Per camera it erases segments that ended more than `retention_max_days` ago, unless a
hold keeps them: a judicial hold until it is lifted, an administrative one only as long
as the law allows for the camera (see `belfort.retention.holds`). When a
storage folder is over its size budget it also evicts the oldest segments, but never
one younger than its camera's `retention_min_days` and never a held one, and warns.
Files are unlinked before their rows are deleted: if the transaction fails, the next
sweep finds the rows again and finishes. One audited erasure per camera per sweep.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from belfort.cameras.models import Camera
from belfort.cameras.service import camera_resource
from belfort.db import Database
from belfort.media.models import MediaEvent, Segment
from belfort.media.storage import Storage
from belfort.policy import Action, PolicyGate, ResourceKind
from belfort.policy.model import system_actor
from belfort.retention.holds import held_condition, legal_limit_days
from belfort.settings import PolicySettings
from belfort.timeutil import Clock, utcnow

log = logging.getLogger(__name__)
SWEEPER = system_actor("retention-sweeper")


@dataclass
class SweepReport:
    erased_segments: int = 0
    erased_bytes: int = 0
    evicted_for_budget: int = 0
    held_back: int = 0
    over_budget_bytes: int = 0
    per_camera: dict[str, int] = field(default_factory=dict)


class RetentionSweeper:
    def __init__(
        self,
        db: Database,
        gate: PolicyGate,
        storage: Storage,
        policy: PolicySettings,
        budget_bytes: int = 0,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.gate = gate
        self.policy = policy
        self.storage = storage
        self.budget_bytes = budget_bytes
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, interval_seconds: float) -> None:
        def loop() -> None:
            while not self._stop.wait(interval_seconds):
                try:
                    self.sweep()
                except Exception:
                    log.exception("retention sweep failed; will retry")

        self._thread = threading.Thread(target=loop, name="retention-sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def sweep(self) -> SweepReport:
        report = SweepReport()
        with self.db.session() as session:
            now = self._clock()
            cameras = {c.id: c for c in session.scalars(select(Camera))}
            expired: dict[uuid.UUID, list[Segment]] = defaultdict(list)
            for camera in cameras.values():
                cutoff = now - timedelta(days=camera.retention_max_days)
                legal_cutoff = now - timedelta(days=legal_limit_days(self.policy, camera.legal_regime))
                rows = session.scalars(
                    select(Segment)
                    .where(
                        Segment.camera_id == camera.id,
                        Segment.storage_id == self.storage.id,
                        Segment.state != "writing",
                        Segment.end_time <= cutoff,
                        ~held_condition(Segment.camera_id, Segment.start_time, Segment.end_time, legal_cutoff),
                    )
                    .order_by(Segment.start_time)
                ).all()
                expired[camera.id].extend(rows)
            for camera_id, rows in expired.items():
                if rows:
                    self._erase(session, cameras[camera_id], rows, "retention", report)
        if self.budget_bytes:
            self._enforce_budget(report)
        return report

    def _enforce_budget(self, report: SweepReport) -> None:
        with self.db.session() as session:
            now = self._clock()
            used = (
                session.scalar(
                    select(func.coalesce(func.sum(Segment.bytes), 0)).where(Segment.storage_id == self.storage.id)
                )
                or 0
            )
            if used <= self.budget_bytes:
                return
            report.over_budget_bytes = used - self.budget_bytes
            cameras = {c.id: c for c in session.scalars(select(Camera))}
            victims: dict[uuid.UUID, list[Segment]] = defaultdict(list)
            candidates = session.scalars(
                select(Segment)
                .where(
                    Segment.storage_id == self.storage.id,
                    Segment.state != "writing",
                    ~held_condition(Segment.camera_id, Segment.start_time, Segment.end_time),
                )
                .order_by(Segment.start_time)
                .limit(10_000)
            )
            for segment in candidates:
                if used <= self.budget_bytes:
                    break
                camera = cameras[segment.camera_id]
                if segment.end_time > now - timedelta(days=camera.retention_min_days):
                    report.held_back += 1
                    continue
                victims[segment.camera_id].append(segment)
                used -= segment.bytes
            for camera_id, rows in victims.items():
                self._erase(session, cameras[camera_id], rows, "size budget", report)
                report.evicted_for_budget += len(rows)
            level_message = (
                f"storage {self.storage.root} was over its size budget by {report.over_budget_bytes} bytes: "
                f"{report.evicted_for_budget} oldest segment(s) erased"
            )
            if used > self.budget_bytes:
                level_message += "; still over budget: footage under minimum retention or holds cannot be erased"
            session.add(
                MediaEvent(
                    id=uuid.uuid4(), ts=now, camera_id=None, level="warning", kind="size_budget", message=level_message
                )
            )
            log.warning(level_message)

    def _erase(self, session: Session, camera: Camera, rows: list[Segment], why: str, report: SweepReport) -> None:
        start = min(r.start_time for r in rows)
        end = max(r.end_time for r in rows)
        size = sum(r.bytes for r in rows)
        for row in rows:
            self.storage.path(row.path).unlink(missing_ok=True)
        self.gate.authorize(
            session,
            SWEEPER,
            Action.ERASE_RECORDING,
            camera_resource(camera, str(camera.id), ResourceKind.RECORDING, start, end),
            detail={"reason": why, "segments": len(rows), "bytes": size},
        )
        session.execute(delete(Segment).where(Segment.id.in_([r.id for r in rows])))
        report.erased_segments += len(rows)
        report.erased_bytes += size
        report.per_camera[camera.name] = report.per_camera.get(camera.name, 0) + len(rows)
