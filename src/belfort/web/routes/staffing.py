"""Staffing API: designations to watch live, planned shifts and the supervisor dashboard.

Thin: designating, revoking, switching the organisation's rule, planning and cancelling
shifts are decided and recorded by `belfort.staffing` through the gate; reading the
dashboard is a look at logs, recorded there too.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, StringConstraints
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.errors import InvalidInput
from belfort.i18n import _
from belfort.policy import Actor
from belfort.staffing.designations import DesignationRow, DesignationSpec, Standing, standing
from belfort.staffing.models import LiveDesignation, Shift
from belfort.staffing.shifts import ShiftSpec
from belfort.web.deps import current_actor, db_session, get_services
from belfort.web.rendering import say
from belfort.web.routes.schemas import StrictBody, UtcDateTime

router = APIRouter(tags=["staffing"])

Ref = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
Id = Annotated[str, StringConstraints(max_length=64)]
LONGEST_LISTING = timedelta(days=62)


class DesignationIn(StrictBody):
    person: Ref
    """User name or id, of your organisation."""
    trained_on: date
    """The day of the training (YYYY-MM-DD), up to today."""
    valid_until: date
    """The last day the designation holds, inclusive: after the training, today or later."""
    training: Annotated[str, StringConstraints(max_length=200)] = ""
    """Which training: a course, a certificate number."""
    supervisor: Annotated[str, StringConstraints(max_length=120)] = ""
    """A private security guard's supervising inspector (user name or id); empty for anyone else."""


class RevokeIn(StrictBody):
    reason: Annotated[str, StringConstraints(max_length=1000)]


class RuleIn(StrictBody):
    required: bool
    """True: only the people designated watch live in your organisation."""


class RuleOut(BaseModel):
    organisation: str
    required: bool


class DesignationOut(BaseModel):
    id: str
    person: str
    role: str
    trained_on: date
    training: str
    valid_until: date
    supervisor: str
    designated_at: datetime
    designated_by: str
    revoked_at: datetime | None
    revoked_by: str
    revoke_reason: str
    standing: Standing
    """`in_force`, `expiring` (within the warning period), `expired` or `revoked` (or replaced)."""


class ShiftIn(StrictBody):
    person: Ref
    """User name or id, of your organisation."""
    start: UtcDateTime
    end: UtcDateTime
    """End-exclusive; at most `staffing.max_shift_hours` after the start."""
    team_chief: bool = False
    """The team chief on duty (a person with the team chief's role)."""


class ShiftOut(BaseModel):
    id: str
    person: str
    role: str
    start: datetime
    end: datetime
    team_chief: bool
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None
    cancelled_by: str


class ViewingOut(BaseModel):
    camera_id: str
    camera: str
    person: str
    organisation: str
    own: bool
    purpose: str
    justification: str
    since: datetime
    seconds: float
    on_shift: bool | None
    """Null for another organisation's person (their shifts are planned there)."""
    designated_until: date | None
    supervisor: str
    flags: list[str]


class AnomalyOut(BaseModel):
    flag: str
    person: str
    sentence: str
    camera_id: str


class SupervisionOut(BaseModel):
    at: datetime
    organisation: str
    designation_required: bool
    team_chiefs: list[str]
    """The team chiefs on duty now (user names)."""
    on_duty: list[ShiftOut]
    watching: list[ViewingOut]
    anomalies: list[AnomalyOut]


def designation_out(designation: LiveDesignation, state: Standing) -> DesignationOut:
    return DesignationOut(
        id=str(designation.id),
        person=designation.person.username,
        role=designation.person.role,
        trained_on=designation.trained_on,
        training=designation.training,
        valid_until=designation.valid_until,
        supervisor=designation.supervisor.username if designation.supervisor else "",
        designated_at=designation.designated_at,
        designated_by=designation.designated_by,
        revoked_at=designation.revoked_at,
        revoked_by=designation.revoked_by,
        revoke_reason=designation.revoke_reason,
        standing=state,
    )


def _one(services: Services, designation: LiveDesignation) -> DesignationOut:
    warning = services.settings.staffing.designation_warning_days
    return designation_out(designation, standing(designation, services.designations.today(), warning))


def shift_out(shift: Shift) -> ShiftOut:
    return ShiftOut(
        id=str(shift.id),
        person=shift.person.username,
        role=shift.person.role,
        start=shift.starts_at,
        end=shift.ends_at,
        team_chief=shift.team_chief,
        created_by=shift.created_by,
        created_at=shift.created_at,
        cancelled_at=shift.cancelled_at,
        cancelled_by=shift.cancelled_by,
    )


# -- designations ------------------------------------------------------------------------


