"""Planned shifts in the control room and the team chief on duty.

A shift is one person's [start, end) in UTC, entered in the site's local time; the team
chief's shift names the team chief on duty, who checks who watches what and why (a person
with the team chief's role, since only they may open the supervisor dashboard). One person's
shifts never overlap; a shift that has ended stays as it was (the supervisor dashboard
weighs past viewings against it), and one still to come or under way may be cancelled.
Every change passes the gate and is recorded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.auth.models import Organisation, User
from belfort.auth.service import actor_of_user
from belfort.errors import Conflict, InvalidInput
from belfort.i18n import _
from belfort.policy import Action, Actor, PolicyGate, Resource, ResourceKind, Role, may
from belfort.policy.rules import ROLES_WITH_ARTICLE
from belfort.settings import StaffingSettings
from belfort.staffing.models import Shift
from belfort.staffing.people import MAX_REF, find_person, organisation_of, person_resource
from belfort.timeutil import Clock, local_text, utcnow

READERS = (Action.MANAGE_SHIFTS, Action.SUPERVISE_VIEWING)
"""Who may read the planned shifts: the team chief and administrator who plan them, the DPO who checks."""


@dataclass(frozen=True)
class ShiftSpec:
    person: str
    """User name or id, of the actor's organisation."""
    starts_at: datetime
    ends_at: datetime
    team_chief: bool = False


def shift_resource(shift: Shift | None, ref: str) -> Resource:
    asked = ref.strip()[:MAX_REF]
    if shift is None:
        return Resource(ResourceKind.SHIFT, "", asked, asked=asked, known=False)
    return Resource(ResourceKind.SHIFT, str(shift.id), shift.person.username, shift.organisation_id, asked=asked)


def _works_shifts(person: User) -> bool:
    """Whether the person works in the control room: at the video wall, or as team chief."""
    watcher = actor_of_user(person)
    return may(watcher, Action.USE_WALL) or may(watcher, Action.SUPERVISE_VIEWING)


