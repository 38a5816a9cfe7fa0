"""Data-subject requests: a person asks for the footage of themselves (GDPR art. 15, the
camera law's art. 12), and the data protection officer answers within the legal deadline.

The DPO records the request only once the requester's identity was checked (how, and by
whom), with the period and the place (the organisation's cameras there) and a description
to recognise the person. The deadline runs from the day of receipt (`belfort.dpo.deadlines`),
and may be extended once, with a reason the requester is told. Looking at the footage is
`dpo.subject_footage`: one decision of the gate per camera, limited to the request's cameras
and period, for the request as purpose (so the 30-day rule holds for police footage), and
the signed playback link it yields plays that range only. The footage leaves through the
existing evidence export, always with faces blurred (detection only: telling the requester's
face from others' would be face recognition, which the law forbids), made in the DPO's name
for the request and downloaded by the DPO alone. The answer (or a refusal with its reason)
closes the request. Every change is one audited decision of the gate.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from belfort.cameras.grants import members, padded
from belfort.cameras.models import Camera
from belfort.cameras.service import CameraService
from belfort.dpo.deadlines import Urgency, answer_due, urgency
from belfort.dpo.models import SubjectRequest
from belfort.errors import Conflict, InvalidInput, Refusal, Unavailable
from belfort.evidence.models import EvidenceExport
from belfort.evidence.service import ExportItem, ExportRequest, ExportService
from belfort.i18n import Message, _
from belfort.media.recordings import segments_overlapping
from belfort.policy import Action, Actor, ActorKind, PolicyGate, Purpose, PurposeKind, Resource, ResourceKind, may
from belfort.settings import DpoSettings
from belfort.timeutil import Clock, utcnow
from belfort.viewing.playback import Playback

MAX_PERIOD = timedelta(hours=24)
"""The longest period a request covers: the person is asked to narrow a longer one (GDPR
recital 63 lets the controller ask which processing the request concerns)."""
PIECE = timedelta(hours=1)
"""Found footage is offered to the player in pieces of at most an hour."""
JOIN_GAP = timedelta(seconds=2)
"""Recorded segments closer together than this are one piece of footage."""
MIN_TEXT = 10
OPEN = ("received", "searching", "extended")
STATUS_WORDS: dict[str, Message] = {
    "received": _("received"),
    "searching": _("searching"),
    "extended": _("extended"),
    "answered": _("answered"),
    "refused": _("refused"),
}
"""A request's status as a person reads it."""
REFERENCE = re.compile(r"^SR-(\d{4})-(\d+)$")


@dataclass
class SubjectRequestSpec:
    """What the DPO records of a request."""

    requester_name: str
    requester_contact: str
    identity_check: str
    """How the identity was checked, e.g. "ID card seen at the desk"."""
    identity_checked_by: str
    period_start: datetime
    period_end: datetime
    received_on: date | None = None
    """None: today, in the site's calendar."""
    cameras: Sequence[str] = ()
    """The organisation's cameras (names or ids); empty: those whose street or area is `place`."""
    place: str = ""
    description: str = ""


@dataclass(frozen=True)
class Reminder:
    request: SubjectRequest
    urgency: Urgency


@dataclass(frozen=True)
class CameraFootage:
    """What one camera of a request recorded in its period, as the look at it was decided."""

    camera: str
    camera_id: str
    pieces: list[tuple[datetime, datetime]]
    """Recorded ranges, at most an hour each, oldest first."""
    link: str
    """The signed playback link for the period ('' when refused)."""
    refused: str = ""
    """Why the look was refused (the 30-day rule, nothing recorded): empty when granted."""


def request_resource(row: SubjectRequest | None, asked: str) -> Resource:
    if row is None:
        return Resource(ResourceKind.SUBJECT_REQUEST, "", asked[:120], asked=asked, known=False)
    return Resource(
        ResourceKind.SUBJECT_REQUEST,
        str(row.id),
        row.reference,
        row.organisation_id,
        asked=asked,
        owner_name=row.organisation.name,
    )


