"""Sharing API: grants given and received, camera groups, and the use of one's cameras.

Thin: giving, revoking and narrowing grants (`belfort.sharing.grants`), making groups
(`belfort.cameras.groups`) and reading the use of one's cameras by other organisations
(`belfort.sharing.use`) are decided and recorded by those services through the gate.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.models import User
from belfort.cameras.grants import members
from belfort.cameras.groups import GroupView
from belfort.cameras.models import Grant
from belfort.policy import Actor
from belfort.sharing.grants import GrantRow, GrantSpec, Narrowing
from belfort.sharing.use import Use, UseFilter
from belfort.web.deps import current_actor, db_session, get_services
from belfort.web.routes.schemas import StrictBody, UtcDateTime

router = APIRouter(tags=["sharing"])

Ref = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
Word = Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]


class GrantIn(StrictBody):
    grantee: Ref
    """The receiving organisation, by name or id."""
    rights: Annotated[list[Word], Field(min_length=1, max_length=6)]
    """Any of live, playback, export, ptz, anpr_reads, anpr_hits."""
    reason: Annotated[str, StringConstraints(max_length=1000)]
    cameras: Annotated[list[Ref], Field(max_length=500)] = []
    """Cameras of your organisation, by id or name; or name a `group`."""
    group: Annotated[str, StringConstraints(max_length=120, strip_whitespace=True)] = ""
    valid_from: UtcDateTime | None = None
    """From now when left out."""
    valid_until: UtcDateTime | None = None
    """Until revoked when left out."""
    footage_from: UtcDateTime | None = None
    footage_until: UtcDateTime | None = None
    purposes: Annotated[list[Word], Field(max_length=2)] = []
    """administrative and/or judicial; any purpose when empty."""


class RevokeIn(StrictBody):
    reason: Annotated[str, StringConstraints(max_length=1000)]


class NarrowIn(StrictBody):
    rights: Annotated[list[Word], Field(max_length=6)] = []
    roles: Annotated[list[Word], Field(max_length=10)] = []
    people: Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(max_length=200)] = []
    """User names of your organisation."""


class CameraRefOut(BaseModel):
    id: str
    name: str


class GrantOut(BaseModel):
    id: str
    owner: str
    grantee: str
    camera: str
    group: str
    cameras: list[CameraRefOut]
    """The cameras the grant opens now."""
    rights: list[str]
    purposes: list[str]
    valid_from: datetime
    valid_until: datetime | None
    footage_from: datetime | None
    footage_until: datetime | None
    reason: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str
    revoke_reason: str
    narrow_rights: list[str]
    narrow_roles: list[str]
    narrow_people: list[str]
    """User names."""
    active: bool


class GroupIn(StrictBody):
    name: Annotated[str, StringConstraints(max_length=120)]
    rule: Literal["picked", "area", "street", "owner"] = "picked"
    value: Annotated[str, StringConstraints(max_length=200)] = ""
    """The area, street, or owner organisation's name (rule groups)."""
    cameras: Annotated[list[Ref], Field(max_length=500)] = []
    """Cameras by id or name (a picked group)."""


class GroupCamerasIn(StrictBody):
    cameras: Annotated[list[Ref], Field(max_length=500)]


class GroupOut(BaseModel):
    id: str
    name: str
    rule: str
    value: str
    cameras: list[CameraRefOut]


class UseOut(BaseModel):
    seq: int
    ts_utc: datetime
    organisation: str
    person: str
    role: str
    action: str
    camera: str
    camera_id: str
    purpose: str
    justification: str
    outcome: str
    granted: bool
    reason: str
    grant: str


class WatchingNowOut(BaseModel):
    camera_id: str
    camera: str
    person: str
    organisation: str
    purpose: str
    justification: str
    since: datetime
    grant: str


class UseViewOut(BaseModel):
    uses: list[UseOut]
    watching: list[WatchingNowOut]
    next_before: int | None
    """Pass as `before` for the next, older page; null on the last page."""


