"""Designations to watch live: the chief designates, renews and revokes; the live view asks.

An administrator of the organisation (the chief of police's hand on the platform) designates
one of its people with the date of their training and the last day the designation holds;
a private security guard's designation names the supervising inspector they report to. A
renewal replaces the designation in force; a revocation says why. Rows are never edited
or deleted: the history of who could watch live stays readable. Whether an organisation
requires designations is its own switch. This module never decides a live look: it hands
the designation to the gate as data (`designated`), and the rule in `policy.rules` decides.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.auth.models import Organisation, User
from belfort.auth.service import actor_of_user
from belfort.errors import Conflict, InvalidInput
from belfort.i18n import _
from belfort.policy import Action, Actor, ActorKind, DesignationTerm, PolicyGate, Resource, ResourceKind, Role, may
from belfort.policy.rules import ROLES_WITH_ARTICLE
from belfort.settings import StaffingSettings
from belfort.staffing.models import LiveDesignation
from belfort.staffing.people import MAX_REF, find_person, organisation_of, person_resource, printable
from belfort.timeutil import Clock, utcnow

MIN_REASON = 10
LONGEST_YEARS = 10
"""No designation holds longer than this after the training: a date further on is a typing error."""
LISTERS = (Action.DESIGNATE_VIEWERS, Action.SUPERVISE_VIEWING, Action.MANAGE_SHIFTS)
"""Who may read the designations: the chief who gives them, and the team chief and DPO who check."""
SUPERVISING_ROLES = frozenset({Role.OPERATOR, Role.INSPECTOR, Role.SUPERVISOR})
"""Who may supervise a private security guard: the zone's own police staff of the control room."""


class Standing(StrEnum):
    """Where a designation stands today."""

    IN_FORCE = "in_force"
    EXPIRING = "expiring"
    """In force, and ends within the warning period."""
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class DesignationSpec:
    """What the chief states when designating someone."""

    person: str
    """User name or id, of the chief's organisation."""
    trained_on: date
    valid_until: date
    """The last day it holds, inclusive."""
    training: str = ""
    supervisor: str = ""
    """A security guard's supervising inspector (user name or id); empty for everyone else."""


@dataclass(frozen=True)
class DesignationRow:
    designation: LiveDesignation
    standing: Standing


def designation_resource(designation: LiveDesignation | None, ref: str) -> Resource:
    asked = ref.strip()[:MAX_REF]
    if designation is None:
        return Resource(ResourceKind.DESIGNATION, "", asked, asked=asked, known=False)
    return Resource(
        ResourceKind.DESIGNATION,
        str(designation.id),
        designation.person.username,
        designation.organisation_id,
        asked=asked,
    )


def standing(designation: LiveDesignation, today: date, warning_days: int) -> Standing:
    if designation.revoked_at is not None:
        return Standing.REVOKED
    if designation.valid_until < today:
        return Standing.EXPIRED
    if designation.valid_until < today + timedelta(days=warning_days):
        return Standing.EXPIRING
    return Standing.IN_FORCE


def term_of(designation: LiveDesignation) -> DesignationTerm:
    """A designation as the live-view rule weighs it; a supervisor whose account was disabled
    or moved to another organisation supervises no one any more."""
    supervisor = designation.supervisor
    supervising = (
        supervisor is not None and supervisor.active and supervisor.organisation_id == designation.organisation_id
    )
    return DesignationTerm(
        str(designation.id),
        designation.valid_until,
        designation.revoked_at,
        supervisor.username if supervising and supervisor is not None else "",
    )


