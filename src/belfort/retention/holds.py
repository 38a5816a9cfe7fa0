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
from belfort.errors import Forbidden, InvalidInput, NotFound
from belfort.policy import Action, Actor, LegalRegime, PolicyGate, Purpose, Resource, ResourceKind
from belfort.retention.models import Hold
from belfort.timeutil import Clock, utcnow


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
    ) -> Hold:
        if end <= start:
            raise InvalidInput("the hold's end must be after its start")
        if not case_number.strip() or len(case_number) > 100:
            raise InvalidInput("a hold needs a case number of at most 100 characters")
        if not reason.strip():
            raise InvalidInput("a hold needs a reason")
        decision = self.gate.authorize(
            session,
            actor,
            Action.PLACE_HOLD,
            recording_resource(camera, start, end),
            purpose,
            detail={"case_number": case_number},
        )
        if not decision.granted:
            raise Forbidden(decision.reason)
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
        camera = session.get(Camera, hold.camera_id)
        assert camera is not None
        decision = self.gate.authorize(
            session,
            actor,
            Action.LIFT_HOLD,
            recording_resource(camera, hold.start_time, hold.end_time),
            purpose,
            detail={"case_number": hold.case_number, "hold": str(hold.id)},
        )
        if not decision.granted:
            raise Forbidden(decision.reason)
        if hold.lifted_at is None:
            hold.lifted_at = self._clock()
            hold.lifted_by = actor.name
        return hold
