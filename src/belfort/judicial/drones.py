"""The drone missions log: every flight, why it was proportionate and subsidiary, and its footage.

A police drone flies only under proportionality and subsidiarity, and the zone reports its
use to the council every year. Each mission records its regime (administrative, or judicial
with the authorisation it flew under), the officer who asked for it and the one responsible,
the purpose, both justifications, the area, the flight's start and end and the drone (a
camera of kind `drone`). A mission whose justification lacks substance
(`belfort.judicial.justification`) is refused, naming the field, and the refusal is
recorded. The pilot's video files become the drone camera's footage for the flight
(`belfort.media.imported`), so they are played back, exported, held and erased like any other.
The council's report is read from this log, per organisation and calendar year (local time).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.auth.models import Organisation
from belfort.auth.service import find_organisation
from belfort.cameras.models import Camera
from belfort.cameras.service import CameraService
from belfort.errors import InvalidInput, Refusal
from belfort.i18n import Message, _
from belfort.judicial.authorisations import find_row, in_force
from belfort.judicial.justification import substance_problem
from belfort.judicial.models import DroneMission
from belfort.media.imported import VideoSource, import_video, overlapping_footage, probe
from belfort.media.models import Segment
from belfort.media.service import MediaService
from belfort.media.storage import Storage
from belfort.policy import Action, Actor, ActorKind, PolicyGate, PurposeKind, Resource, ResourceKind
from belfort.timeutil import Clock, local_text, local_year, utcnow

DRONE_KIND = "drone"
MAX_FLIGHT = timedelta(hours=24)
MIN_PURPOSE = 10


class UnjustifiedMission(Refusal):
    """A mission refused for its justification: answered 422 naming the field, and recorded
    (a refusal, so the unit of work keeps its audit record)."""

    status_code = 422


@dataclass
class MissionSpec:
    """What a pilot or their chief logs; times are UTC."""

    regime: str
    camera: str
    """The drone: a camera of kind drone of the organisation, by id or name."""
    requesting_officer: str
    responsible_officer: str
    purpose: str
    proportionality: str
    subsidiarity: str
    area: str
    started_at: datetime | None
    ended_at: datetime | None
    authorisation: str = ""
    """For a judicial mission: the reference of the authorisation it flew under, if any."""
    organisation: str = ""
    """For the command line: the organisation that flew (a person logs for their own)."""


@dataclass(frozen=True)
class Video:
    """A video file the drone recorded, and when its recording started (None: at take-off)."""

    source: VideoSource
    recorded_from: datetime | None = None


@dataclass(frozen=True)
class MissionRow:
    """A mission with its footage: how many segments, how many seconds."""

    mission: DroneMission
    segments: int
    footage_seconds: float

    @property
    def duration(self) -> timedelta:
        return self.mission.ended_at - self.mission.started_at


@dataclass(frozen=True)
class CouncilReport:
    """The year's drone missions of one organisation, as the council reads them."""

    organisation: str
    year: int
    missions: list[MissionRow]

    def count(self, regime: PurposeKind) -> int:
        return sum(1 for row in self.missions if row.mission.regime == regime.value)

    @property
    def flight_time(self) -> timedelta:
        return sum((row.duration for row in self.missions), timedelta())

    @property
    def footage_seconds(self) -> float:
        return sum(row.footage_seconds for row in self.missions)


def mission_resource(mission: DroneMission | None, asked: str, owner: Organisation | None = None) -> Resource:
    if mission is None:
        return Resource(
            ResourceKind.DRONE_MISSION,
            "",
            asked[:120],
            owner.id if owner else None,
            asked=asked,
            known=owner is not None,
            owner_name=owner.name if owner else "",
        )
    return Resource(
        ResourceKind.DRONE_MISSION,
        str(mission.id),
        f"{mission.area}: {mission.started_at:%Y-%m-%d %H:%M}Z",
        mission.organisation_id,
        start=mission.started_at,
        end=mission.ended_at,
        extra_ids=(("camera", str(mission.camera_id), mission.camera.name),),
        asked=asked,
        owner_name=mission.organisation.name,
    )


def summary(text: str, limit: int = 160) -> str:
    """`text` on one line, cut at a word before `limit` characters (with "…") for a table."""
    plain = " ".join(text.split())
    if len(plain) <= limit:
        return plain
    return plain[:limit].rsplit(" ", 1)[0] + "…"


