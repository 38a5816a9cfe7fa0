"""The owner's view of the use of its cameras by other organisations.

Every look by another organisation at an owner's camera (granted or refused) is recorded
with a reference to the owner (`belfort.policy.gate.with_owner`), so the owner's
supervisor, data protection officer or partner finds them here without reading anyone
else's records; with them, the streams other organisations have open on its cameras now.
Reading this view is one consultation: one decision of the gate (`sharing.use`), one
audit record with the filter used.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from belfort.audit import owner_ref
from belfort.audit.chain import decode_resources
from belfort.audit.log import described
from belfort.audit.models import AuditRecord
from belfort.media.live import Watching
from belfort.policy import Action, Actor, PolicyGate, Resource, ResourceKind
from belfort.viewing.live import LiveViewing

MAX_LIMIT = 500


@dataclass(frozen=True)
class UseFilter:
    """What the owner narrows the uses to. Text filters match case-insensitive substrings."""

    organisation: str = ""
    """The viewing organisation's name."""
    person: str = ""
    camera: str = ""
    outcome: str = ""
    """`granted` or `refused` (a refusal includes a look at a camera that did not stream)."""
    since: datetime | None = None
    until: datetime | None = None
    before_seq: int | None = None
    limit: int = 100

    def describe(self) -> str:
        return described(
            organisation=self.organisation,
            person=self.person,
            camera=self.camera,
            outcome=self.outcome,
            since=self.since,
            until=self.until,
        )


@dataclass(frozen=True)
class Use:
    """One recorded look by another organisation at one of the owner's cameras."""

    record: AuditRecord
    camera: str
    """The camera's name as recorded ('' when the look named none)."""
    camera_id: str
    grant: str
    """The grant the look passed under, or ''."""

    @property
    def granted(self) -> bool:
        return self.record.outcome == "granted"


@dataclass(frozen=True)
class UseView:
    uses: list[Use]
    """Newest first."""
    watching: list[tuple[Watching, str]]
    """Streams other organisations have open on the owner's cameras now, with camera names."""
    next_before: int | None
    """The `before_seq` of the next (older) page, or None when this was the last."""


def _like(column: InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _use(record: AuditRecord) -> Use:
    camera = camera_id = grant = ""
    for ref in decode_resources(record.resources):
        if ref.kind == "camera" and not camera:
            camera, camera_id = ref.label, ref.id
        elif ref.kind == "grant" and not grant:
            grant = ref.id
    return Use(record, camera, camera_id, grant)


class UseService:
    def __init__(self, gate: PolicyGate, live: LiveViewing) -> None:
        self.gate = gate
        self.live = live

    def view(self, session: Session, actor: Actor, flt: UseFilter, *, streams: bool = True) -> UseView:
        """The uses of the actor's organisation's cameras by other organisations, newest first,
        and (with `streams`) who of them watches now; refused for roles that may not."""
        self.gate.require(
            session,
            actor,
            Action.REVIEW_USE,
            Resource(ResourceKind.AUDIT_LOG, "sharing.use", "use of our cameras", actor.organisation_id),
            detail={"filter": flt.describe(), "with": "streams open now" if streams else "records"},
        )
        if actor.organisation_id is None:
            return UseView([], [], None)
        org = str(actor.organisation_id)
        records = self._records(session, org, flt)
        limit = max(1, min(flt.limit, MAX_LIMIT))
        more = len(records) > limit
        records = records[:limit]
        watching = self.live.streams_open(session, org, own_people=False) if streams else []
        return UseView([_use(r) for r in records], watching, records[-1].seq if more else None)

    @staticmethod
    def _records(session: Session, org: str, flt: UseFilter) -> Sequence[AuditRecord]:
        conditions: list[ColumnElement[bool]] = [
            AuditRecord.resources.contains(owner_ref(org), autoescape=True),
            # the gate adds the owner after what was looked at; a record about the
            # organisation itself (an administrator's change) names it first
            ~AuditRecord.resources.startswith("[" + owner_ref(org), autoescape=True),
            AuditRecord.organisation_id != org,
            AuditRecord.organisation_id != "",
        ]
        if flt.organisation:
            conditions.append(_like(AuditRecord.organisation_name, flt.organisation))
        if flt.person:
            conditions.append(or_(_like(AuditRecord.actor_name, flt.person), AuditRecord.actor_id == flt.person))
        if flt.camera:
            # the camera's name inside the stored references, as JSON writes it
            conditions.append(_like(AuditRecord.resources, json.dumps(flt.camera)[1:-1]))
        if flt.outcome == "granted":
            conditions.append(AuditRecord.outcome == "granted")
        elif flt.outcome == "refused":
            conditions.append(AuditRecord.outcome != "granted")
        if flt.since:
            conditions.append(AuditRecord.ts_utc >= flt.since)
        if flt.until:
            conditions.append(AuditRecord.ts_utc < flt.until)
        if flt.before_seq is not None:
            conditions.append(AuditRecord.seq < flt.before_seq)
        limit = max(1, min(flt.limit, MAX_LIMIT))
        statement = select(AuditRecord).where(*conditions).order_by(AuditRecord.seq.desc()).limit(limit + 1)
        return session.scalars(statement).all()