class ShiftService:
    def __init__(self, gate: PolicyGate, settings: StaffingSettings, zone: tzinfo, clock: Clock = utcnow) -> None:
        self.gate = gate
        self.settings = settings
        self.zone = zone
        self._clock = clock

    def add(self, session: Session, actor: Actor, spec: ShiftSpec) -> Shift:
        """Plan a shift for a person of the actor's organisation."""
        self.gate.require_function(session, actor, "shifts", Action.MANAGE_SHIFTS)
        organisation_id = organisation_of(actor)
        self._check_times(spec.starts_at, spec.ends_at)
        person = find_person(session, spec.person)
        self.gate.require(
            session,
            actor,
            Action.MANAGE_SHIFTS,
            person_resource(person, spec.person),
            detail={
                "change": "shift",
                "start": spec.starts_at.isoformat(),
                "end": spec.ends_at.isoformat(),
                "team_chief": spec.team_chief,
            },
        )
        assert person is not None  # an unknown person is refused above
        if person.organisation_id != organisation_id:
            raise InvalidInput(_("Person: {name} is not of your organisation", name=person.username))
        if not _works_shifts(person):
            raise InvalidInput(
                _(
                    "Person: {name} is {role}, who works neither at the video wall nor as team chief; plan shifts "
                    "for the control room's people",
                    name=person.username,
                    role=ROLES_WITH_ARTICLE[Role(person.role)],
                )
            )
        if spec.team_chief and person.role != Role.SUPERVISOR.value:
            raise InvalidInput(
                _(
                    "Team chief: {name} is {role}; the team chief on duty must have the team chief's role, to check "
                    "who watches what",
                    name=person.username,
                    role=ROLES_WITH_ARTICLE[Role(person.role)],
                )
            )
        overlapping = self._overlapping(session, person.id, spec.starts_at, spec.ends_at)
        if overlapping is not None:
            raise Conflict(
                _(
                    "{name} already has a shift from {start} to {end}; shifts of one person may not overlap",
                    name=person.username,
                    start=local_text(overlapping.starts_at, self.zone),
                    end=local_text(overlapping.ends_at, self.zone),
                )
            )
        shift = Shift(
            organisation_id=organisation_id,
            user_id=person.id,
            starts_at=spec.starts_at,
            ends_at=spec.ends_at,
            team_chief=spec.team_chief,
            created_at=self._clock(),
            created_by=actor.name,
        )
        session.add(shift)
        session.flush()
        session.refresh(shift)
        return shift

    def _check_times(self, starts_at: datetime, ends_at: datetime) -> None:
        if ends_at <= starts_at:
            raise InvalidInput(_("End: give a moment after the start"))
        if ends_at <= self._clock():
            raise InvalidInput(_("End: that moment has passed; plan a shift that is still to come or under way"))
        longest = self.settings.max_shift_hours
        if ends_at - starts_at > timedelta(hours=longest):
            raise InvalidInput(
                _("End: a shift lasts at most {count} hours; plan a longer presence as several shifts", count=longest)
            )

    @staticmethod
    def _overlapping(session: Session, user_id: uuid.UUID, start: datetime, end: datetime) -> Shift | None:
        statement = select(Shift).where(
            Shift.user_id == user_id,
            Shift.cancelled_at.is_(None),
            Shift.starts_at < end,
            Shift.ends_at > start,
        )
        return session.scalars(statement.limit(1)).first()

    def cancel(self, session: Session, actor: Actor, ref: str) -> Shift:
        """Cancel a shift still to come or under way (it is kept, marked cancelled)."""
        self.gate.require_function(session, actor, "shifts", Action.MANAGE_SHIFTS)
        try:
            shift = session.get(Shift, uuid.UUID(ref.strip()))
        except ValueError:
            shift = None
        self.gate.require(session, actor, Action.MANAGE_SHIFTS, shift_resource(shift, ref), detail={"change": "cancel"})
        assert shift is not None  # refused above
        if shift.cancelled_at is not None:
            raise Conflict(_("This shift was already cancelled."))
        now = self._clock()
        if shift.ends_at <= now:
            raise Conflict(_("This shift has ended; it stays as it was, for the review of viewings."))
        shift.cancelled_at = now
        shift.cancelled_by = actor.name
        session.flush()
        return shift

    # -- reading ------------------------------------------------------------------------------

    def people(self, session: Session, actor: Actor) -> list[User]:
        """The organisation's active people a shift may be planned for: for the form's choices."""
        self.gate.require_function(session, actor, "shifts", Action.MANAGE_SHIFTS)
        statement = select(User).where(User.organisation_id == organisation_of(actor), User.active.is_(True))
        return [
            person for person in session.scalars(statement.order_by(User.username)).unique() if _works_shifts(person)
        ]

    def listed(self, session: Session, actor: Actor, start: datetime, end: datetime) -> list[Shift]:
        """The organisation's shifts (cancelled ones too) that overlap [start, end), by start."""
        self.gate.require_function(session, actor, "shifts", *READERS)
        if end <= start:
            raise InvalidInput(_("To: give a moment after From"))
        return self.overlapping(session, organisation_of(actor), start, end, cancelled=True)

    @staticmethod
    def overlapping(
        session: Session, organisation_id: uuid.UUID, start: datetime, end: datetime, cancelled: bool = False
    ) -> list[Shift]:
        """An organisation's shifts overlapping [start, end), by start; for the services that
        have passed the gate (the supervisor dashboard)."""
        statement = select(Shift).where(
            Shift.organisation_id == organisation_id, Shift.starts_at < end, Shift.ends_at > start
        )
        if not cancelled:
            statement = statement.where(Shift.cancelled_at.is_(None))
        return list(session.scalars(statement.order_by(Shift.starts_at)).unique())

    def team_chiefs_on_duty(self, session: Session, actor: Actor) -> list[Shift] | None:
        """The team chiefs on duty now in the actor's organisation, for the wall's top bar;
        None where the organisation neither plans shifts nor asks for designations."""
        if actor.organisation_id is None:
            return None
        chiefs = [shift for shift in self.on_duty(session, actor.organisation_id) if shift.team_chief]
        organisation = session.get(Organisation, actor.organisation_id)
        return chiefs if chiefs or (organisation and organisation.live_designation_required) else None

    def on_duty(self, session: Session, organisation_id: uuid.UUID) -> list[Shift]:
        """The shifts under way now in an organisation, the team chief's first."""
        now = self._clock()
        shifts = self.overlapping(session, organisation_id, now, now + timedelta(microseconds=1))
        return sorted(shifts, key=lambda s: (not s.team_chief, s.person.username))