@router.get(
    "/api/staffing/designations",
    response_model=list[DesignationOut],
    summary="Your organisation's designations to watch live",
)
def list_designations(
    ended: Annotated[int, Query(ge=0, le=1)] = 0,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[DesignationOut]:
    """`ended=1` includes expired, revoked and replaced designations (the history)."""
    rows: list[DesignationRow] = services.designations.listed(session, actor, include_ended=bool(ended))
    return [designation_out(row.designation, row.standing) for row in rows]


@router.post(
    "/api/staffing/designations",
    response_model=DesignationOut,
    status_code=201,
    summary="Designate a person of your organisation to watch live (audited; replaces one in force)",
)
def add_designation(
    body: DesignationIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> DesignationOut:
    designation = services.designations.add(
        session,
        actor,
        DesignationSpec(
            person=body.person,
            trained_on=body.trained_on,
            valid_until=body.valid_until,
            training=body.training,
            supervisor=body.supervisor,
        ),
    )
    return _one(services, designation)


@router.post(
    "/api/staffing/designations/{designation_id}/revoke",
    response_model=DesignationOut,
    summary="Revoke a designation now, saying why (audited)",
)
def revoke_designation(
    designation_id: Id,
    body: RevokeIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> DesignationOut:
    return _one(services, services.designations.revoke(session, actor, designation_id, body.reason))


@router.get(
    "/api/staffing/designation-rule",
    response_model=RuleOut,
    summary="Whether only designated people watch live in your organisation",
)
def get_rule(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> RuleOut:
    return RuleOut(organisation=actor.organisation_name, required=services.designations.required(session, actor))


@router.put(
    "/api/staffing/designation-rule",
    response_model=RuleOut,
    summary="Switch on (or off) that only designated people watch live in your organisation (audited)",
)
def put_rule(
    body: RuleIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> RuleOut:
    organisation = services.designations.set_required(session, actor, body.required)
    return RuleOut(organisation=organisation.name, required=organisation.live_designation_required)


# -- shifts ------------------------------------------------------------------------------


@router.get("/api/staffing/shifts", response_model=list[ShiftOut], summary="Your organisation's planned shifts")
def list_shifts(
    start: UtcDateTime | None = None,
    end: UtcDateTime | None = None,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[ShiftOut]:
    """The shifts overlapping [start, end) (default: from now, for a week), cancelled ones too;
    at most 62 days at once."""
    since = start or services.clock()
    until = end or since + timedelta(days=7)
    if until - since > LONGEST_LISTING:
        raise InvalidInput(_("end: ask for at most {count} days at once", count=LONGEST_LISTING.days))
    return [shift_out(shift) for shift in services.shifts.listed(session, actor, since, until)]


@router.post(
    "/api/staffing/shifts",
    response_model=ShiftOut,
    status_code=201,
    summary="Plan a shift for a person of your organisation, the team chief's marked (audited)",
)
def add_shift(
    body: ShiftIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ShiftOut:
    spec = ShiftSpec(person=body.person, starts_at=body.start, ends_at=body.end, team_chief=body.team_chief)
    return shift_out(services.shifts.add(session, actor, spec))


@router.post(
    "/api/staffing/shifts/{shift_id}/cancel",
    response_model=ShiftOut,
    summary="Cancel a shift still to come or under way (audited; kept, marked cancelled)",
)
def cancel_shift(
    shift_id: Id,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ShiftOut:
    return shift_out(services.shifts.cancel(session, actor, shift_id))


# -- the supervisor dashboard ------------------------------------------------------------


@router.get(
    "/api/staffing/supervision",
    response_model=SupervisionOut,
    summary="Who watches which camera live now and why, who is on duty, and the anomalies (a look at logs: audited)",
)
def supervision(
    request: Request,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> SupervisionOut:
    board = services.supervisor_board.dashboard(session, actor)
    return SupervisionOut(
        at=board.at,
        organisation=board.organisation,
        designation_required=board.designation_required,
        team_chiefs=[shift.person.username for shift in board.team_chiefs],
        on_duty=[shift_out(shift) for shift in board.on_duty],
        watching=[
            ViewingOut(
                camera_id=viewing.camera_id,
                camera=viewing.camera,
                person=viewing.person,
                organisation=viewing.organisation,
                own=viewing.own,
                purpose=viewing.purpose,
                justification=viewing.justification,
                since=viewing.since,
                seconds=viewing.seconds,
                on_shift=viewing.on_shift,
                designated_until=viewing.designated_until,
                supervisor=viewing.supervisor,
                flags=[flag.value for flag in viewing.flags],
            )
            for viewing in board.watching
        ],
        anomalies=[
            AnomalyOut(flag=a.flag.value, person=a.person, sentence=say(request, a.sentence), camera_id=a.camera_id)
            for a in board.anomalies
        ],
    )
