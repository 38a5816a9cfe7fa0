"""Evidence holds: an inspector keeps a camera's time range out of the sweeper's reach.

Placing, lifting and listing holds pass the policy gate and are audited with the case
number and the stated purpose; a hold on a camera that does not exist is refused like one
on a camera of another organisation. A hold covers recorded footage: an administrative
one ends at the latest now, and keeps the footage no longer than the law allows for the
camera (police: 12 months; camera law: one month), whatever the camera's own retention.
Only a judicial hold, which may reach up to 31 days ahead (what a camera records during an
investigation), keeps footage until it is lifted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Exists, or_, select
from sqlalchemy.orm import Session

from belfort.cameras.models import Camera
from belfort.cameras.service import CameraService, camera_resource, owned_condition
from belfort.errors import Conflict, InvalidInput
from belfort.i18n import _
from belfort.policy import Action, Actor, LegalRegime, PolicyGate, Purpose, PurposeKind, Resource, ResourceKind
from belfort.retention.models import Hold
from belfort.settings import PolicySettings
from belfort.timeutil import Clock, local_text, utcnow

CLOCK_SLACK = timedelta(minutes=5)
"""An administrative hold may end this far past now: clocks differ a little."""
JUDICIAL_AHEAD = timedelta(days=31)
"""How far ahead a judicial hold may reach, to keep what a camera records during an investigation."""
MAX_LISTED = 500


def legal_limit_days(policy: PolicySettings, regime: str) -> int:
    """The longest the law keeps a camera's footage: police law, or the camera law."""
    if regime == LegalRegime.POLICE:
        return policy.police_max_retention_days
    return policy.camera_law_max_retention_days


def held_condition(camera_id: Any, start: Any, end: Any, legal_cutoff: Any = None) -> Exists:
    """SQL condition: an active hold overlaps [start, end) of the camera (columns or values).

    With `legal_cutoff`, an administrative hold counts only for footage ending after it:
    past the law's limit only a judicial hold keeps footage."""
    condition: list[ColumnElement[bool]] = [
        Hold.camera_id == camera_id,
        Hold.lifted_at.is_(None),
        Hold.start_time < end,
        Hold.end_time > start,
    ]
    if legal_cutoff is not None:
        condition.append(or_(Hold.purpose == PurposeKind.JUDICIAL.value, end > legal_cutoff))
    return select(Hold.id).where(*condition).exists()


def holds_overlapping(session: Session, camera_id: uuid.UUID, start: datetime, end: datetime) -> list[Hold]:
    """The active holds on the camera that overlap [start, end), oldest first."""
    return list(
        session.scalars(
            select(Hold)
            .where(Hold.camera_id == camera_id, Hold.lifted_at.is_(None), Hold.start_time < end, Hold.end_time > start)
            .order_by(Hold.start_time)
            .limit(MAX_LISTED)
        )
    )


def hold_resource(hold: Hold | None, camera: Camera | None, asked: str) -> Resource:
    if hold is None or camera is None:
        return Resource(ResourceKind.HOLD, "", asked[:120], asked=asked, known=False)
    return Resource(
        ResourceKind.HOLD,
        str(hold.id),
        f"case {hold.case_number}",
        camera.organisation_id,
        LegalRegime(camera.legal_regime),
        (),
        hold.start_time,
        hold.end_time,
        extra_ids=(("camera", str(camera.id), camera.name),),
        asked=asked,
    )