def _people(session: Session, grants: list[Grant]) -> dict[str, str]:
    ids = {uuid.UUID(person) for grant in grants for person in members(grant.narrow_people)}
    if not ids:
        return {}
    return {str(i): name for i, name in session.execute(select(User.id, User.username).where(User.id.in_(ids)))}


def grant_out(row: GrantRow, names: dict[str, str], now: datetime) -> GrantOut:
    grant = row.grant
    return GrantOut(
        id=str(grant.id),
        owner=grant.owner.name,
        grantee=grant.grantee.name,
        camera=grant.camera.name if grant.camera else "",
        group=grant.group.name if grant.group else "",
        cameras=[CameraRefOut(id=str(c.id), name=c.name) for c in row.cameras],
        rights=members(grant.rights),
        purposes=members(grant.purposes),
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
        footage_from=grant.footage_from,
        footage_until=grant.footage_until,
        reason=grant.reason,
        created_by=grant.created_by,
        created_at=grant.created_at,
        revoked_at=grant.revoked_at,
        revoked_by=grant.revoked_by,
        revoke_reason=grant.revoke_reason,
        narrow_rights=members(grant.narrow_rights),
        narrow_roles=members(grant.narrow_roles),
        narrow_people=[names.get(p, p) for p in members(grant.narrow_people)],
        active=grant.revoked_at is None and (grant.valid_until is None or grant.valid_until > now),
    )


def _rows_out(session: Session, services: Services, rows: list[GrantRow]) -> list[GrantOut]:
    names = _people(session, [row.grant for row in rows])
    now = services.clock()
    return [grant_out(row, names, now) for row in rows]


def group_out(view: GroupView) -> GroupOut:
    group = view.group
    return GroupOut(
        id=str(group.id),
        name=group.name,
        rule=group.rule,
        value=group.value,
        cameras=[CameraRefOut(id=str(c.id), name=c.name) for c in view.cameras],
    )


def use_out(use: Use) -> UseOut:
    record = use.record
    return UseOut(
        seq=record.seq,
        ts_utc=record.ts_utc,
        organisation=record.organisation_name,
        person=record.actor_name,
        role=record.role,
        action=record.action,
        camera=use.camera,
        camera_id=use.camera_id,
        purpose=record.purpose,
        justification=record.justification,
        outcome=record.outcome,
        granted=use.granted,
        reason=record.reason,
        grant=use.grant,
    )


# -- grants ------------------------------------------------------------------------------


