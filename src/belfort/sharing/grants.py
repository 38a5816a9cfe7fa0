"""Grants: an owner opens its cameras to another organisation, narrowed by the receiver.

The owner's administrator (or a partner, a business owning cameras) grants rights on single
cameras or on one of its groups, for a validity window, optionally for some purposes only,
with a reason. The receiving administrator may narrow a grant to roles, named people and
fewer rights, never widen it. Revoking takes effect at once: live streams opened under the
grant end within the second with the reason, playback links and pending exports made under
it are refused from then on (they check `belfort.cameras.grants.lapsed`). Every change is
one audited decision of the gate; looks through a grant are decided by the gate with the
grant's terms (`belfort.cameras.grants.terms_on`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from belfort.auth.models import Organisation, User
from belfort.cameras.grants import effective_rights, members, padded
from belfort.cameras.groups import GroupService, group_resource
from belfort.cameras.models import Camera, CameraGroupMember, Grant
from belfort.cameras.service import CameraService
from belfort.errors import Conflict, InvalidInput
from belfort.events import EventBus
from belfort.i18n import _
from belfort.policy import Action, Actor, PolicyGate, PurposeKind, Resource, ResourceKind, Right, Role
from belfort.timeutil import Clock, utcnow

GRANTS_TOPIC = "sharing.grants"
MIN_REASON = 10


@dataclass
class GrantSpec:
    """What an owner states when granting."""

    grantee: str
    """The receiving organisation, by name or id."""
    rights: Sequence[str]
    reason: str
    cameras: Sequence[str] = ()
    group: str = ""
    valid_from: datetime | None = None
    """None: from now."""
    valid_until: datetime | None = None
    """None: until revoked."""
    purposes: Sequence[str] = ()
    """Empty: any purpose."""
    footage_from: datetime | None = None
    footage_until: datetime | None = None
    request_id: uuid.UUID | None = None


@dataclass
class Narrowing:
    """What a receiving administrator keeps of a grant: empty means no narrowing of that kind."""

    rights: Sequence[str] = ()
    roles: Sequence[str] = ()
    people: Sequence[str] = ()
    """User names of the receiving organisation."""


@dataclass(frozen=True)
class GrantRow:
    grant: Grant
    cameras: list[Camera] = field(default_factory=list)
    """The cameras the grant opens now (one, or the owner's cameras of the group)."""


def grant_resource(grant: Grant | None, asked: str, owner: uuid.UUID | None = None) -> Resource:
    if grant is None:
        return Resource(ResourceKind.GRANT, "", asked[:120], asked=asked, known=False)
    target = grant.camera.name if grant.camera is not None else (grant.group.name if grant.group else "")
    return Resource(
        ResourceKind.GRANT,
        str(grant.id),
        f"{grant.owner.name} → {grant.grantee.name}: {target}",
        owner or grant.owner_organisation_id,
        owner_name=grant.owner.name,
    )


def parse_rights(values: Sequence[str], label: str) -> list[Right]:
    """Rights as a person named them, in their order, each once; a 4xx naming `label` else."""
    rights = []
    for value in values:
        try:
            rights.append(Right(value.strip()))
        except ValueError:
            raise InvalidInput(
                _(
                    "{field}: '{value}' is not a right; choose from {choices}",
                    field=label,
                    value=value[:40],
                    choices=", ".join(r.value for r in Right),
                )
            ) from None
    return list(dict.fromkeys(rights))


def _parse_purposes(values: Sequence[str]) -> set[PurposeKind]:
    kinds = set()
    for value in values:
        try:
            kinds.add(PurposeKind(value.strip()))
        except ValueError:
            raise InvalidInput(
                _("purposes: '{value}' is not a purpose; choose administrative, judicial or both", value=value[:40])
            ) from None
    return kinds


class GrantService:
    def __init__(
        self,
        gate: PolicyGate,
        cameras: CameraService,
        groups: GroupService,
        bus: EventBus,
        stop_streams: Callable[[str, str], int],
        clock: Clock = utcnow,
    ) -> None:
        self.gate = gate
        self.cameras = cameras
        self.groups = groups
        self.bus = bus
        self._stop_streams = stop_streams
        """Ends the live streams opened under a grant (grant id, reason): the live viewer's."""
        self._clock = clock

    # -- giving -------------------------------------------------------------------------

    def add(self, session: Session, actor: Actor, spec: GrantSpec) -> list[Grant]:
        """Grant `spec.grantee` rights on cameras of the actor's organisation (one grant per
        camera) or on one of its groups (one grant); refused for cameras it does not own."""
        self.gate.require_function(session, actor, "grants", Action.MANAGE_GRANTS)
        grantee = self._organisation(session, spec.grantee)
        if grantee.id == actor.organisation_id:
            raise InvalidInput(_("grantee: an organisation already sees its own cameras; choose another one"))
        rights = set(parse_rights(spec.rights, "rights"))
        if not rights:
            raise InvalidInput(_("rights: choose at least one of {choices}", choices=", ".join(r.value for r in Right)))
        purposes = _parse_purposes(spec.purposes)
        if len(spec.reason.strip()) < MIN_REASON:
            raise InvalidInput(_("reason: say in at least {count} characters why the grant is given", count=MIN_REASON))
        now = self._clock()
        valid_from = spec.valid_from or now
        if spec.valid_until is not None and spec.valid_until <= valid_from:
            raise InvalidInput(_("valid until: choose a moment after the start of the grant"))
        if spec.valid_until is not None and spec.valid_until <= now:
            raise InvalidInput(_("valid until: choose a moment in the future"))
        if spec.footage_from and spec.footage_until and spec.footage_until <= spec.footage_from:
            raise InvalidInput(_("footage until: choose a moment after the footage start"))
        if bool(spec.cameras) == bool(spec.group):
            raise InvalidInput(_("name the cameras or one group to grant, not both and not neither"))
        targets: list[tuple[Camera | None, uuid.UUID | None, Resource]] = []
        if spec.group:
            group = self.groups.find(session, actor.organisation_id, spec.group)
            resource = group_resource(group, spec.group)
            targets.append((None, group.id if group else None, resource))
        else:
            for ref in dict.fromkeys(spec.cameras):
                camera = self.cameras.find(session, ref)
                targets.append((camera, None, self.cameras.resource(session, actor, camera, ref)))
        made = []
        for camera, group_id, resource in targets:
            self.gate.require(
                session,
                actor,
                Action.MANAGE_GRANTS,
                resource,
                recipient=grantee.name,
                detail={
                    "change": "grant",
                    "rights": padded(r.value for r in rights).strip(),
                    "purposes": padded(p.value for p in purposes).strip() or "any",
                    "until": spec.valid_until.isoformat() if spec.valid_until else "revoked",
                },
            )
            grant = Grant(
                owner_organisation_id=actor.organisation_id,
                grantee_organisation_id=grantee.id,
                camera_id=camera.id if camera else None,
                group_id=group_id,
                rights=padded(r.value for r in rights),
                purposes=padded(p.value for p in purposes),
                valid_from=valid_from,
                valid_until=spec.valid_until,
                footage_from=spec.footage_from,
                footage_until=spec.footage_until,
                reason=spec.reason.strip(),
                request_id=spec.request_id,
                created_by=actor.name,
                created_at=now,
            )
            session.add(grant)
            made.append(grant)
        session.flush()
        for grant in made:
            session.refresh(grant)
            self._announce("granted", grant)
        return made

    def revoke(self, session: Session, actor: Actor, ref: str, reason: str) -> Grant:
        """End a grant now (the owner's side): streams under it stop with `reason`."""
        grant = self._grant(session, actor, ref, Action.MANAGE_GRANTS, owner_side=True, detail={"change": "revoke"})
        if len(reason.strip()) < MIN_REASON:
            raise InvalidInput(_("reason: say in at least {count} characters why the grant ends", count=MIN_REASON))
        if grant.revoked_at is not None:
            raise Conflict(_("this grant was already revoked"))
        grant.revoked_at = self._clock()
        grant.revoked_by = actor.name
        grant.revoke_reason = reason.strip()
        session.flush()
        self._stop_streams(
            str(grant.id),
            _("{owner} revoked access to this camera: {reason}", owner=grant.owner.name, reason=grant.revoke_reason),
        )
        self._announce("revoked", grant)
        return grant

    # -- narrowing (the receiving side) ---------------------------------------------------

    def narrow(self, session: Session, actor: Actor, ref: str, narrowing: Narrowing) -> Grant:
        """Keep a received grant for some roles, named people and rights only; never wider
        than the owner gave. Empty lists lift that kind of narrowing."""
        grant = self._grant(session, actor, ref, Action.NARROW_GRANTS, owner_side=False, detail={"change": "narrow"})
        given = effective_rights(grant) if not grant.narrow_rights else {Right(r) for r in members(grant.rights)}
        rights = set(parse_rights(narrowing.rights, "rights"))
        wider = rights - set(given)
        if wider:
            raise InvalidInput(
                _(
                    "rights: the owner did not grant {rights}; a narrowing may only keep rights the grant gives",
                    rights=", ".join(sorted(r.value for r in wider)),
                )
            )
        roles = set()
        for value in narrowing.roles:
            try:
                roles.add(Role(value.strip()))
            except ValueError:
                raise InvalidInput(_("roles: '{value}' is not a role", value=value[:40])) from None
        people = []
        for name in dict.fromkeys(narrowing.people):
            user = session.scalars(
                select(User).where(User.username == name.strip(), User.organisation_id == grant.grantee_organisation_id)
            ).first()
            if user is None:
                raise InvalidInput(_("people: there is no '{name}' in your organisation", name=name[:64]))
            people.append(str(user.id))
        grant.narrow_rights = padded(r.value for r in rights)
        grant.narrow_roles = padded(r.value for r in roles)
        grant.narrow_people = padded(people)
        grant.narrowed_by = actor.name
        session.flush()
        self._announce("narrowed", grant)
        return grant

    # -- reading ------------------------------------------------------------------------

    def given(self, session: Session, actor: Actor, include_ended: bool = False) -> list[GrantRow]:
        """The grants the actor's organisation gave, newest first."""
        return self._listed(session, actor, Grant.owner_organisation_id, include_ended)

    def received(self, session: Session, actor: Actor, include_ended: bool = False) -> list[GrantRow]:
        """The grants the actor's organisation received, newest first."""
        return self._listed(session, actor, Grant.grantee_organisation_id, include_ended)

    def _listed(
        self, session: Session, actor: Actor, side: InstrumentedAttribute[uuid.UUID], include_ended: bool
    ) -> list[GrantRow]:
        self.gate.require_function(session, actor, "grants", Action.VIEW_SHARING)
        if actor.organisation_id is None:
            return []
        statement = select(Grant).where(side == actor.organisation_id).order_by(Grant.created_at.desc())
        if not include_ended:
            now = self._clock()
            statement = statement.where(
                Grant.revoked_at.is_(None), or_(Grant.valid_until.is_(None), Grant.valid_until > now)
            )
        return [GrantRow(grant, self.cameras_of(session, grant)) for grant in session.scalars(statement).unique()]

    @staticmethod
    def cameras_of(session: Session, grant: Grant) -> list[Camera]:
        """The cameras a grant opens: its camera, or the owner's cameras of its group."""
        if grant.camera is not None:
            return [grant.camera] if grant.camera.organisation_id == grant.owner_organisation_id else []
        statement = (
            select(Camera)
            .join(CameraGroupMember, CameraGroupMember.camera_id == Camera.id)
            .where(
                CameraGroupMember.group_id == grant.group_id,
                Camera.organisation_id == grant.owner_organisation_id,
                Camera.removed_at.is_(None),
            )
            .order_by(Camera.name)
        )
        return list(session.scalars(statement).unique())

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _organisation(session: Session, ref: str) -> Organisation:
        try:
            found = session.get(Organisation, uuid.UUID(ref))
        except ValueError:
            found = session.scalars(select(Organisation).where(Organisation.name == ref.strip())).first()
        if found is None:
            raise InvalidInput(_("grantee: there is no organisation '{name}'", name=ref[:120]))
        return found

    def _grant(
        self, session: Session, actor: Actor, ref: str, action: Action, *, owner_side: bool, detail: dict[str, str]
    ) -> Grant:
        try:
            grant = session.get(Grant, uuid.UUID(ref))
        except ValueError:
            grant = None
        side = None
        if grant is not None:
            side = grant.owner_organisation_id if owner_side else grant.grantee_organisation_id
        self.gate.require(session, actor, action, grant_resource(grant, ref, side), detail=detail)
        assert grant is not None
        return grant

    def _announce(self, change: str, grant: Grant) -> None:
        self.bus.publish(
            GRANTS_TOPIC,
            {
                "change": change,
                "grant": str(grant.id),
                "owner": grant.owner.name,
                "grantee": grant.grantee.name,
                "rights": members(grant.rights),
            },
        )
