"""Camera groups: named sets of an organisation's cameras, hand-picked or by rule.

A rule group (`area`, `street`, `owner`) holds every camera whose area, street or owner
matches, and is kept so as cameras are registered, changed or removed (`refresh_for`). A
group is only a name for a set: who sees its cameras is still decided by ownership and
grants, so a group may be made of any cameras (a control room's "Grote Markt" group may
hold the city's and the shops' cameras). A grant on a group opens only the cameras of it
that the grant's owner owns. Every change passes the gate as `cameras.groups`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from belfort.auth.models import Organisation
from belfort.cameras.membership import refresh_group
from belfort.cameras.models import Camera, CameraGroup, CameraGroupMember, Grant
from belfort.cameras.service import NAME_RE, CameraService, visible_condition
from belfort.errors import Conflict, InvalidInput
from belfort.i18n import Message, _
from belfort.policy import Action, Actor, PolicyGate, Resource, ResourceKind
from belfort.timeutil import Clock, utcnow

RULES = ("picked", "area", "street", "owner")


@dataclass(frozen=True)
class GroupView:
    group: CameraGroup
    cameras: list[Camera]
    """The group's cameras the viewer may see."""


def group_resource(group: CameraGroup | None, asked: str) -> Resource:
    if group is None:
        return Resource(ResourceKind.GROUP, "", asked[:120], asked=asked, known=False)
    return Resource(
        ResourceKind.GROUP, str(group.id), group.name, group.organisation_id, owner_name=group.organisation.name
    )


class GroupService:
    def __init__(self, gate: PolicyGate, cameras: CameraService, clock: Clock = utcnow) -> None:
        self.gate = gate
        self.cameras = cameras
        self._clock = clock

    @staticmethod
    def find(session: Session, organisation_id: uuid.UUID | None, ref: str) -> CameraGroup | None:
        """A group by id, or by name within `organisation_id`."""
        try:
            return session.get(CameraGroup, uuid.UUID(ref))
        except ValueError:
            if organisation_id is None:
                return None
            statement = select(CameraGroup).where(
                CameraGroup.organisation_id == organisation_id, CameraGroup.name == ref.strip()
            )
            return session.scalars(statement).first()

    def require(self, session: Session, actor: Actor, ref: str, action: Action = Action.MANAGE_GROUPS) -> CameraGroup:
        group = self.find(session, actor.organisation_id, ref)
        self.gate.require(session, actor, action, group_resource(group, ref))
        assert group is not None
        return group

    def listed(self, session: Session, actor: Actor) -> list[GroupView]:
        """The actor's organisation's groups, each with the cameras of it the actor may see
        (for those who make groups or see the grants made with them)."""
        self.gate.require_function(session, actor, "camera groups", Action.MANAGE_GROUPS, Action.VIEW_SHARING)
        if actor.organisation_id is None:
            return []
        groups = session.scalars(
            select(CameraGroup).where(CameraGroup.organisation_id == actor.organisation_id).order_by(CameraGroup.name)
        ).all()
        seen = visible_condition(actor, self._clock())
        views = []
        for group in groups:
            cameras = session.scalars(
                select(Camera)
                .join(CameraGroupMember, CameraGroupMember.camera_id == Camera.id)
                .where(CameraGroupMember.group_id == group.id, Camera.removed_at.is_(None), seen)
                .order_by(Camera.name)
            ).all()
            views.append(GroupView(group, list(cameras)))
        return views

    def create(
        self,
        session: Session,
        actor: Actor,
        name: str,
        rule: str,
        value: str = "",
        cameras: Sequence[str] = (),
    ) -> CameraGroup:
        """A new group of the actor's organisation: `picked` with `cameras` (references the
        actor may see), or by `area`, `street` or `owner` (an organisation's name) `value`."""
        name = name.strip()
        self.gate.require(
            session,
            actor,
            Action.MANAGE_GROUPS,
            Resource(ResourceKind.GROUP, "", name[:120], actor.organisation_id),
            detail={"change": "create", "rule": rule},
        )
        if not NAME_RE.match(name):
            raise InvalidInput(_("group name must be 2 to 120 characters: letters, digits, spaces and .,'()/&+-"))
        if rule not in RULES:
            raise InvalidInput(_("rule: choose one of {choices}", choices=", ".join(RULES)))
        if actor.organisation_id is None:
            raise InvalidInput(_("only a person of an organisation makes camera groups"))
        value = value.strip()
        if rule == "owner":
            owner = session.scalars(select(Organisation).where(Organisation.name == value)).first()
            if owner is None:
                raise InvalidInput(_("owner: there is no organisation named '{name}'", name=value[:120]))
            value = str(owner.id)
        elif rule in ("area", "street") and not value:
            raise InvalidInput(_("{rule}: name the {rule} whose cameras make the group", rule=rule))
        elif rule == "picked" and value:
            raise InvalidInput(_("a picked group has no rule value: list its cameras instead"))
        now = self._clock()
        group = CameraGroup(
            organisation_id=actor.organisation_id, name=name, rule=rule, value=value, created_at=now, updated_at=now
        )
        session.add(group)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(_("your organisation already has a group named '{name}'", name=name)) from None
        if rule == "picked":
            self._pick(session, actor, group, cameras)
        else:
            refresh_group(session, group)
        return group

    def set_cameras(self, session: Session, actor: Actor, ref: str, cameras: Sequence[str]) -> CameraGroup:
        """Replace a picked group's cameras (references the actor may see)."""
        group = self.require(session, actor, ref)
        if group.rule != "picked":
            raise InvalidInput(
                _("the cameras of a group by {rule} follow its rule: change the rule instead", rule=group.rule)
            )
        session.execute(delete(CameraGroupMember).where(CameraGroupMember.group_id == group.id))
        self._pick(session, actor, group, cameras)
        group.updated_at = self._clock()
        return group

    def remove(self, session: Session, actor: Actor, ref: str) -> None:
        """Delete a group no grant ever named: a grant, even ended, keeps naming what it opened."""
        group = self.require(session, actor, ref)
        grants = session.scalars(select(Grant).where(Grant.group_id == group.id)).all()
        if any(grant.revoked_at is None for grant in grants):
            raise Conflict(_("group '{name}' is used by a grant: revoke the grant first", name=group.name))
        if grants:
            raise Conflict(
                _(
                    "group '{name}' is named by ended grants, which keep the record of what was shared: "
                    "it stays; change its cameras instead",
                    name=group.name,
                )
            )
        session.delete(group)

    def _pick(self, session: Session, actor: Actor, group: CameraGroup, refs: Sequence[str]) -> None:
        chosen: dict[uuid.UUID, Camera] = {}
        for ref in refs:
            camera = self.cameras.require(session, actor, ref, Action.VIEW_CAMERA)
            chosen[camera.id] = camera
        session.add_all(CameraGroupMember(group_id=group.id, camera_id=camera_id) for camera_id in chosen)
        session.flush()


def describe_rule(group: CameraGroup, owners: dict[str, str]) -> Message:
    """A group's rule in words, for lists."""
    if group.rule == "area":
        return _("area {name}", name=group.value)
    if group.rule == "street":
        return _("street {name}", name=group.value)
    if group.rule == "owner":
        return _("cameras of {name}", name=owners.get(group.value, group.value))
    return _("picked cameras")
