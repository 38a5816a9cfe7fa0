"""Which cameras an owner's grants open to a person, in SQL and as the policy's terms.

A grant names one camera or a group; through a group it opens only the cameras of the group
that the grant's owner owns (a camera that changes hands leaves the grant). A grant reaches
a person when it is for their organisation, not revoked and, if the receiving
administrator narrowed it, for their role or for them by name. `granted_cameras` is the SQL
for the camera lists; `terms_on` loads the same grants for one camera as `GrantTerm`s, with
which the gate decides each look. Sets are stored space-padded (` live playback `) so a
LIKE finds one member; `padded` and `members` are the only places that know it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select, union
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from belfort.cameras.models import Camera, CameraGroupMember, Grant
from belfort.i18n import Message, _
from belfort.policy import Actor, GrantTerm, PurposeKind, Right, Role


def padded(values: Iterable[str]) -> str:
    """A set as stored: sorted, space-separated, with a space at both ends ('' when empty)."""
    items = sorted(set(values))
    return f" {' '.join(items)} " if items else ""


def members(stored: str) -> list[str]:
    return stored.split()


def _contains(column: ColumnElement[str], value: str) -> ColumnElement[bool]:
    return or_(column == "", column.contains(f" {value} "))


def reaching(actor: Actor, now: datetime, right: Right | None = None) -> ColumnElement[bool]:
    """SQL for "a grant that reaches the actor now" (giving `right`, when one is named)."""
    conditions = [
        Grant.grantee_organisation_id == actor.organisation_id,
        Grant.revoked_at.is_(None),
        Grant.valid_from <= now,
        or_(Grant.valid_until.is_(None), Grant.valid_until > now),
        _contains(Grant.narrow_roles, actor.role.value if actor.role else "-"),
        _contains(Grant.narrow_people, str(actor.id) if actor.id else "-"),
    ]
    if right is not None:
        conditions += [Grant.rights.contains(f" {right.value} "), _contains(Grant.narrow_rights, right.value)]
    return and_(*conditions)


def granted_cameras(actor: Actor, now: datetime, right: Right | None = None) -> Select[tuple[uuid.UUID]]:
    """The ids of the cameras the owners' grants open to the actor now."""
    owned = aliased(Camera)
    single = (
        select(Grant.camera_id)
        .join(owned, owned.id == Grant.camera_id)
        .where(reaching(actor, now, right), owned.organisation_id == Grant.owner_organisation_id)
    )
    grouped = (
        select(CameraGroupMember.camera_id)
        .join(Grant, Grant.group_id == CameraGroupMember.group_id)
        .join(owned, owned.id == CameraGroupMember.camera_id)
        .where(reaching(actor, now, right), owned.organisation_id == Grant.owner_organisation_id)
    )
    return select(union(single, grouped).subquery().c[0])


def _opened_by(grants: list[Grant]) -> Select[tuple[uuid.UUID]]:
    """The ids of the cameras some grants open (their camera, or the owner's of their group)."""
    ids = [grant.id for grant in grants]
    owned = aliased(Camera)
    single = (
        select(Grant.camera_id)
        .join(owned, owned.id == Grant.camera_id)
        .where(Grant.id.in_(ids), owned.organisation_id == Grant.owner_organisation_id)
    )
    grouped = (
        select(CameraGroupMember.camera_id)
        .join(Grant, Grant.group_id == CameraGroupMember.group_id)
        .join(owned, owned.id == CameraGroupMember.camera_id)
        .where(Grant.id.in_(ids), owned.organisation_id == Grant.owner_organisation_id)
    )
    return select(union(single, grouped).subquery().c[0])


def granted_footage(
    session: Session,
    actor: Actor,
    now: datetime,
    right: Right,
    purpose: PurposeKind | None,
    camera: InstrumentedAttribute[uuid.UUID | None],
    moment: InstrumentedAttribute[datetime],
) -> tuple[ColumnElement[bool] | None, list[Grant]]:
    """SQL for "a row of a camera another organisation granted the actor `right` on, for the
    purpose, within the footage range of that grant" (plate reads in a search), and the grants
    it rests on; (None, []) when no grant reaches the actor."""
    grants = [
        grant
        for grant in session.scalars(select(Grant).where(reaching(actor, now, right))).unique()
        if not grant.purposes or (purpose is not None and purpose.value in members(grant.purposes))
    ]
    by_range: dict[tuple[datetime | None, datetime | None], list[Grant]] = {}
    for grant in grants:
        by_range.setdefault((grant.footage_from, grant.footage_until), []).append(grant)
    conditions = []
    for (start, end), same in by_range.items():
        parts = [camera.in_(_opened_by(same))]
        if start is not None:
            parts.append(moment >= start)
        if end is not None:
            parts.append(moment <= end)
        conditions.append(and_(*parts))
    return (or_(*conditions) if conditions else None), grants


def effective_rights(grant: Grant) -> frozenset[Right]:
    """The owner's rights, less those the receiving administrator narrowed away."""
    given = {Right(value) for value in members(grant.rights)}
    narrowed = {Right(value) for value in members(grant.narrow_rights)}
    return frozenset(given & narrowed if narrowed else given)


def term_of(grant: Grant) -> GrantTerm:
    return GrantTerm(
        id=str(grant.id),
        owner=grant.owner.name,
        grantee=grant.grantee_organisation_id,
        rights=effective_rights(grant),
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
        purposes=frozenset(PurposeKind(value) for value in members(grant.purposes)),
        footage_from=grant.footage_from,
        footage_until=grant.footage_until,
        roles=frozenset(Role(value) for value in members(grant.narrow_roles)),
        people=frozenset(uuid.UUID(value) for value in members(grant.narrow_people)),
    )


def grants_on(session: Session, camera: Camera, organisation_id: uuid.UUID) -> list[Grant]:
    """The owner's grants (not revoked) on `camera` to one organisation, directly or by group."""
    groups = select(CameraGroupMember.group_id).where(CameraGroupMember.camera_id == camera.id)
    statement = select(Grant).where(
        Grant.grantee_organisation_id == organisation_id,
        Grant.owner_organisation_id == camera.organisation_id,
        Grant.revoked_at.is_(None),
        or_(Grant.camera_id == camera.id, Grant.group_id.in_(groups)),
    )
    return list(session.scalars(statement.order_by(Grant.created_at)).unique())


def terms_on(session: Session, camera: Camera, actor: Actor) -> tuple[GrantTerm, ...]:
    """The grant terms the gate weighs for the actor's look at `camera` (none for one's own)."""
    if actor.organisation_id is None or camera.organisation_id == actor.organisation_id:
        return ()
    return tuple(term_of(grant) for grant in grants_on(session, camera, actor.organisation_id))


def lapsed(session: Session, grant_id: str, now: datetime) -> Message | None:
    """Why a look opened under grant `grant_id` may go on no longer (revoked, ended), or None
    while the grant holds: a playback link, a live stream or a pending export checks it."""
    grant = session.get(Grant, uuid.UUID(grant_id))
    if grant is None or grant.revoked_at is not None:
        owner = grant.owner.name if grant is not None else "?"
        reason = grant.revoke_reason if grant is not None else ""
        return _("{owner} revoked the grant this was opened under: {reason}", owner=owner, reason=reason or "-")
    if not (grant.valid_from <= now and (grant.valid_until is None or now < grant.valid_until)):
        return _("{owner}'s grant this was opened under is not valid now", owner=grant.owner.name)
    return None