class HoldService:
    def __init__(
        self,
        gate: PolicyGate,
        cameras: CameraService,
        policy: PolicySettings,
        clock: Clock = utcnow,
        zone: tzinfo = UTC,
    ) -> None:
        self.gate = gate
        self.cameras = cameras
        self.policy = policy
        self._clock = clock
        self.zone = zone
        """The site's time zone, for the times a message names."""

    def _check_range(self, start: datetime, end: datetime, purpose: Purpose) -> None:
        if end <= start:
            raise InvalidInput(_("the hold's end must be after its start"))
        now = self._clock()
        if purpose.kind is PurposeKind.JUDICIAL and end > now + JUDICIAL_AHEAD:
            raise InvalidInput(
                _(
                    "a judicial hold reaches at most {days} days ahead: end it by {moment} and place another one later",
                    days=JUDICIAL_AHEAD.days,
                    moment=local_text(now + JUDICIAL_AHEAD, self.zone),
                )
            )
        if purpose.kind is PurposeKind.ADMINISTRATIVE and end > now + CLOCK_SLACK:
            raise InvalidInput(
                _(
                    "an administrative hold covers footage recorded already: end it now at the latest "
                    "(to keep what is still to come, a judicial hold is needed)"
                )
            )

    def place(
        self,
        session: Session,
        actor: Actor,
        ref: str,
        start: datetime,
        end: datetime,
        case_number: str,
        reason: str,
        purpose: Purpose,
        detail: dict[str, Any] | None = None,
    ) -> tuple[Hold, Camera]:
        """Put a hold on camera `ref`'s footage in [start, end), once the gate allows it."""
        if not case_number.strip() or len(case_number) > 100:
            raise InvalidInput(_("a hold needs a case number of at most 100 characters"))
        if not reason.strip():
            raise InvalidInput(_("a hold needs a reason"))
        self._check_range(start, end, purpose)
        camera = self.cameras.require(
            session,
            actor,
            ref,
            Action.PLACE_HOLD,
            purpose,
            footage=(start, end),
            detail={"case_number": case_number, **(detail or {})},
        )
        hold = Hold(
            id=uuid.uuid4(),
            camera_id=camera.id,
            start_time=start,
            end_time=end,
            case_number=case_number.strip(),
            reason=reason.strip(),
            created_by=actor.name,
            created_at=self._clock(),
            purpose=purpose.kind.value,
            legal_basis_ref=purpose.legal_basis_ref.strip(),
        )
        session.add(hold)
        session.flush()
        return hold, camera

    def _found(self, session: Session, hold_id: str) -> tuple[Hold | None, Camera | None]:
        try:
            hold = session.get(Hold, uuid.UUID(hold_id))
        except ValueError:
            hold = None
        return hold, session.get(Camera, hold.camera_id) if hold else None

    def lift(self, session: Session, actor: Actor, hold_id: str, purpose: Purpose) -> tuple[Hold, Camera]:
        hold, camera = self._found(session, hold_id)
        self.gate.require(
            session,
            actor,
            Action.LIFT_HOLD,
            hold_resource(hold, camera, hold_id),
            purpose,
            detail={"case_number": hold.case_number if hold else "", "hold": hold_id},
        )
        assert hold is not None and camera is not None  # refused above otherwise
        if hold.lifted_at is not None:
            raise Conflict(
                _(
                    "this hold was already lifted by {person} on {moment}",
                    person=hold.lifted_by,
                    moment=local_text(hold.lifted_at, self.zone),
                )
            )
        hold.lifted_at = self._clock()
        hold.lifted_by = actor.name
        return hold, camera

    def list(
        self,
        session: Session,
        actor: Actor,
        camera_ref: str = "",
        active: bool | None = True,
    ) -> Sequence[tuple[Hold, Camera]]:
        """Holds on the actor's organisation's cameras (every camera, for the DPO), newest first;
        `active=None` lists lifted ones too. Case numbers tell of investigations: reading them is
        a recorded consultation, and they stay the owner's business (never shown through a grant)."""
        camera = self.cameras.find(session, camera_ref) if camera_ref else None
        resource = (
            camera_resource(camera, camera_ref) if camera_ref else Resource(ResourceKind.HOLD, "*", "evidence holds")
        )
        state = {True: "active", False: "lifted", None: "all"}[active]
        self.gate.require(session, actor, Action.VIEW_HOLDS, resource, detail={"holds": state})
        query = (
            select(Hold, Camera)
            .join(Camera, Camera.id == Hold.camera_id)
            .where(owned_condition(actor))
            .order_by(Hold.created_at.desc())
        )
        if camera is not None:
            query = query.where(Hold.camera_id == camera.id)
        if active is True:
            query = query.where(Hold.lifted_at.is_(None))
        elif active is False:
            query = query.where(Hold.lifted_at.is_not(None))
        return [(hold, cam) for hold, cam in session.execute(query.limit(MAX_LISTED)).all()]