@router.get("/api/grants", response_model=list[GrantOut], summary="Grants your organisation gave or received")
def list_grants(
    side: Literal["given", "received"] = "given",
    ended: Annotated[int, Query(ge=0, le=1)] = 0,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[GrantOut]:
    """`ended=1` includes revoked and expired grants."""
    listing = services.grants.given if side == "given" else services.grants.received
    return _rows_out(session, services, listing(session, actor, include_ended=bool(ended)))


@router.post(
    "/api/grants",
    response_model=list[GrantOut],
    status_code=201,
    summary="Grant another organisation rights on your cameras or on one of your groups (audited)",
)
def add_grant(
    body: GrantIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[GrantOut]:
    """One grant per camera, or one for the group."""
    made = services.grants.add(
        session,
        actor,
        GrantSpec(
            grantee=body.grantee,
            rights=body.rights,
            reason=body.reason,
            cameras=body.cameras,
            group=body.group,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
            purposes=body.purposes,
            footage_from=body.footage_from,
            footage_until=body.footage_until,
        ),
    )
    return _rows_out(session, services, [GrantRow(g, services.grants.cameras_of(session, g)) for g in made])


@router.post("/api/grants/{grant_id}/revoke", response_model=GrantOut, summary="End a grant you gave, now (audited)")
def revoke_grant(
    grant_id: Annotated[str, StringConstraints(max_length=64)],
    body: RevokeIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> GrantOut:
    """Live streams opened under it stop at once with the reason."""
    grant = services.grants.revoke(session, actor, grant_id, body.reason)
    return _rows_out(session, services, [GrantRow(grant, services.grants.cameras_of(session, grant))])[0]


@router.post(
    "/api/grants/{grant_id}/narrow",
    response_model=GrantOut,
    summary="Keep a received grant for some roles, people and rights only (never wider; audited)",
)
def narrow_grant(
    grant_id: Annotated[str, StringConstraints(max_length=64)],
    body: NarrowIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> GrantOut:
    """Empty lists lift that kind of narrowing."""
    grant = services.grants.narrow(
        session, actor, grant_id, Narrowing(rights=body.rights, roles=body.roles, people=body.people)
    )
    return _rows_out(session, services, [GrantRow(grant, services.grants.cameras_of(session, grant))])[0]


# -- groups ------------------------------------------------------------------------------


@router.get("/api/groups", response_model=list[GroupOut], summary="Your organisation's camera groups")
def list_groups(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[GroupOut]:
    return [group_out(view) for view in services.groups.listed(session, actor)]


def _group_view(services: Services, session: Session, actor: Actor, group_id: uuid.UUID) -> GroupOut:
    for view in services.groups.listed(session, actor):
        if view.group.id == group_id:
            return group_out(view)
    raise AssertionError("a group just changed is listed")


@router.post("/api/groups", response_model=GroupOut, status_code=201, summary="Make a camera group (audited)")
def add_group(
    body: GroupIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> GroupOut:
    group = services.groups.create(session, actor, body.name, body.rule, body.value, body.cameras)
    return _group_view(services, session, actor, group.id)


@router.put(
    "/api/groups/{group_id}/cameras", response_model=GroupOut, summary="Replace a picked group's cameras (audited)"
)
def set_group_cameras(
    group_id: Annotated[str, StringConstraints(max_length=120)],
    body: GroupCamerasIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> GroupOut:
    group = services.groups.set_cameras(session, actor, group_id, body.cameras)
    session.flush()
    return _group_view(services, session, actor, group.id)


@router.delete(
    "/api/groups/{group_id}", status_code=204, response_class=Response, summary="Delete a camera group (audited)"
)
def delete_group(
    group_id: Annotated[str, StringConstraints(max_length=120)],
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    services.groups.remove(session, actor, group_id)
    session.flush()
    return Response(status_code=204)


# -- use of my cameras -------------------------------------------------------------------


@router.get(
    "/api/sharing/use",
    response_model=UseViewOut,
    summary="Looks by other organisations at your cameras, and their streams open now (audited)",
)
def camera_use(
    organisation: Annotated[str, Query(max_length=200)] = "",
    person: Annotated[str, Query(max_length=200)] = "",
    camera: Annotated[str, Query(max_length=200)] = "",
    outcome: Literal["", "granted", "refused"] = "",
    since: Annotated[UtcDateTime | None, Query()] = None,
    until: Annotated[UtcDateTime | None, Query()] = None,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> UseViewOut:
    view = services.camera_use.view(
        session,
        actor,
        UseFilter(
            organisation=organisation,
            person=person,
            camera=camera,
            outcome=outcome,
            since=since,
            until=until,
            before_seq=before,
            limit=limit,
        ),
    )
    return UseViewOut(
        uses=[use_out(use) for use in view.uses],
        watching=[
            WatchingNowOut(
                camera_id=stream.camera_id,
                camera=name,
                person=stream.watcher.person,
                organisation=stream.watcher.organisation,
                purpose=stream.watcher.purpose,
                justification=stream.watcher.justification,
                since=stream.watcher.since,
                grant=stream.watcher.grant,
            )
            for stream, name in view.watching
        ],
        next_before=view.next_before,
    )