class DesignationService:
    def __init__(self, gate: PolicyGate, settings: StaffingSettings, zone: tzinfo, clock: Clock = utcnow) -> None:
        self.gate = gate
        self.settings = settings
        self.zone = zone
        self._clock = clock

    def today(self) -> date:
        return self._clock().astimezone(self.zone).date()

    # -- what the live view asks ------------------------------------------------------------

    def current(self, session: Session, organisation_id: uuid.UUID, user_id: uuid.UUID) -> LiveDesignation | None:
        """The person's designation by their organisation: the one in force that lasts longest,
        else the latest given (revoked or expired: the refusal says which)."""
        statement = select(LiveDesignation).where(
            LiveDesignation.organisation_id == organisation_id, LiveDesignation.user_id == user_id
        )
        designations = list(session.scalars(statement.order_by(LiveDesignation.designated_at.desc())).unique())
        today = self.today()
        in_force = [d for d in designations if d.revoked_at is None and d.valid_until >= today]
        if in_force:
            return max(in_force, key=lambda d: d.valid_until)
        return designations[0] if designations else None

    def designated(self, session: Session, actor: Actor) -> Actor:
        """The actor carrying their designation, for the gate's live-view rule."""
        if actor.kind is not ActorKind.USER or actor.id is None or actor.organisation_id is None:
            return actor
        found = self.current(session, actor.organisation_id, actor.id)
        return replace(actor, designation=term_of(found) if found is not None else None)

    def in_force(self, session: Session, organisation_id: uuid.UUID) -> dict[uuid.UUID, LiveDesignation]:
        """The designations in force now in an organisation, by person."""
        today = self.today()
        statement = select(LiveDesignation).where(
            LiveDesignation.organisation_id == organisation_id,
            LiveDesignation.revoked_at.is_(None),
            LiveDesignation.valid_until >= today,
        )
        found: dict[uuid.UUID, LiveDesignation] = {}
        for designation in session.scalars(statement.order_by(LiveDesignation.valid_until)).unique():
            found[designation.user_id] = designation
        return found

    # -- the organisation's rule ------------------------------------------------------------

    def required(self, session: Session, actor: Actor) -> bool:
        """Whether the actor's organisation lets only designated people watch live."""
        self.gate.require_function(session, actor, "designations", *LISTERS)
        organisation = session.get(Organisation, organisation_of(actor))
        return organisation is not None and organisation.live_designation_required

    def set_required(self, session: Session, actor: Actor, required: bool) -> Organisation:
        """Switch the rule on (only designated people watch live) or off, for the actor's organisation."""
        self.gate.require_function(session, actor, "designations", Action.DESIGNATE_VIEWERS)
        organisation = session.get(Organisation, organisation_of(actor))
        self.gate.require(
            session,
            actor,
            Action.DESIGNATE_VIEWERS,
            Resource(
                ResourceKind.ORGANISATION,
                str(organisation.id) if organisation else "",
                organisation.name if organisation else "",
                organisation.id if organisation else None,
                known=organisation is not None,
            ),
            detail={"change": "rule", "designation_required": required},
        )
        assert organisation is not None  # refused above
        organisation.live_designation_required = required
        session.flush()
        return organisation

    # -- designating --------------------------------------------------------------------------

    def add(self, session: Session, actor: Actor, spec: DesignationSpec) -> LiveDesignation:
        """Designate a person of the actor's organisation to watch live; a designation in
        force for them is replaced (ended now, its history kept)."""
        self.gate.require_function(session, actor, "designations", Action.DESIGNATE_VIEWERS)
        organisation_id = organisation_of(actor)
        training = printable(spec.training, _("Training"), 200)
        self._check_days(spec.trained_on, spec.valid_until)
        person = find_person(session, spec.person)
        supervisor = find_person(session, spec.supervisor) if spec.supervisor.strip() else None
        self.gate.require(
            session,
            actor,
            Action.DESIGNATE_VIEWERS,
            person_resource(person, spec.person),
            detail={
                "change": "designate",
                "trained_on": spec.trained_on.isoformat(),
                "valid_until": spec.valid_until.isoformat(),
                "supervisor": supervisor.username if supervisor else "",
            },
        )
        assert person is not None  # an unknown person is refused above
        self._check_person(person, organisation_id)
        self._check_supervisor(person, supervisor, spec.supervisor, organisation_id)
        now = self._clock()
        replaced = self.current(session, organisation_id, person.id)
        if replaced is not None and replaced.revoked_at is None and replaced.valid_until >= self.today():
            replaced.revoked_at = now
            replaced.revoked_by = actor.name
            replaced.revoke_reason = f"Replaced by a new designation valid until {spec.valid_until.isoformat()}."
        designation = LiveDesignation(
            organisation_id=organisation_id,
            user_id=person.id,
            trained_on=spec.trained_on,
            training=training,
            valid_until=spec.valid_until,
            supervisor_id=supervisor.id if supervisor else None,
            designated_at=now,
            designated_by=actor.name,
        )
        session.add(designation)
        session.flush()
        session.refresh(designation)
        return designation

    def _check_days(self, trained_on: date, valid_until: date) -> None:
        today = self.today()
        if trained_on > today:
            raise InvalidInput(_("Training date: the training must have taken place; give a day up to today"))
        if valid_until <= trained_on:
            raise InvalidInput(_("Valid until: give a day after the training date"))
        if valid_until < today:
            raise InvalidInput(_("Valid until: that day has passed; give today or a later day"))
        last = (trained_on.year + LONGEST_YEARS, trained_on.month, trained_on.day)
        if (valid_until.year, valid_until.month, valid_until.day) >= last:
            raise InvalidInput(
                _(
                    "Valid until: a designation holds at most {count} years after the training; give an earlier day",
                    count=LONGEST_YEARS,
                )
            )

    @staticmethod
    def _check_person(person: User, organisation_id: uuid.UUID) -> None:
        if person.organisation_id != organisation_id:
            raise InvalidInput(_("Person: {name} is not of your organisation", name=person.username))
        if not may(actor_of_user(person), Action.VIEW_LIVE):
            raise InvalidInput(
                _(
                    "Person: {name} is {role}, who does not watch live; designate a control-room operator, a team "
                    "chief or a private security guard",
                    name=person.username,
                    role=ROLES_WITH_ARTICLE[Role(person.role)],
                )
            )

    @staticmethod
    def _check_supervisor(person: User, supervisor: User | None, asked: str, organisation_id: uuid.UUID) -> None:
        guard = person.role == Role.SECURITY_GUARD.value
        if not guard:
            if asked.strip():
                raise InvalidInput(
                    _("Supervising inspector: only a private security guard's designation names one; leave it empty")
                )
            return
        if not asked.strip():
            raise InvalidInput(
                _(
                    "Supervising inspector: a private security guard watches live only under a supervising "
                    "inspector; name one of your organisation"
                )
            )
        if supervisor is None or supervisor.organisation_id != organisation_id or not supervisor.active:
            raise InvalidInput(
                _("Supervising inspector: there is no active '{name}' in your organisation", name=asked.strip()[:64])
            )
        if supervisor.id == person.id or Role(supervisor.role) not in SUPERVISING_ROLES:
            raise InvalidInput(
                _(
                    "Supervising inspector: {name} is {role}; name an operator, an inspector or a team chief of the "
                    "police staff",
                    name=supervisor.username,
                    role=ROLES_WITH_ARTICLE[Role(supervisor.role)],
                )
            )

    def revoke(self, session: Session, actor: Actor, ref: str, reason: str) -> LiveDesignation:
        """End a designation now, saying why; the person is refused live view from the next look."""
        self.gate.require_function(session, actor, "designations", Action.DESIGNATE_VIEWERS)
        try:
            designation = session.get(LiveDesignation, uuid.UUID(ref.strip()))
        except ValueError:
            designation = None
        self.gate.require(
            session,
            actor,
            Action.DESIGNATE_VIEWERS,
            designation_resource(designation, ref),
            detail={"change": "revoke"},
        )
        assert designation is not None  # refused above
        why = printable(reason, _("Reason"), 1000)
        if len(why) < MIN_REASON:
            raise InvalidInput(
                _("Reason: say in at least {count} characters why the designation ends", count=MIN_REASON)
            )
        if designation.revoked_at is not None:
            raise Conflict(_("This designation was already revoked or replaced."))
        designation.revoked_at = self._clock()
        designation.revoked_by = actor.name
        designation.revoke_reason = why
        session.flush()
        return designation

    # -- reading ------------------------------------------------------------------------------

    def listed(self, session: Session, actor: Actor, include_ended: bool = False) -> list[DesignationRow]:
        """The organisation's designations, by person; those ended (expired, revoked,
        replaced) only with `include_ended`."""
        self.gate.require_function(session, actor, "designations", *LISTERS)
        statement = select(LiveDesignation).where(LiveDesignation.organisation_id == organisation_of(actor))
        today = self.today()
        rows = [
            DesignationRow(designation, standing(designation, today, self.settings.designation_warning_days))
            for designation in session.scalars(statement).unique()
        ]
        if not include_ended:
            rows = [row for row in rows if row.standing in (Standing.IN_FORCE, Standing.EXPIRING)]
        return sorted(rows, key=lambda row: (row.designation.person.username, row.designation.designated_at))

    def candidates(self, session: Session, actor: Actor) -> tuple[list[User], list[User]]:
        """The organisation's active people who may be designated, and those who may supervise
        a security guard: for the form's choices."""
        self.gate.require_function(session, actor, "designations", Action.DESIGNATE_VIEWERS)
        statement = select(User).where(User.organisation_id == organisation_of(actor), User.active.is_(True))
        people = list(session.scalars(statement.order_by(User.username)).unique())
        watchers = [person for person in people if may(actor_of_user(person), Action.VIEW_LIVE)]
        supervisors = [person for person in people if Role(person.role) in SUPERVISING_ROLES]
        return watchers, supervisors
