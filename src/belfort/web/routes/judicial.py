"""Judicial authorisations and drone missions API.

Thin: registering and revoking authorisations (`belfort.judicial.authorisations`), logging
drone missions, importing their videos and reading the council's report
(`belfort.judicial.drones`) are decided and recorded by those services through the gate.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.i18n import _
from belfort.judicial.authorisations import AuthorisationSpec
from belfort.judicial.drones import CouncilReport, MissionRow, MissionSpec, Video, report_csv
from belfort.judicial.models import JudicialAuthorisation
from belfort.policy import Actor, AuthorisationKind
from belfort.policy.rules import AUTHORISATION_WORDS
from belfort.timeutil import local_text
from belfort.web.deps import current_actor, db_session, get_services
from belfort.web.rendering import say
from belfort.web.routes.schemas import StrictBody, UtcDateTime

router = APIRouter(tags=["judicial"])

Ref = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(max_length=4000)]
Year = Annotated[int, Query(ge=2000, le=2999)]


class AuthorisationIn(StrictBody):
    kind: Literal["prosecutor_decision", "investigating_judge_order"]
    reference: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    decided_on: date
    """The date of the decision."""
    magistrate: Annotated[str, StringConstraints(max_length=200)]
    """The magistrate or office that decided."""
    case_number: Annotated[str, StringConstraints(max_length=100)]
    footage_from: UtcDateTime
    footage_until: UtcDateTime
    """End-exclusive."""
    expires_at: UtcDateTime
    """From this moment on the authorisation is no longer used."""
    cameras: Annotated[list[Ref], Field(max_length=500)] = []
    """Cameras by id or name; leave empty with `all_cameras`."""
    all_cameras: bool = False
    """Every camera your organisation may consult."""


class RevokeIn(StrictBody):
    reason: Annotated[str, StringConstraints(max_length=1000)]


class CameraRefOut(BaseModel):
    id: str
    name: str


class AuthorisationOut(BaseModel):
    id: str
    organisation: str
    kind: str
    reference: str
    decided_on: date
    magistrate: str
    case_number: str
    all_cameras: bool
    cameras: list[CameraRefOut]
    footage_from: datetime
    footage_until: datetime
    expires_at: datetime
    registered_by: str
    registered_at: datetime
    revoked_at: datetime | None
    revoked_by: str
    revoke_reason: str


class ChoiceOut(BaseModel):
    reference: str
    kind: str
    label: str
    """The kind, case and scope in the reader's language, for a list to pick from."""


class MissionIn(StrictBody):
    regime: Literal["administrative", "judicial"]
    drone: Ref
    """The drone: a camera of kind drone of your organisation, by id or name."""
    requesting_officer: Annotated[str, StringConstraints(max_length=200)]
    responsible_officer: Annotated[str, StringConstraints(max_length=200)]
    purpose: Text
    proportionality: Text
    """Why flying was proportionate: at least 40 characters and 6 different words, not a copy."""
    subsidiarity: Text
    """Why less intrusive means would not have done: the same rule."""
    area: Annotated[str, StringConstraints(max_length=200)]
    started_at: UtcDateTime
    ended_at: UtcDateTime
    authorisation: Annotated[str, StringConstraints(max_length=200)] = ""
    """For a judicial mission: the reference of the authorisation it flew under."""


class MissionOut(BaseModel):
    id: str
    organisation: str
    regime: str
    authorisation: str
    drone: CameraRefOut
    requesting_officer: str
    responsible_officer: str
    purpose: str
    proportionality: str
    subsidiarity: str
    area: str
    started_at: datetime
    ended_at: datetime
    logged_by: str
    logged_at: datetime
    recordings: int
    """Segments of the drone's footage within the flight."""
    footage_seconds: float


class ReportOut(BaseModel):
    organisation: str
    year: int
    missions: list[MissionOut]
    administrative: int
    judicial: int
    flight_minutes: float
    footage_minutes: float


def authorisation_out(row: JudicialAuthorisation) -> AuthorisationOut:
    return AuthorisationOut(
        id=str(row.id),
        organisation=row.organisation.name,
        kind=row.kind,
        reference=row.reference,
        decided_on=row.decided_on,
        magistrate=row.magistrate,
        case_number=row.case_number,
        all_cameras=row.all_cameras,
        cameras=[CameraRefOut(id=str(camera.id), name=camera.name) for camera in row.cameras],
        footage_from=row.footage_from,
        footage_until=row.footage_until,
        expires_at=row.expires_at,
        registered_by=row.registered_by,
        registered_at=row.registered_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        revoke_reason=row.revoke_reason,
    )


def mission_out(row: MissionRow) -> MissionOut:
    mission = row.mission
    return MissionOut(
        id=str(mission.id),
        organisation=mission.organisation.name,
        regime=mission.regime,
        authorisation=mission.authorisation.reference if mission.authorisation else "",
        drone=CameraRefOut(id=str(mission.camera_id), name=mission.camera.name),
        requesting_officer=mission.requesting_officer,
        responsible_officer=mission.responsible_officer,
        purpose=mission.purpose,
        proportionality=mission.proportionality,
        subsidiarity=mission.subsidiarity,
        area=mission.area,
        started_at=mission.started_at,
        ended_at=mission.ended_at,
        logged_by=mission.logged_by,
        logged_at=mission.logged_at,
        recordings=row.segments,
        footage_seconds=row.footage_seconds,
    )