class DroneMissions:
    def __init__(
        self,
        gate: PolicyGate,
        cameras: CameraService,
        media: MediaService,
        segment_seconds: int,
        clock: Clock = utcnow,
    ) -> None:
        self.gate = gate
        self.cameras = cameras
        self.media = media
        self.segment_seconds = segment_seconds
        self._clock = clock

    # -- logging ------------------------------------------------------------------------

    def log(self, session: Session, actor: Actor, spec: MissionSpec, videos: Sequence[Video] = ()) -> MissionRow:
        """Log a flight (and import its videos): refused, and recorded, when a justification
        lacks substance; other bad input is refused naming the field."""
        self.gate.require_function(session, actor, "drone missions", Action.LOG_DRONE_MISSIONS)
        storage = self.media.storage_to_write(session) if videos else None
        owner = self._organisation(session, actor, spec.organisation)
        regime = self._regime(spec.regime)
        requesting = self._name(spec.requesting_officer, _("requesting officer"))
        responsible = self._name(spec.responsible_officer, _("responsible officer"))
        purpose = " ".join(spec.purpose.split())
        if len(purpose) < MIN_PURPOSE:
            raise InvalidInput(
                _("purpose: say in at least {count} characters what the flight was for", count=MIN_PURPOSE)
            )
        area = spec.area.strip()
        if not area or len(area) > 200:
            raise InvalidInput(
                _("area: name the area flown over (a street, a square, a district), at most 200 characters")
            )
        start, end = self._flight(spec.started_at, spec.ended_at)
        camera = self._drone(session, actor, owner, spec.camera)
        authorisation = self._authorisation(session, owner, regime, spec.authorisation, start)
        self._justified(session, actor, owner, spec, purpose)
        mission = DroneMission(
            id=uuid.uuid4(),
            organisation_id=owner.id,
            regime=regime.value,
            authorisation_id=authorisation,
            camera_id=camera.id,
            requesting_officer=requesting,
            responsible_officer=responsible,
            purpose=purpose,
            proportionality=spec.proportionality.strip(),
            subsidiarity=spec.subsidiarity.strip(),
            area=area,
            started_at=start,
            ended_at=end,
            logged_by=actor.name,
            logged_at=self._clock(),
        )
        self.gate.require(
            session,
            actor,
            Action.LOG_DRONE_MISSIONS,
            Resource(
                ResourceKind.DRONE_MISSION,
                str(mission.id),
                f"{area}: {start:%Y-%m-%d %H:%M}Z",
                owner.id,
                start=start,
                end=end,
                extra_ids=(("camera", str(camera.id), camera.name),),
                owner_name=owner.name,
            ),
            detail={"change": "log", "regime": regime.value, "videos": len(videos)},
        )
        session.add(mission)
        session.flush()
        session.refresh(mission)
        if storage is not None:
            for video in videos:
                self._import(session, storage, mission, video)
        return self._row(session, mission)

    def add_video(self, session: Session, actor: Actor, ref: str, video: Video) -> MissionRow:
        """Import one more video of a logged mission as its drone's footage (audited)."""
        self.gate.require_function(session, actor, "drone missions", Action.LOG_DRONE_MISSIONS)
        storage = self.media.storage_to_write(session)
        mission = self._found(session, ref)
        self.gate.require(
            session,
            actor,
            Action.LOG_DRONE_MISSIONS,
            mission_resource(mission, ref),
            detail={"change": "import video"},
        )
        assert mission is not None  # refused above otherwise
        self._import(session, storage, mission, video)
        return self._row(session, mission)

    # -- reading ------------------------------------------------------------------------

    def listed(self, session: Session, actor: Actor, year: int, organisation: str = "") -> CouncilReport:
        """The missions of a calendar year (local time), newest first: one recorded consultation."""
        return self.report(session, actor, year, organisation, newest_first=True)

    def report(
        self, session: Session, actor: Actor, year: int, organisation: str = "", *, newest_first: bool = False
    ) -> CouncilReport:
        """The council's report of one organisation's year, oldest mission first: one recorded
        consultation. The auditor (and the command line) name the organisation; others read their own."""
        self.gate.require_function(session, actor, "drone missions", Action.VIEW_DRONE_MISSIONS)
        if not 2000 <= year <= 2999:
            raise InvalidInput(_("year: give a year such as {year}", year=self._clock().year))
        owner = self._reader_organisation(session, actor, organisation)
        self.gate.require(
            session,
            actor,
            Action.VIEW_DRONE_MISSIONS,
            Resource(
                ResourceKind.DRONE_MISSION,
                "",
                f"{owner.name}: {year}",
                owner.id,
                owner_name=owner.name,
            ),
            detail={"year": year},
        )
        start, end = local_year(year, self.gate.rules.zone)
        order = DroneMission.started_at.desc() if newest_first else DroneMission.started_at
        missions = session.scalars(
            select(DroneMission)
            .where(
                DroneMission.organisation_id == owner.id,
                DroneMission.started_at >= start,
                DroneMission.started_at < end,
            )
            .order_by(order)
        ).all()
        return CouncilReport(owner.name, year, [self._row(session, mission) for mission in missions])

    def get(self, session: Session, actor: Actor, ref: str) -> MissionRow:
        """One mission with its footage: a recorded consultation."""
        self.gate.require_function(session, actor, "drone missions", Action.VIEW_DRONE_MISSIONS)
        mission = self._found(session, ref)
        self.gate.require(session, actor, Action.VIEW_DRONE_MISSIONS, mission_resource(mission, ref))
        assert mission is not None  # refused above otherwise
        return self._row(session, mission)

    def drones(self, session: Session, actor: Actor) -> list[Camera]:
        """The organisation's drones (cameras of kind drone), to log a mission with."""
        return [
            camera
            for camera in self.cameras.visible(session, actor, kind=DRONE_KIND)
            if camera.organisation_id == actor.organisation_id
        ]

    # -- helpers ------------------------------------------------------------------------

    def _justified(self, session: Session, actor: Actor, owner: Organisation, spec: MissionSpec, purpose: str) -> None:
        """Refuse, recorded, a mission whose proportionality or subsidiarity lacks substance."""
        problems = {
            "proportionality": substance_problem(
                _("Proportionality"),
                _(
                    "Explain why flying was proportionate: what was filmed, for how long, weighed against the "
                    "intrusion on people's privacy."
                ),
                spec.proportionality,
                {_("purpose"): purpose, _("subsidiarity"): spec.subsidiarity},
            ),
            "subsidiarity": substance_problem(
                _("Subsidiarity"),
                _("Explain why less intrusive means (a fixed or mobile camera, a patrol) would not have done."),
                spec.subsidiarity,
                {_("purpose"): purpose, _("proportionality"): spec.proportionality},
            ),
        }
        for field, problem in problems.items():
            if problem is None:
                continue
            resource = Resource(
                ResourceKind.DRONE_MISSION, "", summary(spec.area, 100), owner.id, owner_name=owner.name
            )
            self.gate.record(
                session,
                actor,
                Action.LOG_DRONE_MISSIONS,
                resource,
                outcome="refused",
                reason=problem,
                detail={"rule": "justification", "field": field},
            )
            raise UnjustifiedMission(problem)

    def _import(self, session: Session, storage: Storage, mission: DroneMission, video: Video) -> None:
        """Write `video` as the mission's drone footage, inside the flight."""
        zone = self.gate.rules.zone
        found = probe(video.source)
        start = video.recorded_from or mission.started_at
        if not mission.started_at <= start < mission.ended_at:
            raise InvalidInput(
                _(
                    "video start: the recording must start during the flight, from {start} to {end}",
                    start=local_text(mission.started_at, zone),
                    end=local_text(mission.ended_at, zone),
                )
            )
        end = start + found.duration
        if end > mission.ended_at:
            raise InvalidInput(
                _(
                    "video: it lasts {seconds} seconds, so from {start} it would end at {end}, after the flight "
                    "ended ({landing}); correct the flight's end or the moment the recording started",
                    seconds=round(found.duration.total_seconds()),
                    start=local_text(start, zone),
                    end=local_text(end, zone),
                    landing=local_text(mission.ended_at, zone),
                )
            )
        clash = overlapping_footage(session, mission.camera_id, start, end)
        if clash is not None:
            raise InvalidInput(
                _(
                    "video: the drone already has footage from {start} to {end}; a second video cannot cover the "
                    "same moments",
                    start=local_text(clash.start_time, zone),
                    end=local_text(clash.end_time, zone),
                )
            )
        import_video(session, storage, mission.camera_id, video.source, start, self.segment_seconds)

    @staticmethod
    def _row(session: Session, mission: DroneMission) -> MissionRow:
        spans = session.execute(
            select(Segment.start_time, Segment.end_time).where(
                Segment.camera_id == mission.camera_id,
                Segment.start_time < mission.ended_at,
                Segment.end_time > mission.started_at,
            )
        ).all()
        seconds = sum((end - start).total_seconds() for start, end in spans)
        return MissionRow(mission, len(spans), seconds)

    @staticmethod
    def _found(session: Session, ref: str) -> DroneMission | None:
        try:
            return session.get(DroneMission, uuid.UUID(ref))
        except ValueError:
            return None

    @staticmethod
    def _regime(value: str) -> PurposeKind:
        try:
            return PurposeKind(value.strip())
        except ValueError:
            raise InvalidInput(
                _("regime: '{value}' is not a regime; choose administrative or judicial", value=value[:40])
            ) from None

    @staticmethod
    def _name(value: str, label: Message) -> str:
        name = " ".join(value.split())
        if not name or len(name) > 200:
            raise InvalidInput(_("{field}: give the officer's name, at most 200 characters", field=label))
        return name

    def _flight(self, started: datetime | None, ended: datetime | None) -> tuple[datetime, datetime]:
        if started is None or ended is None:
            raise InvalidInput(_("flight: give the take-off and the landing, as YYYY-MM-DD HH:MM"))
        if ended <= started:
            raise InvalidInput(_("landing: choose a moment after the take-off"))
        if ended > self._clock():
            raise InvalidInput(_("landing: the log is of flights made; the landing cannot be in the future"))
        if ended - started > MAX_FLIGHT:
            raise InvalidInput(_("landing: a mission lasts at most 24 hours; log each day's flights on its own"))
        return started, ended

    def _drone(self, session: Session, actor: Actor, owner: Organisation, ref: str) -> Camera:
        if not ref.strip():
            raise InvalidInput(
                _("drone: choose the drone that flew; an administrator registers it as a camera of kind drone")
            )
        camera = self.cameras.require(session, actor, ref.strip(), Action.VIEW_CAMERA)
        if camera.kind != DRONE_KIND or camera.organisation_id != owner.id or camera.removed_at is not None:
            raise InvalidInput(
                _(
                    "drone: '{name}' is not a drone of {organisation}; choose a camera of kind drone",
                    name=camera.name,
                    organisation=owner.name,
                )
            )
        return camera

    @staticmethod
    def _authorisation(
        session: Session, owner: Organisation, regime: PurposeKind, reference: str, start: datetime
    ) -> uuid.UUID | None:
        """The authorisation a judicial mission flew under: the organisation's, in force at take-off."""
        if not reference.strip():
            return None
        if regime is not PurposeKind.JUDICIAL:
            raise InvalidInput(
                _("authorisation: only a judicial mission flies under a prosecutor's decision or a judge's order")
            )
        row = find_row(session, owner.id, reference)
        if row is None or not in_force(row, start):
            raise InvalidInput(
                _(
                    "authorisation: {organisation} has no authorisation with the reference '{reference}' in force "
                    "at take-off",
                    organisation=owner.name,
                    reference=reference[:120],
                )
            )
        return row.id

    @staticmethod
    def _organisation(session: Session, actor: Actor, name: str) -> Organisation:
        """Who flew: the organisation the command line names, else the actor's own."""
        if actor.kind is ActorKind.SYSTEM and name.strip():
            return find_organisation(session, name.strip())
        owner = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
        if owner is None:
            raise InvalidInput(_("organisation: name the organisation that flew (--org)"))
        return owner

    @staticmethod
    def _reader_organisation(session: Session, actor: Actor, name: str) -> Organisation:
        """Whose missions are read: the named organisation (the auditor, the command line;
        another's is refused by the gate), else the reader's own."""
        if name.strip():
            return find_organisation(session, name.strip())
        owner = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
        if owner is None:
            raise InvalidInput(_("organisation: name the organisation whose drone missions to read"))
        return owner


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet would run as a formula at the start of a cell."""
REPORT_FIELDS = (
    "date",
    "take_off",
    "landing",
    "minutes",
    "regime",
    "authorisation",
    "requesting_officer",
    "responsible_officer",
    "purpose",
    "area",
    "proportionality",
    "subsidiarity",
    "recordings",
    "footage_minutes",
)


def _cell(value: object) -> str:
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def report_csv(report: CouncilReport, zone: tzinfo) -> str:
    """The council's report as CSV: one line per mission, local dates and times, the
    justifications summarised; a cell a spreadsheet would run as a formula is quoted with `'`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REPORT_FIELDS)
    for row in report.missions:
        mission = row.mission
        start, end = mission.started_at.astimezone(zone), mission.ended_at.astimezone(zone)
        values = (
            f"{start:%Y-%m-%d}",
            start.isoformat(timespec="minutes"),
            end.isoformat(timespec="minutes"),
            round(row.duration.total_seconds() / 60),
            mission.regime,
            mission.authorisation.reference if mission.authorisation else "",
            mission.requesting_officer,
            mission.responsible_officer,
            mission.purpose,
            mission.area,
            summary(mission.proportionality),
            summary(mission.subsidiarity),
            row.segments,
            round(row.footage_seconds / 60, 1),
        )
        writer.writerow([_cell(value) for value in values])
    return out.getvalue()
