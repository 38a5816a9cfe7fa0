"""The supervisor dashboard: who watches which camera now and why, who is on duty, and
what looks wrong.

The team chief on duty (and the DPO and the administrator, for their organisation) sees the
streams open now of the organisation's people and of others on its cameras, each with the
purpose and justification stated for it, the team chief and the people on duty, and the
anomalies `belfort.staffing.anomalies` finds in the audit log and the shifts. Opening the
dashboard is a look at logs: it passes the gate and leaves one audit record. The streams
come from the live view (`streams_open`, wired in `app.py`): real viewers, not a guess.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.audit.chain import decode_resources
from belfort.audit.models import AuditRecord
from belfort.auth.models import Organisation
from belfort.media.live import Watching
from belfort.policy import Action, Actor, PolicyGate, Resource, ResourceKind
from belfort.settings import StaffingSettings
from belfort.staffing.anomalies import HOUR, Anomaly, Duty, Flag, Limits, Look, Refused, Stream, anomalies
from belfort.staffing.designations import DesignationService
from belfort.staffing.models import Shift
from belfort.staffing.people import organisation_of
from belfort.staffing.shifts import ShiftService
from belfort.timeutil import Clock, utcnow

StreamsOpen = Callable[[Session, str], list[tuple[Watching, str]]]
"""The streams open now with their camera names, of one organisation's people and of others
on its cameras (`belfort.viewing.live.LiveViewing.streams_open`)."""

LIVE_VIEW = Action.VIEW_LIVE.value
LIVE_CLOSED = "live.closed"
"""The record the live view adds when a stream ends (`belfort.viewing.live.CLOSED_ACTION`)."""


@dataclass(frozen=True)
class Viewing:
    """One stream open now."""

    camera_id: str
    camera: str
    person: str
    organisation: str
    own: bool
    """Of the supervisor's organisation (else another's, on its cameras through a grant)."""
    purpose: str
    justification: str
    since: datetime
    seconds: float
    on_shift: bool | None
    """None for another organisation's person: their shifts are planned there."""
    designated_until: date | None
    supervisor: str
    """A security guard's supervising inspector, from their designation."""
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class Dashboard:
    at: datetime
    organisation: str
    designation_required: bool
    on_duty: list[Shift]
    """The shifts under way now, the team chief's first."""
    watching: list[Viewing]
    anomalies: list[Anomaly]
    limits: Limits

    @property
    def team_chiefs(self) -> list[Shift]:
        return [shift for shift in self.on_duty if shift.team_chief]


def _camera(resources: str) -> tuple[str, str]:
    for ref in decode_resources(resources):
        if ref.kind in (ResourceKind.CAMERA.value, ResourceKind.RECORDING.value):
            return ref.id, ref.label
    return "", ""