def report_out(report: CouncilReport) -> ReportOut:
    return ReportOut(
        organisation=report.organisation,
        year=report.year,
        missions=[mission_out(row) for row in report.missions],
        administrative=sum(1 for row in report.missions if row.mission.regime == "administrative"),
        judicial=sum(1 for row in report.missions if row.mission.regime == "judicial"),
        flight_minutes=round(report.flight_time.total_seconds() / 60, 1),
        footage_minutes=round(report.footage_seconds / 60, 1),
    )


# -- authorisations ----------------------------------------------------------------------


@router.get(
    "/api/authorisations", response_model=list[AuthorisationOut], summary="Your organisation's judicial authorisations"
)
def list_authorisations(
    ended: Annotated[int, Query(ge=0, le=1)] = 0,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[AuthorisationOut]:
    """In force only; `ended=1` includes revoked and expired ones."""
    return [authorisation_out(row) for row in services.authorisations.listed(session, actor, bool(ended))]


@router.get(
    "/api/authorisations/choices",
    response_model=list[ChoiceOut],
    summary="The authorisations in force you may cite on a purpose form",
)
def authorisation_choices(
    request: Request,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[ChoiceOut]:
    zone = services.settings.zone
    choices = []
    for row in services.authorisations.choices(session, actor):
        scope = _("every camera") if row.all_cameras else ", ".join(camera.name for camera in row.cameras)
        label = _(
            "{kind}, case {case}: {cameras}, footage {start} to {end}",
            kind=AUTHORISATION_WORDS[AuthorisationKind(row.kind)],
            case=row.case_number,
            cameras=scope,
            start=local_text(row.footage_from, zone),
            end=local_text(row.footage_until, zone),
        )
        choices.append(ChoiceOut(reference=row.reference, kind=row.kind, label=say(request, label)))
    return choices


@router.post(
    "/api/authorisations",
    response_model=AuthorisationOut,
    status_code=201,
    summary="Register a prosecutor's decision or an investigating judge's order (audited)",
)
def register_authorisation(
    body: AuthorisationIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> AuthorisationOut:
    row = services.authorisations.register(
        session,
        actor,
        AuthorisationSpec(
            kind=body.kind,
            reference=body.reference,
            decided_on=body.decided_on,
            magistrate=body.magistrate,
            case_number=body.case_number,
            footage_from=body.footage_from,
            footage_until=body.footage_until,
            expires_at=body.expires_at,
            cameras=body.cameras,
            all_cameras=body.all_cameras,
        ),
    )
    return authorisation_out(row)


@router.post(
    "/api/authorisations/{authorisation_id}/revoke",
    response_model=AuthorisationOut,
    summary="Stop using an authorisation now (audited)",
)
def revoke_authorisation(
    authorisation_id: Annotated[str, StringConstraints(max_length=200)],
    body: RevokeIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> AuthorisationOut:
    """By id, or by its reference."""
    return authorisation_out(services.authorisations.revoke(session, actor, authorisation_id, body.reason))


# -- drone missions ----------------------------------------------------------------------


@router.get(
    "/api/drone-missions", response_model=ReportOut, summary="The drone missions of a year, newest first (audited)"
)
def list_missions(
    year: Year,
    organisation: Annotated[str, Query(max_length=200)] = "",
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ReportOut:
    """`organisation`: for the platform auditor; others read their own organisation's."""
    return report_out(services.drone_missions.listed(session, actor, year, organisation))


@router.get(
    "/api/drone-missions/report.csv",
    summary="The council's yearly report of drone missions as CSV (audited)",
    response_class=Response,
)
def report_as_csv(
    year: Year,
    organisation: Annotated[str, Query(max_length=200)] = "",
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    """One line per mission: local date and times, duration, regime, purpose, area, the
    justifications summarised and the recordings it produced."""
    report = services.drone_missions.report(session, actor, year, organisation)
    return Response(
        report_csv(report, services.settings.zone),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="drone-missions-{year}.csv"'},
    )


@router.get("/api/drone-missions/{mission_id}", response_model=MissionOut, summary="One drone mission (audited)")
def get_mission(
    mission_id: Annotated[str, StringConstraints(max_length=64)],
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> MissionOut:
    return mission_out(services.drone_missions.get(session, actor, mission_id))


@router.post(
    "/api/drone-missions",
    response_model=MissionOut,
    status_code=201,
    summary="Log a drone flight; refused without a justification of substance (audited)",
)
def log_mission(
    body: MissionIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> MissionOut:
    """Import its videos afterwards with `POST /api/drone-missions/{id}/videos`."""
    row = services.drone_missions.log(
        session,
        actor,
        MissionSpec(
            regime=body.regime,
            camera=body.drone,
            requesting_officer=body.requesting_officer,
            responsible_officer=body.responsible_officer,
            purpose=body.purpose,
            proportionality=body.proportionality,
            subsidiarity=body.subsidiarity,
            area=body.area,
            started_at=body.started_at,
            ended_at=body.ended_at,
            authorisation=body.authorisation,
        ),
    )
    return mission_out(row)


@router.post(
    "/api/drone-missions/{mission_id}/videos",
    response_model=MissionOut,
    summary="Import a video the drone recorded (MP4 or MKV, H.264 or H.265) as its footage (audited)",
)
def add_video(
    mission_id: Annotated[str, StringConstraints(max_length=64)],
    video: Annotated[UploadFile, File(description="The video file, as the drone recorded it")],
    recorded_from: Annotated[UtcDateTime | None, Form()] = None,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> MissionOut:
    """`recorded_from`: when the recording started (UTC); the take-off when left out. Kept as
    recorded, without converting: the video must lie within the flight."""
    row = services.drone_missions.add_video(session, actor, mission_id, Video(video.file, recorded_from))
    return mission_out(row)
