"""Evidence export: camera ranges as one signed package, for a case and a recipient.

Exporting is a disclosure. When it is asked for, each camera range passes the policy
gate (role, organisation, purpose, the 30-day rule) with the recipient on record, and
the request is kept in the export history; a refusal for any range refuses the whole
export. The package is then built in the background (a long range, or blurring faces
for a third party, takes minutes) from the same ranges and carries the audit records
of those decisions. Clips are copied without transcoding (`belfort.media.clips`), except
when faces are blurred, which the manifest states. Packages are written to
`<data>/exports/` and are only ever handed to the person who asked for them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.audit.chain import decode_resources
from belfort.audit.models import AuditRecord
from belfort.cameras.grants import lapsed, terms_on
from belfort.cameras.models import Camera
from belfort.cameras.service import CameraService
from belfort.db import Database
from belfort.errors import BelfortError, InvalidInput, NotFound, Refusal, Unavailable, Unseen
from belfort.evidence.models import EvidenceExport
from belfort.evidence.package import PackageFile, write_package
from belfort.evidence.signing import SigningKey
from belfort.i18n import _
from belfort.media.clips import ClipPlan, read_clip
from belfort.media.service import MediaService
from belfort.policy import Action, Actor, ActorKind, PolicyGate, Purpose, Resource, ResourceKind, Right
from belfort.policy.rules import ACTIONS
from belfort.retention.holds import HoldService
from belfort.timeutil import Clock, iso_utc, parse_iso, utcnow

log = logging.getLogger(__name__)

MAX_ITEMS = 16
MAX_RANGE = timedelta(hours=24)
PROGRESS_SECONDS = 1.0
"""How often a build writes its progress to the history."""
CHUNK = 1 << 20
KEYFRAME_NOTE = (
    "Clips are copies of the recorded stream, never re-encoded. Each starts at the keyframe at or "
    "before the requested start (a decoder cannot start elsewhere) and ends with the group of "
    "pictures that holds the requested end: `start` and `end` give the exact recorded range."
)
BLURRED_NOTE = (
    "Faces in these clips were detected (detection only, never recognition) and blurred for a third "
    "party, so the clips were decoded and re-encoded: `faces_blurred` of each clip names the detector, "
    "its model and the encoder, and `source_sha256` is the SHA-256 of the clip as recorded, before blurring. "
    "Each starts at the keyframe at or before the requested start: `start` and `end` give the exact range."
)


STATE_NAMES = {
    "queued": _("queued"),
    "building": _("building"),
    "ready": _("ready"),
    "failed": _("failed"),
}
"""An export's state as a person reads it."""


@dataclass(frozen=True)
class ExportItem:
    camera: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ExportRequest:
    items: tuple[ExportItem, ...]
    case_number: str
    recipient: str
    purpose: Purpose
    blur_faces: bool = False
    """For a third party (an insurer, a shop owner): blur every detected face."""
    hold: bool = False
    """Also put an evidence hold on each range, so retention keeps the originals."""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:40] or "camera"


def _check(request: ExportRequest) -> None:
    if not 1 <= len(request.items) <= MAX_ITEMS:
        raise InvalidInput(
            _("an export holds 1 to {limit} camera ranges; got {count}", limit=MAX_ITEMS, count=len(request.items))
        )
    if not request.case_number.strip():
        raise InvalidInput(_("the case number is required: it is printed on the package and kept in the history"))
    if not request.recipient.strip():
        raise InvalidInput(_("say to whom the package goes (a court, a prosecutor, an insurer): it is required"))
    for item in request.items:
        if item.end <= item.start:
            raise InvalidInput(_("the range of camera '{camera}' must end after it starts", camera=item.camera))
        if item.end - item.start > MAX_RANGE:
            raise InvalidInput(
                _("the range of camera '{camera}' is longer than 24 hours: split the export", camera=item.camera)
            )


LOCAL_FIELDS = ("requested_start", "requested_end", "start", "end", "cut_at")
"""The UTC times of a clip in the manifest that are given in the site's local time too (`<name>_local`)."""


