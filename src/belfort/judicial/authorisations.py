"""Judicial authorisations: a prosecutor's decision or an investigating judge's order, registered once.

Past the administrative window (30 days) a police recording may be consulted only for a
judicial purpose under such an authorisation. An inspector, a team chief or the DPO
registers it with its reference, date, magistrate, case, scope (named cameras, or every
camera the organisation may consult, and a footage range) and the date it stops being
used; from then on anyone of the organisation cites it by reference on a purpose form,
and `find_term` hands its terms to the policy gate, which weighs them in the 30-day rule.
An authorisation is never edited: it is revoked (with a reason) and, if need be, a new
one registered. Registering and revoking are audited decisions of the gate.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.auth.models import Organisation
from belfort.auth.service import find_organisation
from belfort.cameras.models import Camera
from belfort.cameras.service import CameraService
from belfort.errors import Conflict, InvalidInput
from belfort.i18n import _
from belfort.judicial.models import JudicialAuthorisation
from belfort.policy import (
    Action,
    Actor,
    ActorKind,
    AuthorisationKind,
    AuthorisationTerm,
    PolicyGate,
    Resource,
    ResourceKind,
    may,
)
from belfort.timeutil import Clock, utcnow

MIN_REASON = 10
CITING_ACTIONS = (
    Action.VIEW_RECORDING,
    Action.EXPORT_EVIDENCE,
    Action.PLACE_HOLD,
    Action.SEARCH_PLATES,
    Action.MANAGE_AUTHORISATIONS,
    Action.LOG_DRONE_MISSIONS,
)
"""Who is offered the organisation's authorisations to cite: those whose looks they open."""


@dataclass
class AuthorisationSpec:
    """What a person registers; times are UTC, the date is the decision's own."""

    kind: str
    reference: str
    decided_on: date | None
    magistrate: str
    case_number: str
    footage_from: datetime | None
    footage_until: datetime | None
    expires_at: datetime | None
    cameras: Sequence[str] = ()
    """Cameras by id or name; leave empty with `all_cameras`."""
    all_cameras: bool = False
    organisation: str = ""
    """For the command line: the organisation whose case it is (a person registers for their own)."""


def term_of(row: JudicialAuthorisation) -> AuthorisationTerm:
    """The registered authorisation as the rules weigh it."""
    return AuthorisationTerm(
        id=str(row.id),
        organisation_id=row.organisation_id,
        kind=AuthorisationKind(row.kind),
        reference=row.reference,
        footage_from=row.footage_from,
        footage_until=row.footage_until,
        expires_at=row.expires_at,
        cameras=frozenset() if row.all_cameras else frozenset(str(camera.id) for camera in row.cameras),
        revoked_at=row.revoked_at,
    )


def find_row(session: Session, organisation_id: uuid.UUID, reference: str) -> JudicialAuthorisation | None:
    return session.scalars(
        select(JudicialAuthorisation).where(
            JudicialAuthorisation.organisation_id == organisation_id,
            JudicialAuthorisation.reference == reference.strip(),
        )
    ).first()


def find_term(session: Session, organisation_id: uuid.UUID, reference: str) -> AuthorisationTerm | None:
    """The terms of the authorisation `organisation_id` registered under `reference` (exact,
    spaces around it aside), or None: the policy gate's `AuthorisationFinder`."""
    row = find_row(session, organisation_id, reference)
    return term_of(row) if row is not None else None


def authorisation_resource(row: JudicialAuthorisation | None, asked: str, owner: Organisation | None) -> Resource:
    if row is None:
        return Resource(
            ResourceKind.AUTHORISATION,
            "",
            asked[:120],
            owner.id if owner else None,
            asked=asked,
            known=owner is not None,
            owner_name=owner.name if owner else "",
        )
    return Resource(
        ResourceKind.AUTHORISATION,
        str(row.id),
        row.reference,
        row.organisation_id,
        asked=asked,
        owner_name=row.organisation.name,
    )