class SupervisionService:
    def __init__(
        self,
        gate: PolicyGate,
        designations: DesignationService,
        shifts: ShiftService,
        streams_open: StreamsOpen,
        settings: StaffingSettings,
        zone: tzinfo,
        clock: Clock = utcnow,
    ) -> None:
        self.gate = gate
        self.designations = designations
        self.shifts = shifts
        self._streams_open = streams_open
        self.settings = settings
        self.zone = zone
        self._clock = clock

    def limits(self) -> Limits:
        s = self.settings
        return Limits(
            window=timedelta(hours=s.anomaly_hours),
            refusals_per_hour=s.refusals_per_hour,
            long_session=timedelta(minutes=s.long_session_minutes),
            volume_min_cameras=s.volume_min_cameras,
            volume_factor=s.volume_factor,
            zone=self.zone,
        )

    def dashboard(self, session: Session, actor: Actor) -> Dashboard:
        """Who watches what now and why, who is on duty, and the anomalies: one look at logs."""
        organisation_id = organisation_of(actor)
        organisation = session.get(Organisation, organisation_id)
        limits = self.limits()
        self.gate.require(
            session,
            actor,
            Action.SUPERVISE_VIEWING,
            Resource(
                ResourceKind.AUDIT_LOG,
                "supervision",
                "who watches live now",
                organisation_id,
                owner_name=organisation.name if organisation else "",
            ),
            detail={"scope": str(organisation_id), "hours": self.settings.anomaly_hours},
        )
        now = self._clock()
        org = str(organisation_id)
        open_now = self._streams_open(session, org)
        duties = self.shifts.overlapping(session, organisation_id, now - limits.window, now + HOUR)
        own_streams = [
            Stream(w.watcher.person_id, w.watcher.person, w.camera_id, camera, w.watcher.since)
            for w, camera in open_now
            if w.watcher.organisation_id == org
        ]
        found = anomalies(
            self._looks(session, org, now),
            own_streams + self._closed(session, org, now - limits.window),
            [Duty(str(shift.user_id), shift.starts_at, shift.ends_at) for shift in duties],
            self._refusals(session, org, now),
            now,
            limits,
        )
        designated = self.designations.in_force(session, organisation_id)
        watching = []
        for stream, camera in open_now:
            watcher = stream.watcher
            own = watcher.organisation_id == org
            person_id = uuid.UUID(watcher.person_id) if own and watcher.person_id else None
            designation = designated.get(person_id) if person_id else None
            supervisor = designation.supervisor if designation else None
            watching.append(
                Viewing(
                    camera_id=stream.camera_id,
                    camera=camera,
                    person=watcher.person,
                    organisation=watcher.organisation,
                    own=own,
                    purpose=watcher.purpose,
                    justification=watcher.justification,
                    since=watcher.since,
                    seconds=(now - watcher.since).total_seconds(),
                    on_shift=any(d.user_id == person_id and d.starts_at <= now < d.ends_at for d in duties)
                    if own
                    else None,
                    designated_until=designation.valid_until if designation else None,
                    supervisor=supervisor.username if supervisor else "",
                    flags=tuple(
                        dict.fromkeys(
                            a.flag
                            for a in found
                            if a.camera_id == stream.camera_id and a.person_id == watcher.person_id
                        )
                    ),
                )
            )
        on_duty = [shift for shift in duties if shift.starts_at <= now < shift.ends_at]
        return Dashboard(
            at=now,
            organisation=organisation.name if organisation else "",
            designation_required=bool(organisation and organisation.live_designation_required),
            on_duty=sorted(on_duty, key=lambda s: (not s.team_chief, s.person.username)),
            watching=watching,
            anomalies=found,
            limits=limits,
        )

    def _looks(self, session: Session, org: str, now: datetime) -> list[Look]:
        """The organisation's people's granted live looks over the baseline days."""
        since = now - timedelta(days=self.settings.volume_baseline_days)
        statement = select(
            AuditRecord.actor_id, AuditRecord.actor_name, AuditRecord.ts_utc, AuditRecord.resources
        ).where(
            AuditRecord.organisation_id == org,
            AuditRecord.action == LIVE_VIEW,
            AuditRecord.outcome == "granted",
            AuditRecord.ts_utc >= since,
        )
        looks = []
        for person_id, person, at, resources in session.execute(statement):
            camera_id, camera = _camera(resources)
            looks.append(Look(person_id, person, camera_id, camera, at))
        return looks

    @staticmethod
    def _closed(session: Session, org: str, since: datetime) -> list[Stream]:
        """The organisation's people's streams that ended since `since`."""
        statement = select(
            AuditRecord.actor_id,
            AuditRecord.actor_name,
            AuditRecord.resources,
            AuditRecord.range_start,
            AuditRecord.range_end,
        ).where(AuditRecord.organisation_id == org, AuditRecord.action == LIVE_CLOSED, AuditRecord.ts_utc >= since)
        streams = []
        for person_id, person, resources, start, end in session.execute(statement):
            if start is not None and end is not None:
                camera_id, camera = _camera(resources)
                streams.append(Stream(person_id, person, camera_id, camera, start, end))
        return streams

    @staticmethod
    def _refusals(session: Session, org: str, now: datetime) -> list[Refused]:
        """The refusals of the organisation's people in the last hour."""
        statement = select(AuditRecord.actor_id, AuditRecord.actor_name, AuditRecord.ts_utc).where(
            AuditRecord.organisation_id == org,
            AuditRecord.outcome == "refused",
            AuditRecord.actor_id != "",
            AuditRecord.ts_utc >= now - HOUR,
        )
        return [Refused(person_id, person, at) for person_id, person, at in session.execute(statement)]