def local_iso(text: str, zone: tzinfo) -> str:
    """A UTC time of the manifest (`…Z`) in `zone`, with its offset: `2026-10-25T02:30:00.000000+02:00`."""
    return parse_iso(text).astimezone(zone).isoformat(timespec="microseconds")


def with_local_times(item: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """A clip of the manifest with each of its UTC times in the site's local time beside it."""
    local = {f"{name}_local": local_iso(item[name], zone) for name in LOCAL_FIELDS if item.get(name)}
    return {**item, **local}


def _audit_dict(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "id": str(record.id),
        "ts_utc": iso_utc(record.ts_utc),
        "op": record.op,
        "action": record.action,
        "outcome": record.outcome,
        "actor": record.actor_name,
        "role": record.role,
        "organisation": record.organisation_name,
        "purpose": record.purpose,
        "justification": record.justification,
        "legal_basis_ref": record.legal_basis_ref,
        "resources": [ref.as_dict() for ref in decode_resources(record.resources)],
        "range_start": iso_utc(record.range_start) if record.range_start else None,
        "range_end": iso_utc(record.range_end) if record.range_end else None,
        "recipient": record.recipient,
        "reason": record.reason,
        "detail": record.detail,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def _plan_dict(plan: ClipPlan) -> dict[str, Any]:
    return {
        "start": iso_utc(plan.start),
        "end": iso_utc(plan.end),
        "frames": plan.frames,
        "codec": plan.codec,
        "width": plan.width,
        "height": plan.height,
        "segments": list(plan.segment_ids),
        "cut_at": iso_utc(plan.cut_at) if plan.cut_at else None,
    }


class _Progress:
    """Counts work done and writes the percentage to the history at most once a second."""

    def __init__(self, report: Callable[[int], None], total: int) -> None:
        self.report = report
        self.total = max(total, 1)
        self.done = 0
        self._last = 0.0

    def add(self, amount: int) -> None:
        self.done += amount
        now = time.monotonic()
        if now - self._last >= PROGRESS_SECONDS:
            self._last = now
            self.report(min(99, self.done * 100 // self.total))


def _counted(chunks: Iterable[bytes], progress: _Progress, digest: Any = None) -> Iterator[bytes]:
    for chunk in chunks:
        progress.add(len(chunk))
        if digest is not None:
            digest.update(chunk)
        yield chunk


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in _file_chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


class ExportService:
    def __init__(
        self,
        db: Database,
        gate: PolicyGate,
        cameras: CameraService,
        holds: HoldService,
        media: MediaService,
        key: SigningKey,
        exports_dir: Path,
        site_name: str,
        clock: Clock = utcnow,
        zone: tzinfo = UTC,
    ) -> None:
        self.db = db
        self.gate = gate
        self.cameras = cameras
        self.holds = holds
        self.media = media
        self.key = key
        self.exports_dir = exports_dir
        self.site_name = site_name
        self._clock = clock
        self.zone = zone
        """The site's time zone: the manifest gives each UTC time in it too."""
        self._queue: queue.Queue[uuid.UUID | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- asking for an export (in the request's transaction) ----------------------------

    def request(
        self, session: Session, actor: Actor, request: ExportRequest, for_person: Actor | None = None
    ) -> EvidenceExport:
        """Authorise every range and record the export as queued; `submit` it once committed.

        `for_person`: whom the package is for when it is not the actor (a requester of another
        organisation whose access request the cameras' owner approved as "export only"): they
        alone may download it, and it is in their organisation's history."""
        _check(request)
        if request.blur_faces:
            self._check_blurring()
        export_id = uuid.uuid4()
        detail = {"export": str(export_id), "case_number": request.case_number.strip()}
        if request.blur_faces:
            detail["faces"] = "blurred"
        planned: list[tuple[Camera, ExportItem, ClipPlan, str]] = []
        for item in request.items:
            plans: list[ClipPlan] = []

            def recorded(camera: Camera, item: ExportItem = item, plans: list[ClipPlan] = plans) -> Refusal | None:
                try:
                    plans.append(self.media.clip(session, camera.id, item.start, item.end))
                except NotFound:
                    return Unseen(
                        _(
                            "nothing was recorded by camera '{camera}' in that range: nothing to export",
                            camera=item.camera,
                        )
                    )
                return None

            camera = self.cameras.require(
                session,
                actor,
                item.camera,
                Action.EXPORT_EVIDENCE,
                request.purpose,
                footage=(item.start, item.end),
                recipient=request.recipient.strip(),
                detail=detail,
                available=recorded,
            )
            planned.append((camera, item, plans[0], self._grant_used(session, actor, camera)))
        hold_ids = []
        if request.hold:
            for camera, item, _plan, _grant in planned:
                hold, _camera = self.holds.place(
                    session,
                    actor,
                    str(camera.id),
                    item.start,
                    item.end,
                    request.case_number,
                    f"Exported for {request.recipient.strip()}: {request.purpose.justification}",
                    request.purpose,
                    detail={"export": str(export_id)},
                )
                hold_ids.append(str(hold.id))
        created = self._clock()
        items = [
            {
                "file": f"clips/{index + 1:02d}_{_slug(camera.name)}_{plan.start:%Y%m%dT%H%M%SZ}.mp4",
                "camera_id": str(camera.id),
                "camera": camera.name,
                "street": camera.street,
                "legal_regime": camera.legal_regime,
                "requested_start": iso_utc(item.start),
                "requested_end": iso_utc(item.end),
                "hold": hold_ids[index] if hold_ids else None,
                **({"grant": grant} if grant else {}),
                **_plan_dict(plan),
            }
            for index, (camera, item, plan, grant) in enumerate(planned)
        ]
        row = EvidenceExport(
            id=export_id,
            created_at=created,
            requester_id=(for_person or actor).id,
            requester_name=(for_person or actor).name,
            organisation_id=(for_person or actor).organisation_id,
            case_number=request.case_number.strip(),
            recipient=request.recipient.strip(),
            purpose=request.purpose.kind.value,
            justification=request.purpose.justification,
            legal_basis_ref=request.purpose.legal_basis_ref,
            items=json.dumps(items, sort_keys=True),
            blur_faces=request.blur_faces,
            state="queued",
            progress=0,
            error="",
            file_name=f"{created:%Y%m%dT%H%M%SZ}_{_slug(request.case_number)}_{str(export_id)[:8]}.zip",
            bytes=0,
            sha256="",
            signing_key_fingerprint=self.key.fingerprint(),
        )
        session.add(row)
        session.flush()
        return row

    @staticmethod
    def _check_blurring() -> None:
        from belfort.evidence.faces import check_installed

        check_installed()

    # -- building packages (in the background) ------------------------------------------

    def submit(self, export_id: uuid.UUID) -> None:
        """Queue a committed export for building; the builder thread starts on first use."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="evidence-export", daemon=True)
                self._thread.start()
        self._queue.put(export_id)

    def resume(self) -> int:
        """At start: queue the exports a stopped server left queued or half built."""
        with self.db.session() as session:
            pending = session.scalars(
                select(EvidenceExport.id)
                .where(EvidenceExport.state.in_(("queued", "building")))
                .order_by(EvidenceExport.created_at)
            ).all()
        for export_id in pending:
            self.submit(export_id)
        return len(pending)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until every queued export is built (or failed); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            export_id = self._queue.get()
            try:
                if export_id is None:
                    return
                self.build(export_id)
            except Exception:
                log.exception("evidence export %s could not be recorded as failed", export_id)
            finally:
                self._queue.task_done()

    def _grant_used(self, session: Session, actor: Actor, camera: Camera) -> str:
        """The grant an export of another organisation's camera passes under ('' for one's own)."""
        now = self._clock()
        for term in terms_on(session, camera, actor):
            if term.reaches(actor) and term.valid_at(now) and Right.EXPORT in term.rights:
                return term.id
        return ""

    def build(self, export_id: uuid.UUID) -> None:
        """Write the package of a queued export; the history says `ready` or why it `failed`
        (a grant it was asked under that was revoked or ended before it was built stops it)."""
        with self.db.session() as session:
            row = session.get(EvidenceExport, export_id)
            if row is None or row.state not in ("queued", "building"):
                return
            grants = {item["grant"] for item in json.loads(row.items) if item.get("grant")}
            ended = next(
                (why for why in (lapsed(session, grant, self._clock()) for grant in sorted(grants)) if why), None
            )
            if ended is not None:
                row.state, row.error, row.finished_at = "failed", str(ended)[:2000], self._clock()
                return
            row.state, row.progress, row.error = "building", 0, ""
        try:
            size, digest, items = self._write(export_id)
        except Exception as exc:
            message = exc.message if isinstance(exc, BelfortError) else f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, BelfortError):
                log.exception("evidence export %s failed", export_id)
            with self.db.session() as session:
                row = session.get(EvidenceExport, export_id)
                if row is not None:
                    row.state, row.error, row.finished_at = "failed", message[:2000], self._clock()
            return
        with self.db.session() as session:
            row = session.get(EvidenceExport, export_id)
            if row is not None:
                row.state, row.progress, row.finished_at = "ready", 100, self._clock()
                row.bytes, row.sha256, row.items = size, digest, json.dumps(items, sort_keys=True)

    def _report(self, export_id: uuid.UUID) -> Callable[[int], None]:
        def report(percent: int) -> None:
            with self.db.session() as session:
                row = session.get(EvidenceExport, export_id)
                if row is not None:
                    row.progress = percent

        return report

    def _write(self, export_id: uuid.UUID) -> tuple[int, str, list[dict[str, Any]]]:
        with self.db.session() as session:
            row = session.get(EvidenceExport, export_id)
            assert row is not None
            items: list[dict[str, Any]] = json.loads(row.items)
            plans = [
                self.media.clip(
                    session,
                    uuid.UUID(item["camera_id"]),
                    parse_iso(item["requested_start"]),
                    parse_iso(item["requested_end"]),
                )
                for item in items
            ]
            records = [
                _audit_dict(record)
                for record in session.scalars(
                    select(AuditRecord).where(AuditRecord.detail.contains(str(export_id))).order_by(AuditRecord.seq)
                )
            ]
            manifest: dict[str, Any] = {
                "export_id": str(export_id),
                "site": self.site_name,
                "case_number": row.case_number,
                "recipient": row.recipient,
                "created_at": iso_utc(row.created_at),
                "created_at_local": row.created_at.astimezone(self.zone).isoformat(timespec="microseconds"),
                "time_zone": str(self.zone),
                "requester": {
                    "name": row.requester_name,
                    "role": records[0]["role"] if records else "",
                    "organisation": records[0]["organisation"] if records else "",
                },
                "purpose": row.purpose,
                "justification": row.justification,
                "legal_basis_ref": row.legal_basis_ref,
                "faces_blurred": row.blur_faces,
                "note": BLURRED_NOTE if row.blur_faces else KEYFRAME_NOTE,
            }
            file_name, blur = row.file_name, row.blur_faces
        for item, plan in zip(items, plans, strict=True):
            item.update(_plan_dict(plan))
        self.exports_dir.mkdir(parents=True, exist_ok=True)
        target = self.exports_dir / file_name
        target.unlink(missing_ok=True)  # a build cut short after its rename is built again
        progress = _Progress(self._report(export_id), sum(plan.frames if blur else plan.size for plan in plans))
        with tempfile.TemporaryDirectory(prefix=".blur-", dir=self.exports_dir) as scratch:
            if blur:
                files = self._blurred(Path(scratch), items, plans, progress)
            else:
                files = [
                    PackageFile(item["file"].removeprefix("clips/"), _counted(read_clip(plan), progress))
                    for item, plan in zip(items, plans, strict=True)
                ]
            manifest["clips"] = [with_local_times(item, self.zone) for item in items]
            write_package(target, files, manifest, records, self.key)
        return target.stat().st_size, file_sha256(target), items

    def _blurred(
        self, scratch: Path, items: list[dict[str, Any]], plans: Sequence[ClipPlan], progress: _Progress
    ) -> list[PackageFile]:
        from belfort.evidence.faces import CenterFaceDetector, blur_clip

        detector = CenterFaceDetector()
        files = []
        for index, (item, plan) in enumerate(zip(items, plans, strict=True)):
            source = scratch / f"source-{index}.mp4"
            digest = hashlib.sha256()
            with source.open("wb") as handle:
                for chunk in read_clip(plan):
                    digest.update(chunk)
                    handle.write(chunk)
            blurred = scratch / f"blurred-{index}.mp4"
            done = progress.done

            def step(frames: int, _total: int, base: int = done) -> None:
                progress.add(base + frames - progress.done)

            report = blur_clip(source, blurred, detector, step)
            source.unlink()
            item["source_sha256"] = digest.hexdigest()
            item["faces_blurred"] = {
                "detector": report.detector,
                "model_sha256": report.model_sha256,
                "threshold": report.threshold,
                "frames": report.frames,
                "frames_with_faces": report.frames_with_faces,
                "faces": report.faces,
                "encoder": report.encoder,
            }
            files.append(PackageFile(item["file"].removeprefix("clips/"), _file_chunks(blurred)))
        return files

    # -- the history ---------------------------------------------------------------------

    def history(self, session: Session, actor: Actor) -> Sequence[EvidenceExport]:
        """The exports the actor may read, newest first: an inspector their own, the team chief
        and the DPO their organisation's. Reading the history is a recorded consultation
        (cases, recipients and reasons are about investigations)."""
        self.gate.require(session, actor, Action.VIEW_EXPORTS, Resource(ResourceKind.EXPORT, "*", "export history"))
        query = select(EvidenceExport).order_by(EvidenceExport.created_at.desc()).limit(200)
        if actor.role in ACTIONS[Action.VIEW_EXPORTS].personal_for:
            query = query.where(EvidenceExport.requester_id == actor.id)
        elif actor.kind is not ActorKind.SYSTEM:
            query = query.where(EvidenceExport.organisation_id == actor.organisation_id)
        return session.scalars(query).all()

    def _found(self, session: Session, export_id: uuid.UUID) -> tuple[EvidenceExport | None, Resource]:
        row = session.get(EvidenceExport, export_id)
        if row is None:
            return None, Resource(ResourceKind.EXPORT, "", str(export_id), asked=str(export_id), known=False)
        return row, Resource(
            ResourceKind.EXPORT,
            str(row.id),
            f"case {row.case_number}",
            row.organisation_id,
            asked=str(export_id),
            personal_to=row.requester_id,
        )

    def get(self, session: Session, actor: Actor, export_id: uuid.UUID) -> EvidenceExport:
        """One export of the history, under the same rules as the history."""
        row, resource = self._found(session, export_id)
        self.gate.require(session, actor, Action.VIEW_EXPORTS, resource)
        assert row is not None
        return row

    def progress(self, session: Session, actor: Actor, export_id: uuid.UUID) -> EvidenceExport:
        """One's own export, to follow its building (its state and percentage; no new look)."""
        row, resource = self._found(session, export_id)
        self.gate.require(session, actor, Action.FOLLOW_EXPORT, resource)
        assert row is not None
        return row

    def package_path(self, session: Session, actor: Actor, export_id: uuid.UUID) -> tuple[EvidenceExport, Path]:
        """The package file of an export, for the person who asked for it, once it is ready;
        each download is a recorded disclosure."""
        row, resource = self._found(session, export_id)

        def ready() -> Refusal | None:
            assert row is not None
            if row.state != "ready":
                state = STATE_NAMES.get(row.state, row.state)
                if row.error:
                    return Unavailable(
                        _("the package is not ready: it is {state} ({error})", state=state, error=row.error)
                    )
                return Unavailable(_("the package is not ready: it is {state}", state=state))
            if not (self.exports_dir / row.file_name).exists():
                return Unseen(_("the package file is no longer on this server"))
            return None

        self.gate.require(
            session,
            actor,
            Action.DOWNLOAD_EXPORT,
            resource,
            recipient=row.recipient if row else "",
            detail={"export": str(export_id), "case_number": row.case_number if row else ""},
            available=ready if row is not None else None,
        )
        assert row is not None
        return row, self.exports_dir / row.file_name
