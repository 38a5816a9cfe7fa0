"""Evidence holds: an inspector keeps a camera's time range out of the sweeper's reach.

Placing and lifting a hold are alterations: both pass the policy gate and are audited
with the case number and the stated purpose.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Exists, select
from sqlalchemy.orm import Session

from belfort.cameras.models import Camera
from belfort.errors import Conflict, InvalidInput, NotFound
from belfort.policy import Action, Actor, LegalRegime, PolicyGate, Purpose, Resource, ResourceKind, sees_camera
from belfort.retention.models import Hold
from belfort.timeutil import Clock, iso_utc, utcnow


def recording_resource(camera: Camera, start: datetime | None, end: datetime | None) -> Resource:
    """The policy's view of a camera's recordings in [start, end)."""
    return Resource(
        ResourceKind.RECORDING,
        str(camera.id),
        camera.name,
        camera.organisation_id,
        LegalRegime(camera.legal_regime),
        frozenset(),
        start,
        end,
    )


def held_condition(camera_id: Any, start: Any, end: Any) -> Exists:
    """SQL condition: an active hold overlaps [start, end) of the camera (columns or values)."""
    return (
        select(Hold.id)
        .where(Hold.camera_id == camera_id, Hold.lifted_at.is_(None), Hold.start_time < end, Hold.end_time > start)
        .exists()
    )


MAX_LISTED = 500


class HoldService:
    def __init__(self, gate: PolicyGate, clock: Clock = utcnow) -> None:
        self.gate = gate
        self._clock = clock

    def place(
        self,
        session: Session,
        actor: Actor,
        camera: Camera,
        start: datetime,
        end: datetime,
        case_number: str,
        reason: str,
        purpose: Purpose,
        detail: dict[str, Any] | None = None,
    ) -> Hold:
        if end <= start:
            raise InvalidInput("the hold's end must be after its start")
        if not case_number.strip() or len(case_number) > 100:
            raise InvalidInput("a hold needs a case number of at most 100 characters")
        if not reason.strip():
            raise InvalidInput("a hold needs a reason")
        self.gate.require(
            session,
            actor,
            Action.PLACE_HOLD,
            recording_resource(camera, start, end),
            purpose,
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
        )
        session.add(hold)
        session.flush()
        return hold

    def lift(self, session: Session, actor: Actor, hold_id: uuid.UUID, purpose: Purpose) -> Hold:
        hold = session.get(Hold, hold_id)
        if hold is None:
            raise NotFound(f"no evidence hold {hold_id}")
        if hold.lifted_at is not None:
            raise Conflict(f"this hold was already lifted by {hold.lifted_by} on {iso_utc(hold.lifted_at)[:19]} UTC")
        camera = session.get(Camera, hold.camera_id)
        assert camera is not None
        self.gate.require(
            session,
            actor,
            Action.LIFT_HOLD,
            recording_resource(camera, hold.start_time, hold.end_time),
            purpose,
            detail={"case_number": hold.case_number, "hold": str(hold.id)},
        )
        hold.lifted_at = self._clock()
        hold.lifted_by = actor.name
        return hold

    def list(
        self,
        session: Session,
        actor: Actor,
        camera_id: uuid.UUID | None = None,
        active: bool | None = True,
    ) -> list[tuple[Hold, Camera]]:
        """Holds on the cameras the actor may see, newest first; `active=None` lists lifted ones too.

        The case numbers of a hold are not images: the holds list needs no purpose, only
        the right to see the camera (the DPO and administrators see every camera)."""
        query = select(Hold, Camera).join(Camera, Camera.id == Hold.camera_id).order_by(Hold.created_at.desc())
        if camera_id is not None:
            query = query.where(Hold.camera_id == camera_id)
        if active is True:
            query = query.where(Hold.lifted_at.is_(None))
        elif active is False:
            query = query.where(Hold.lifted_at.is_not(None))
        rows = session.execute(query.limit(MAX_LISTED)).all()
        return [(hold, camera) for hold, camera in rows if sees_camera(actor, camera.organisation_id)]