def in_force(row: JudicialAuthorisation, now: datetime) -> bool:
    """Whether the authorisation is used at `now`: not expired, not revoked by then."""
    return (row.revoked_at is None or row.revoked_at > now) and row.expires_at > now


class AuthorisationService:
    def __init__(self, gate: PolicyGate, cameras: CameraService, clock: Clock = utcnow) -> None:
        self.gate = gate
        self.cameras = cameras
        self._clock = clock

    # -- registering --------------------------------------------------------------------

    def register(self, session: Session, actor: Actor, spec: AuthorisationSpec) -> JudicialAuthorisation:
        """Register an authorisation of the actor's organisation (any organisation's, for the CLI)."""
        self.gate.require_function(session, actor, "judicial authorisations", Action.MANAGE_AUTHORISATIONS)
        owner = self._organisation(session, actor, spec.organisation)
        kind = self._kind(spec.kind)
        reference = spec.reference.strip()
        if not reference or len(reference) > 200:
            raise InvalidInput(_("reference: give the decision's reference, at most 200 characters"))
        if spec.decided_on is None:
            raise InvalidInput(_("date of the decision: give the date the magistrate decided, as YYYY-MM-DD"))
        now = self._clock()
        if spec.decided_on > now.date():
            raise InvalidInput(_("date of the decision: a decision registered here was taken already, not later"))
        magistrate = spec.magistrate.strip()
        if not magistrate or len(magistrate) > 200:
            raise InvalidInput(_("magistrate: name the magistrate or the office that decided (at most 200 characters)"))
        case_number = spec.case_number.strip()
        if not case_number or len(case_number) > 100:
            raise InvalidInput(_("case number: give the case's number, at most 100 characters"))
        if spec.footage_from is None or spec.footage_until is None:
            raise InvalidInput(_("footage: give the start and the end of the footage the decision covers"))
        if spec.footage_until <= spec.footage_from:
            raise InvalidInput(_("footage until: choose a moment after the start of the footage"))
        if spec.expires_at is None or spec.expires_at <= now:
            raise InvalidInput(
                _("expires: give the moment, in the future, from which the authorisation is no longer used")
            )
        if spec.all_cameras == bool(spec.cameras):
            raise InvalidInput(_("cameras: name the cameras the decision covers, or choose all cameras, not both"))
        cameras = [self._camera(session, actor, ref) for ref in dict.fromkeys(spec.cameras)]
        if find_row(session, owner.id, reference) is not None:
            raise Conflict(
                _(
                    "reference: your organisation registered '{reference}' already; cite it, or revoke it and "
                    "register the new decision under its own reference",
                    reference=reference,
                )
            )
        self.gate.require(
            session,
            actor,
            Action.MANAGE_AUTHORISATIONS,
            authorisation_resource(None, reference, owner),
            detail={
                "change": "register",
                "kind": kind.value,
                "case_number": case_number,
                "cameras": "all" if spec.all_cameras else ", ".join(camera.name for camera in cameras),
                "footage_from": spec.footage_from.isoformat(),
                "footage_until": spec.footage_until.isoformat(),
                "expires_at": spec.expires_at.isoformat(),
            },
        )
        row = JudicialAuthorisation(
            id=uuid.uuid4(),
            organisation_id=owner.id,
            kind=kind.value,
            reference=reference,
            decided_on=spec.decided_on,
            magistrate=magistrate,
            case_number=case_number,
            all_cameras=spec.all_cameras,
            footage_from=spec.footage_from,
            footage_until=spec.footage_until,
            expires_at=spec.expires_at,
            registered_by=actor.name,
            registered_at=now,
            revoked_by="",
            revoke_reason="",
        )
        row.cameras = cameras
        session.add(row)
        session.flush()
        session.refresh(row)
        return row

    def revoke(self, session: Session, actor: Actor, ref: str, reason: str) -> JudicialAuthorisation:
        """Stop using an authorisation now: looks citing it are refused from then on."""
        row = self._found(session, actor, ref)
        self.gate.require(
            session,
            actor,
            Action.MANAGE_AUTHORISATIONS,
            authorisation_resource(row, ref, None),
            detail={"change": "revoke"},
        )
        assert row is not None  # refused above otherwise
        if len(reason.strip()) < MIN_REASON:
            raise InvalidInput(
                _("reason: say in at least {count} characters why the authorisation is revoked", count=MIN_REASON)
            )
        if row.revoked_at is not None:
            raise Conflict(_("this authorisation was revoked already"))
        row.revoked_at = self._clock()
        row.revoked_by = actor.name
        row.revoke_reason = reason.strip()
        session.flush()
        return row

    # -- reading ------------------------------------------------------------------------

    def listed(
        self, session: Session, actor: Actor, include_ended: bool = False, organisation: str = ""
    ) -> list[JudicialAuthorisation]:
        """The organisation's authorisations, newest decision first; ended ones (revoked or
        expired) only when asked."""
        self.gate.require_function(session, actor, "judicial authorisations", Action.MANAGE_AUTHORISATIONS)
        return self._of_organisation(session, actor, organisation, include_ended)

    def choices(self, session: Session, actor: Actor) -> list[JudicialAuthorisation]:
        """The organisation's authorisations in force, to cite on a purpose form; none for
        someone whose looks they cannot open (the purpose form of live view offers them no
        suggestion, and nothing is refused: nothing was asked for)."""
        if not any(may(actor, action) for action in CITING_ACTIONS):
            return []
        return self._of_organisation(session, actor, "", include_ended=False)

    def _of_organisation(
        self, session: Session, actor: Actor, organisation: str, include_ended: bool
    ) -> list[JudicialAuthorisation]:
        statement = select(JudicialAuthorisation).order_by(
            JudicialAuthorisation.decided_on.desc(), JudicialAuthorisation.reference
        )
        if actor.kind is ActorKind.SYSTEM and organisation:
            statement = statement.where(
                JudicialAuthorisation.organisation_id == find_organisation(session, organisation).id
            )
        elif actor.organisation_id is not None:
            statement = statement.where(JudicialAuthorisation.organisation_id == actor.organisation_id)
        elif actor.kind is not ActorKind.SYSTEM:
            return []
        if not include_ended:
            statement = statement.where(
                JudicialAuthorisation.revoked_at.is_(None), JudicialAuthorisation.expires_at > self._clock()
            )
        return list(session.scalars(statement).unique())

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _kind(value: str) -> AuthorisationKind:
        try:
            return AuthorisationKind(value.strip())
        except ValueError:
            raise InvalidInput(
                _(
                    "kind: '{value}' is not a kind of authorisation; choose prosecutor_decision or "
                    "investigating_judge_order",
                    value=value[:40],
                )
            ) from None

    @staticmethod
    def _organisation(session: Session, actor: Actor, name: str) -> Organisation:
        """Whose case it is: the organisation the command line names, else the actor's own."""
        if actor.kind is ActorKind.SYSTEM and name.strip():
            return find_organisation(session, name.strip())
        owner = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
        if owner is None:
            raise InvalidInput(_("organisation: name the organisation whose case it is (--org)"))
        return owner

    def _camera(self, session: Session, actor: Actor, ref: str) -> Camera:
        """A camera the actor may see (a refusal is recorded, as for any camera asked for)."""
        return self.cameras.require(session, actor, ref, Action.VIEW_CAMERA)

    @staticmethod
    def _found(session: Session, actor: Actor, ref: str) -> JudicialAuthorisation | None:
        """The authorisation `ref` names: its id, or its reference in the actor's organisation."""
        try:
            return session.get(JudicialAuthorisation, uuid.UUID(ref))
        except ValueError:
            pass
        if actor.organisation_id is None:
            return session.scalars(
                select(JudicialAuthorisation).where(JudicialAuthorisation.reference == ref.strip())
            ).first()
        return find_row(session, actor.organisation_id, ref)