def recorded_pieces(
    session: Session, camera_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The camera's recorded ranges in [start, end): segments joined across pauses shorter
    than JOIN_GAP, cut to the period and into pieces of at most PIECE."""
    spans: list[tuple[datetime, datetime]] = []
    for segment in segments_overlapping(session, camera_id, start, end):
        first, last = max(segment.start_time, start), min(segment.end_time, end)
        if spans and first - spans[-1][1] <= JOIN_GAP:
            spans[-1] = (spans[-1][0], max(spans[-1][1], last))
        elif last > first:
            spans.append((first, last))
    pieces = []
    for first, last in spans:
        while first < last:
            pieces.append((first, min(last, first + PIECE)))
            first += PIECE
    return pieces


class SubjectRequestService:
    def __init__(
        self,
        gate: PolicyGate,
        cameras: CameraService,
        playback: Playback,
        exports: ExportService,
        settings: DpoSettings,
        zone: tzinfo,
        clock: Clock = utcnow,
    ) -> None:
        self.gate = gate
        self.cameras = cameras
        self.playback = playback
        self.exports = exports
        self.settings = settings
        self.zone = zone
        self._clock = clock

    def today(self) -> date:
        """Today in the site's calendar: deadlines are days there."""
        return self._clock().astimezone(self.zone).date()

    # -- recording --------------------------------------------------------------------------

    def record(self, session: Session, actor: Actor, spec: SubjectRequestSpec) -> SubjectRequest:
        """Record a request whose requester's identity was checked; refused without that check."""
        self.gate.require_function(session, actor, "subject-requests", Action.HANDLE_SUBJECT_REQUESTS)
        if actor.organisation_id is None:
            raise InvalidInput(_("organisation: name the organisation that received the request"))
        name, contact = spec.requester_name.strip(), spec.requester_contact.strip()
        if not name:
            raise InvalidInput(_("requester name: write the name of the person who asks for their footage"))
        if not contact:
            raise InvalidInput(_("requester contact: write how to reach the requester (an address, an e-mail)"))
        if len(spec.identity_check.strip()) < 5 or not spec.identity_checked_by.strip():
            raise InvalidInput(
                _(
                    "identity check: a request is recorded only once the requester's identity has been checked; "
                    "say how it was checked (for example 'ID card seen at the desk') and who checked it"
                )
            )
        received = spec.received_on or self.today()
        if received > self.today():
            raise InvalidInput(_("received on: the day of receipt cannot lie in the future"))
        start, end = spec.period_start, spec.period_end
        if end <= start:
            raise InvalidInput(_("period: the end must come after the start"))
        if end - start > MAX_PERIOD:
            raise InvalidInput(
                _(
                    "period: a request covers at most 24 hours of footage; ask the requester when and where "
                    "they were filmed, more precisely"
                )
            )
        if end > self._clock():
            raise InvalidInput(_("period: the footage asked for must lie in the past"))
        if not spec.cameras and not spec.place.strip():
            raise InvalidInput(_("place: name the cameras, or the street or area where the requester was filmed"))
        cameras = self._cameras(session, actor.organisation_id, spec.cameras, spec.place)
        reference = self._next_reference(session, actor.organisation_id, received.year)
        self.gate.require(
            session,
            actor,
            Action.HANDLE_SUBJECT_REQUESTS,
            Resource(
                ResourceKind.SUBJECT_REQUEST,
                "",
                reference,
                actor.organisation_id,
                extra_ids=tuple(("camera", str(camera.id), camera.name) for camera in cameras),
                start=start,
                end=end,
            ),
            detail={"change": "record", "reference": reference, "identity_checked_by": spec.identity_checked_by},
        )
        now = self._clock()
        row = SubjectRequest(
            organisation_id=actor.organisation_id,
            reference=reference,
            requester_name=name[:200],
            requester_contact=contact[:300],
            identity_check=spec.identity_check.strip(),
            identity_checked_by=spec.identity_checked_by.strip()[:200],
            received_on=received,
            period_start=start,
            period_end=end,
            place=spec.place.strip(),
            cameras=padded(str(camera.id) for camera in cameras),
            description=spec.description.strip(),
            status="received",
            due_on=answer_due(received, self.settings.subject_answer_months),
            extension_reason="",
            export_ids="",
            outcome="",
            sent="",
            created_at=now,
            created_by=actor.name,
            updated_at=now,
            closed_by="",
        )
        session.add(row)
        session.flush()
        session.refresh(row)
        return row

    @staticmethod
    def _cameras(session: Session, organisation_id: uuid.UUID, refs: Sequence[str], place: str) -> list[Camera]:
        """The organisation's cameras named in `refs`, or else those whose street or area holds `place`."""
        own = select(Camera).where(Camera.organisation_id == organisation_id)
        if not refs:
            words = place.strip()
            found = session.scalars(
                own.where(
                    Camera.removed_at.is_(None), or_(Camera.street.icontains(words), Camera.area.icontains(words))
                ).order_by(Camera.name)
            )
            return list(found.unique())
        cameras = []
        for ref in dict.fromkeys(part.strip() for part in refs if part.strip()):
            camera = CameraService.find(session, ref)
            if camera is None or camera.organisation_id != organisation_id:
                raise InvalidInput(
                    _("cameras: your organisation has no camera '{camera}'; choose one of its own", camera=ref[:120])
                )
            cameras.append(camera)
        return cameras

    @staticmethod
    def _next_reference(session: Session, organisation_id: uuid.UUID, year: int) -> str:
        taken = session.scalars(
            select(SubjectRequest.reference).where(
                SubjectRequest.organisation_id == organisation_id, SubjectRequest.reference.like(f"SR-{year}-%")
            )
        )
        numbers = [int(found.group(2)) for ref in taken if (found := REFERENCE.match(ref))]
        return f"SR-{year}-{max(numbers, default=0) + 1:04d}"

    # -- reading ----------------------------------------------------------------------------

    def listed(self, session: Session, actor: Actor, open_only: bool = False) -> list[SubjectRequest]:
        """The organisation's requests, the open ones by deadline first, then the closed newest first."""
        self.gate.require_function(session, actor, "subject-requests", Action.HANDLE_SUBJECT_REQUESTS)
        statement = select(SubjectRequest)
        if actor.kind is not ActorKind.SYSTEM or actor.organisation_id is not None:
            statement = statement.where(SubjectRequest.organisation_id == actor.organisation_id)
        if open_only:
            statement = statement.where(SubjectRequest.status.in_(OPEN))
        rows = list(session.scalars(statement).unique())
        opened = sorted((row for row in rows if row.status in OPEN), key=lambda row: (row.due_on, row.reference))
        closed = sorted((row for row in rows if row.status not in OPEN), key=lambda row: row.created_at, reverse=True)
        return opened + closed

    def get(self, session: Session, actor: Actor, ref: str) -> SubjectRequest:
        """One request of the actor's organisation, by id or reference; another's is unseen."""
        row = self._found(session, actor, ref)
        self.gate.require_reach(session, actor, Action.HANDLE_SUBJECT_REQUESTS, request_resource(row, ref))
        assert row is not None
        return row

    @staticmethod
    def _found(session: Session, actor: Actor, ref: str) -> SubjectRequest | None:
        try:
            return session.get(SubjectRequest, uuid.UUID(ref))
        except ValueError:
            statement = select(SubjectRequest).where(SubjectRequest.reference == ref.strip().upper())
            if actor.organisation_id is not None:
                statement = statement.where(SubjectRequest.organisation_id == actor.organisation_id)
            return session.scalars(statement.limit(1)).first()

    def urgency_of(self, row: SubjectRequest) -> Urgency | None:
        """How close an open request is to its deadline; None once closed."""
        if row.status not in OPEN:
            return None
        return urgency(row.due_on, self.today(), self.settings.subject_reminder_days)

    def reminders(self, session: Session, actor: Actor) -> list[Reminder]:
        """The open requests due soon or overdue, for the DPO's pages (nothing for other roles)."""
        if not may(actor, Action.HANDLE_SUBJECT_REQUESTS) or actor.organisation_id is None:
            return []
        rows = session.scalars(
            select(SubjectRequest)
            .where(SubjectRequest.organisation_id == actor.organisation_id, SubjectRequest.status.in_(OPEN))
            .order_by(SubjectRequest.due_on)
        ).unique()
        found = [Reminder(row, self.urgency_of(row) or Urgency.OK) for row in rows]
        return [reminder for reminder in found if reminder.urgency is not Urgency.OK]

    def cameras_of(self, session: Session, row: SubjectRequest) -> list[Camera]:
        """The request's cameras, by name."""
        ids = [uuid.UUID(value) for value in members(row.cameras)]
        if not ids:
            return []
        return list(session.scalars(select(Camera).where(Camera.id.in_(ids)).order_by(Camera.name)).unique())

    def exports_of(self, session: Session, row: SubjectRequest) -> list[EvidenceExport]:
        """The packages built for the request, oldest first."""
        ids = [uuid.UUID(value) for value in members(row.export_ids)]
        if not ids:
            return []
        return list(
            session.scalars(
                select(EvidenceExport).where(EvidenceExport.id.in_(ids)).order_by(EvidenceExport.created_at)
            )
        )

    # -- the footage ------------------------------------------------------------------------

    def purpose_of(self, row: SubjectRequest) -> Purpose:
        """The purpose of every look and export for the request: the request itself."""
        return Purpose(
            PurposeKind.ADMINISTRATIVE,
            f"Data-subject request {row.reference}: the requester's own footage (GDPR art. 15)",
        )

    def find(self, session: Session, actor: Actor, ref: str) -> list[CameraFootage]:
        """Look at the footage of the request's cameras in its period: one decision of the gate
        per camera (recorded, granted or refused); a granted camera lists what it recorded and
        carries a playback link for the period. The request is now being searched."""
        row = self.get(session, actor, ref)
        found = []
        for camera in self.cameras_of(session, row):
            start, end = row.period_start, row.period_end

            def recorded(camera: Camera, start: datetime = start, end: datetime = end) -> Refusal | None:
                if not segments_overlapping(session, camera.id, start, end, limit=1):
                    return Unavailable(_("camera '{camera}' recorded nothing in this period", camera=camera.name))
                return None

            try:
                self.cameras.require(
                    session,
                    actor,
                    str(camera.id),
                    Action.VIEW_SUBJECT_FOOTAGE,
                    self.purpose_of(row),
                    footage=(start, end),
                    detail={"subject_request": row.reference},
                    available=recorded,
                )
            except Refusal as refusal:
                found.append(CameraFootage(camera.name, str(camera.id), [], "", refusal.message))
                continue
            pieces = recorded_pieces(session, camera.id, start, end)
            found.append(
                CameraFootage(camera.name, str(camera.id), pieces, self.playback.link(actor, camera.id, start, end))
            )
        if row.status == "received":
            row.status, row.updated_at = "searching", self._clock()
        return found

    def export(self, session: Session, actor: Actor, ref: str, items: Sequence[ExportItem]) -> EvidenceExport:
        """Ask for the signed package of ranges of the request's cameras, faces blurred, for the
        requester; built once committed (`ExportService.submit`) and downloaded by the DPO."""
        row = self._changing(session, actor, ref, {"change": "export"})
        if not items:
            raise InvalidInput(_("cameras: choose at least one of the request's cameras and a range to export"))
        cameras = {str(camera.id): camera for camera in self.cameras_of(session, row)}
        checked = []
        for item in items:
            camera = cameras.get(item.camera) or next((c for c in cameras.values() if c.name == item.camera), None)
            if camera is None:
                raise InvalidInput(
                    _("cameras: '{camera}' is not one of this request's cameras", camera=item.camera[:120])
                )
            if item.start < row.period_start or item.end > row.period_end:
                raise InvalidInput(
                    _("range of camera '{camera}': choose a range inside the request's period", camera=camera.name)
                )
            checked.append(ExportItem(str(camera.id), item.start, item.end))
        export = self.exports.request(
            session,
            replace(actor, kind=ActorKind.SYSTEM),
            ExportRequest(
                items=tuple(checked),
                case_number=row.reference,
                recipient=f"{row.requester_name} (data subject, {row.reference})",
                purpose=self.purpose_of(row),
                blur_faces=True,
            ),
            for_person=actor,
        )
        row.export_ids = padded([*members(row.export_ids), str(export.id)])
        if row.status == "received":
            row.status = "searching"
        row.updated_at = self._clock()
        return export

    def package(self, session: Session, actor: Actor, ref: str, export_id: str) -> tuple[EvidenceExport, Path]:
        """A package built for the request, for the DPO to send; the download is the export's
        recorded disclosure."""
        row = self.get(session, actor, ref)
        if export_id not in members(row.export_ids):
            unknown = Resource(ResourceKind.EXPORT, "", export_id[:120], asked=export_id, known=False)
            self.gate.require(session, actor, Action.HANDLE_SUBJECT_REQUESTS, unknown)
        return self.exports.package_path(session, replace(actor, kind=ActorKind.SYSTEM), uuid.UUID(export_id))

    # -- deadline and answer ----------------------------------------------------------------

    def _changing(self, session: Session, actor: Actor, ref: str, detail: dict[str, str]) -> SubjectRequest:
        """The open request `ref` names, once the gate has allowed (and recorded) the change."""
        row = self._found(session, actor, ref)
        resource = request_resource(row, ref)
        self.gate.require(
            session, actor, Action.HANDLE_SUBJECT_REQUESTS, resource, detail={**detail, "reference": resource.label}
        )
        assert row is not None
        if row.status not in OPEN:
            raise Conflict(
                _("request {reference} is closed ({status})", reference=row.reference, status=STATUS_WORDS[row.status])
            )
        return row

    def extend(self, session: Session, actor: Actor, ref: str, reason: str, requester_informed: bool) -> SubjectRequest:
        """Extend the deadline once by the further months the law allows, with a reason the
        requester was told within the first month."""
        row = self._changing(session, actor, ref, {"change": "extend"})
        if row.extended_on is not None:
            raise Conflict(
                _("request {reference} was already extended; it can be extended once", reference=row.reference)
            )
        if self.today() > row.due_on:
            raise Conflict(
                _(
                    "request {reference}: its deadline has passed, so it can no longer be extended",
                    reference=row.reference,
                )
            )
        if len(reason.strip()) < MIN_TEXT:
            raise InvalidInput(_("reason: say in at least {count} characters why more time is needed", count=MIN_TEXT))
        if not requester_informed:
            raise InvalidInput(
                _("requester informed: tell the requester of the extension and its reason first (GDPR art. 12(3))")
            )
        months = self.settings.subject_answer_months + self.settings.subject_extension_months
        row.due_on = answer_due(row.received_on, months)
        row.extension_reason, row.extended_on = reason.strip(), self.today()
        row.status, row.updated_at = "extended", self._clock()
        return row

    def answer(
        self, session: Session, actor: Actor, ref: str, outcome: str, sent: str, answered_on: date | None = None
    ) -> SubjectRequest:
        """Close the request with the answer given and what was sent."""
        row = self._changing(session, actor, ref, {"change": "answer"})
        if len(outcome.strip()) < MIN_TEXT:
            raise InvalidInput(_("outcome: say in at least {count} characters what the answer was", count=MIN_TEXT))
        if not sent.strip():
            raise InvalidInput(_("sent: say what was sent to the requester and how (or 'nothing: no footage kept')"))
        return self._closed(row, actor, "answered", outcome, sent, answered_on)

    def refuse(self, session: Session, actor: Actor, ref: str, reason: str) -> SubjectRequest:
        """Close the request as refused, with the reason the requester is given."""
        row = self._changing(session, actor, ref, {"change": "refuse"})
        if len(reason.strip()) < MIN_TEXT:
            raise InvalidInput(
                _("reason: say in at least {count} characters why the request is refused", count=MIN_TEXT)
            )
        return self._closed(row, actor, "refused", reason, "", None)

    def _closed(
        self, row: SubjectRequest, actor: Actor, status: str, outcome: str, sent: str, on: date | None
    ) -> SubjectRequest:
        closed_on = on or self.today()
        if closed_on > self.today() or closed_on < row.received_on:
            raise InvalidInput(_("answered on: choose a day between the receipt and today"))
        row.status, row.outcome, row.sent = status, outcome.strip(), sent.strip()
        row.closed_on, row.closed_by, row.updated_at = closed_on, actor.name, self._clock()
        return row
