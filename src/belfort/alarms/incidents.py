"""Incidents: an alarm from a premises (or a camera's own motion) for a queue to handle.

A burglary, hold-up or panic event from a premises opens an incident in its police zone's
queue and, for each camera whose owner's consent holds, one grant to that zone: live view
for the premises' live minutes (60 by default) and playback from the pre-alarm minutes on,
for administrative purposes. Restores and cancels update the open incident. Operators
acknowledge, note, extend or end the live view (with a reason), put the cameras on the wall
and close with an outcome; every step is one audited decision of the gate, and the camera
owner finds the grants, their extensions and every look under them in its use log. Grants end
on their own (the lapsed-stream watch stops the streams); `sweep` notes it in the timeline.
Opening incidents is serialised by `opening` (numbers are consecutive); callers commit.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, joinedload, lazyload

from belfort.alarms.codes import Category, classify, describe
from belfort.alarms.dc09 import Event
from belfort.alarms.models import Incident, IncidentEntry, IncidentGrant, Premises
from belfort.alarms.premises import PremisesService
from belfort.cameras.grants import padded
from belfort.cameras.models import Camera, Grant
from belfort.errors import Conflict, InvalidInput
from belfort.events import EventBus
from belfort.i18n import Message, _
from belfort.policy import Action, Actor, PolicyGate, PurposeKind, Resource, ResourceKind, Right
from belfort.policy.model import system_actor
from belfort.timeutil import Clock, iso_utc, utcnow

OPENING = frozenset({Category.BURGLARY, Category.HOLDUP, Category.PANIC})
OUTCOMES: dict[str, Message] = {
    "intervention": _("Police intervened on site"),
    "arrest": _("Arrest made"),
    "false_alarm": _("False alarm"),
    "cancelled": _("Cancelled by the subscriber or the alarm centre"),
    "no_trace": _("No trace found"),
    "other": _("Other (see the notes)"),
}
"""How an incident may be closed: the outcome statistics the zone reports on."""
MIN_REASON = 10
MAX_EXTEND_MINUTES = 240
MOTION_COOLDOWN = timedelta(minutes=5)
"""A camera's motion within this time of an open motion incident adds to it, not a new one."""
MOTION_NOTE_GAP = timedelta(seconds=30)
RECEIVER = "alarm receiver"


def incidents_topic(organisation_id: uuid.UUID | str) -> str:
    return f"alarms.incidents.{organisation_id}"


@dataclass(frozen=True)
class Change:
    """What to announce once the transaction is committed."""

    organisation_id: uuid.UUID
    incident_id: uuid.UUID
    change: str


@dataclass(frozen=True)
class IncidentCamera:
    id: uuid.UUID
    name: str
    owner: str
    live_until: datetime | None
    """When its grant ends (None for the owner's own camera)."""
    playback_from: datetime | None
    ended: bool


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    cameras: list[IncidentCamera] = field(default_factory=list)
    entries: list[IncidentEntry] = field(default_factory=list)


def incident_resource(incident: Incident | None, asked: str, extra: Sequence[tuple[str, str, str]] = ()) -> Resource:
    if incident is None:
        return Resource(ResourceKind.INCIDENT, "", asked[:120], asked=asked, known=False)
    return Resource(
        ResourceKind.INCIDENT,
        str(incident.id),
        f"#{incident.number}",
        incident.organisation_id,
        asked=asked,
        extra_ids=tuple(extra),
    )


class IncidentService:
    def __init__(
        self,
        gate: PolicyGate,
        premises: PremisesService,
        bus: EventBus,
        stop_streams: Callable[[str, str], int],
        clock: Clock = utcnow,
    ) -> None:
        self.gate = gate
        self.premises = premises
        self.bus = bus
        self._stop_streams = stop_streams
        self._clock = clock
        self.opening = threading.Lock()
        """Held by whoever opens incidents, from numbering to commit."""

    # -- from alarms --------------------------------------------------------------------

    def on_event(
        self, session: Session, premises: Premises, event: Event, source: str, alarm_at: datetime
    ) -> Change | None:
        """Act on one event of a premises: open an incident, or update the open one."""
        category = classify(event)
        zone_name = self.premises.zones_of(premises).get(event.zone.lstrip("0") or "0", "")
        current = self._open_for_premises(session, premises.id)
        what = describe(event)
        where = f" ({_('zone')} {event.zone}{' ' + zone_name if zone_name else ''})" if event.zone else ""
        if category in OPENING:
            if current is not None:
                self._entry(session, current, "event", RECEIVER, f"{what}{where}")
                return Change(current.organisation_id, current.id, "updated")
            incident = self._open(
                session,
                organisation_id=premises.police_organisation_id,
                premises=premises,
                camera=None,
                source=source,
                category=category.value,
                code=event.code,
                zone=event.zone,
                zone_name=zone_name,
                text=event.text,
                alarm_at=alarm_at,
            )
            self._entry(session, incident, "opened", RECEIVER, f"{what}{where}")
            self._forward(session, incident, premises)
            return Change(incident.organisation_id, incident.id, "opened")
        if category in (Category.RESTORE, Category.CANCEL) and current is not None:
            now = self._clock()
            if category is Category.RESTORE:
                current.restored_at = current.restored_at or now
                self._entry(session, current, "restored", RECEIVER, f"{what}{where}")
            else:
                current.cancelled_at = current.cancelled_at or now
                self._entry(session, current, "cancelled", RECEIVER, f"{what}{where}")
            return Change(current.organisation_id, current.id, "updated")
        return None

    def on_motion(self, session: Session, camera: Camera, at: datetime, score: float) -> Change | None:
        """A camera's own motion, for its owner's queue: a new incident, or a note on the
        recent open one."""
        recent = session.scalars(
            select(Incident)
            .where(
                Incident.camera_id == camera.id,
                Incident.category == Category.MOTION.value,
                Incident.state != "closed",
                Incident.opened_at >= at - MOTION_COOLDOWN,
            )
            .order_by(Incident.opened_at.desc())
        ).first()
        text = _("Motion on {camera} ({score}% of the watched area changed)", camera=camera.name, score=round(score))
        if recent is not None:
            last = session.scalar(select(func.max(IncidentEntry.at)).where(IncidentEntry.incident_id == recent.id))
            if last is not None and at - last < MOTION_NOTE_GAP:
                return None
            self._entry(session, recent, "event", "motion", text)
            return Change(recent.organisation_id, recent.id, "updated")
        incident = self._open(
            session,
            organisation_id=camera.organisation_id,
            premises=None,
            camera=camera,
            source="motion",
            category=Category.MOTION.value,
            code="",
            zone="",
            zone_name="",
            text="",
            alarm_at=at,
        )
        self._entry(session, incident, "opened", "motion", text)
        return Change(incident.organisation_id, incident.id, "opened")

    def announce(self, changes: Sequence[Change]) -> None:
        """Tell the queues (after the commit)."""
        for change in changes:
            self.bus.publish(
                incidents_topic(change.organisation_id), {"change": change.change, "incident": str(change.incident_id)}
            )

    def _open(self, session: Session, **values: Any) -> Incident:
        number = (session.scalar(select(func.max(Incident.number))) or 0) + 1
        incident = Incident(number=number, opened_at=self._clock(), state="open", **values)
        session.add(incident)
        session.flush()  # before its entries and grants, which refer to it
        return incident

    def _open_for_premises(self, session: Session, premises_id: uuid.UUID) -> Incident | None:
        return session.scalars(
            select(Incident)
            .where(Incident.premises_id == premises_id, Incident.state != "closed")
            .order_by(Incident.opened_at.desc())
            .limit(1)
            .options(lazyload("*"))  # the caller needs the row, not its premises and camera
        ).first()

    def _forward(self, session: Session, incident: Incident, premises: Premises) -> None:
        """One grant per consented camera to the police zone, within each consent."""
        now = self._clock()
        receiver = system_actor(f"{RECEIVER}: {premises.centre.name}")
        until = now + timedelta(minutes=premises.live_minutes)
        latest: datetime | None = None
        grants: list[Grant] = []
        for consent in self.premises.holding(session, premises, now):
            rights = set()
            if consent.live:
                rights.add(Right.LIVE)
            if consent.prealarm and premises.prealarm_seconds > 0:
                rights.add(Right.PLAYBACK)
            if not rights:
                continue
            ends = min(until, consent.valid_until) if consent.valid_until else until
            camera = consent.camera
            footage_from = (incident.alarm_at - timedelta(seconds=premises.prealarm_seconds)).replace(microsecond=0)
            resource = Resource(
                ResourceKind.CAMERA,
                str(camera.id),
                camera.name,
                camera.organisation_id,
                extra_ids=(("organisation", str(camera.organisation_id), camera.organisation.name),),
                owner_name=camera.organisation.name,
            )
            self.gate.require(
                session,
                receiver,
                Action.MANAGE_GRANTS,
                resource,
                recipient=premises.police.name,
                detail={
                    "change": "alarm grant",
                    "incident": str(incident.number),
                    "consent": str(consent.id),
                    "rights": padded(r.value for r in rights).strip(),
                    "until": ends.isoformat(),
                },
            )
            grant = Grant(
                owner_organisation_id=camera.organisation_id,
                grantee_organisation_id=premises.police_organisation_id,
                camera_id=camera.id,
                rights=padded(r.value for r in rights),
                purposes=padded([PurposeKind.ADMINISTRATIVE.value]),
                valid_from=now,
                valid_until=ends,
                footage_from=footage_from if Right.PLAYBACK in rights else None,
                footage_until=ends if Right.PLAYBACK in rights else None,
                reason=f"Alarm at {premises.name}: incident #{incident.number}"
                + (f" (consent {consent.reference})" if consent.reference else ""),
                created_by=receiver.name,
                created_at=now,
            )
            session.add(grant)
            grants.append(grant)
            latest = ends if latest is None else max(latest, ends)
        session.flush()  # the grants, then their links to the incident
        session.add_all(IncidentGrant(incident_id=incident.id, grant_id=grant.id) for grant in grants)
        incident.live_until = latest

    # -- the queue ----------------------------------------------------------------------

    def queue(self, session: Session, actor: Actor, include_closed: bool = False, limit: int = 200) -> list[Incident]:
        """The actor's organisation's incidents, newest first (open and acknowledged ones;
        with `include_closed`, the closed ones too)."""
        self.gate.require_function(session, actor, "incidents", Action.VIEW_INCIDENTS)
        if actor.organisation_id is None:
            return []
        statement = select(Incident).where(Incident.organisation_id == actor.organisation_id)
        if not include_closed:
            statement = statement.where(Incident.state != "closed")
        return list(session.scalars(statement.order_by(Incident.opened_at.desc()).limit(limit)).unique())

    def view(self, session: Session, actor: Actor, ref: str) -> IncidentView:
        incident = self._find(session, actor, ref, Action.VIEW_INCIDENTS)
        return self.shaped(session, incident)

    def shaped(self, session: Session, incident: Incident) -> IncidentView:
        entries = list(
            session.scalars(
                select(IncidentEntry).where(IncidentEntry.incident_id == incident.id).order_by(IncidentEntry.at)
            )
        )
        return IncidentView(incident, self.cameras_of(session, incident), entries)

    def cameras_of(self, session: Session, incident: Incident) -> list[IncidentCamera]:
        if incident.camera is not None:
            camera = incident.camera
            return [IncidentCamera(camera.id, camera.name, camera.organisation.name, None, None, False)]
        now = self._clock()
        found = []
        for grant in self._grants(session, incident):
            if grant.camera is None:
                continue
            ended = grant.revoked_at is not None or (grant.valid_until is not None and grant.valid_until <= now)
            found.append(
                IncidentCamera(
                    grant.camera.id,
                    grant.camera.name,
                    grant.owner.name,
                    grant.revoked_at or grant.valid_until,
                    grant.footage_from,
                    ended,
                )
            )
        return found

    # -- an operator's acts ---------------------------------------------------------------

    def acknowledge(self, session: Session, actor: Actor, ref: str) -> Incident:
        incident = self._handled(session, actor, ref, "acknowledge")
        if incident.state != "open":
            raise Conflict(_("incident #{number} is already {state}", number=incident.number, state=incident.state))
        incident.state = "acknowledged"
        incident.acknowledged_by = actor.name
        incident.acknowledged_at = self._clock()
        self._entry(session, incident, "acknowledged", actor.name, "")
        return incident

    def note(self, session: Session, actor: Actor, ref: str, text: str) -> Incident:
        cleaned = text.strip()
        if not cleaned:
            raise InvalidInput(_("note: write what was dispatched or found"))
        if len(cleaned) > 2000:
            raise InvalidInput(_("note: use at most {count} characters", count=2000))
        incident = self._handled(session, actor, ref, "note")
        self._entry(session, incident, "note", actor.name, cleaned)
        return incident

    def extend(self, session: Session, actor: Actor, ref: str, minutes: int, reason: str) -> Incident:
        """Give the incident's live view `minutes` more, within each owner's consent."""
        if not 1 <= minutes <= MAX_EXTEND_MINUTES:
            raise InvalidInput(_("minutes: choose from 1 to {count}", count=MAX_EXTEND_MINUTES))
        if len(reason.strip()) < MIN_REASON:
            raise InvalidInput(
                _("reason: say in at least {count} characters why the live view goes on", count=MIN_REASON)
            )
        incident = self._find(session, actor, ref, Action.HANDLE_INCIDENTS, check=False)
        grants = self._current_grants(session, incident)
        self._require_handle(session, actor, incident, ref, "extend", grants, minutes=str(minutes))
        if incident.state == "closed":
            raise Conflict(_("incident #{number} is closed", number=incident.number))
        if not grants:
            raise Conflict(_("incident #{number} has no live view to extend", number=incident.number))
        now = self._clock()
        consents = (
            {c.camera_id: c for c in self.premises.holding(session, incident.premises, now)}
            if (incident.premises is not None)
            else {}
        )
        latest = None
        for grant in grants:
            base = max(grant.valid_until or now, now)
            ends = base + timedelta(minutes=minutes)
            consent = consents.get(grant.camera_id) if grant.camera_id else None
            if consent is None:
                continue
            if consent.valid_until is not None:
                ends = min(ends, consent.valid_until)
            grant.valid_until = ends
            if grant.footage_until is not None:
                grant.footage_until = ends
            latest = ends if latest is None else max(latest, ends)
        incident.live_until = latest or incident.live_until
        self._entry(
            session,
            incident,
            "extended",
            actor.name,
            _("Live view extended by {minutes} min: {reason}", minutes=minutes, reason=reason.strip()),
        )
        return incident

    def end_live(self, session: Session, actor: Actor, ref: str, reason: str) -> Incident:
        """End the incident's grants now: its streams stop with the reason."""
        if len(reason.strip()) < MIN_REASON:
            raise InvalidInput(_("reason: say in at least {count} characters why the live view ends", count=MIN_REASON))
        incident = self._find(session, actor, ref, Action.HANDLE_INCIDENTS, check=False)
        grants = self._current_grants(session, incident)
        self._require_handle(session, actor, incident, ref, "end live", grants)
        if not grants:
            raise Conflict(_("incident #{number} has no live view to end", number=incident.number))
        self._end(session, incident, grants, actor.name, reason.strip())
        self._entry(session, incident, "live_ended", actor.name, reason.strip())
        return incident

    def close(self, session: Session, actor: Actor, ref: str, outcome: str, note: str = "") -> Incident:
        if outcome not in OUTCOMES:
            raise InvalidInput(_("outcome: choose one of {choices}", choices=", ".join(OUTCOMES)))
        incident = self._find(session, actor, ref, Action.HANDLE_INCIDENTS, check=False)
        grants = self._current_grants(session, incident)
        self._require_handle(session, actor, incident, ref, "close", grants, outcome=outcome)
        if incident.state == "closed":
            raise Conflict(_("incident #{number} is already closed", number=incident.number))
        now = self._clock()
        if grants:
            self._end(session, incident, grants, actor.name, _("incident #{number} closed", number=incident.number))
        incident.state = "closed"
        incident.closed_by = actor.name
        incident.closed_at = now
        incident.outcome = outcome
        self._entry(
            session, incident, "closed", actor.name, f"{OUTCOMES[outcome]}" + (f": {note.strip()}" if note else "")
        )
        return incident

    def to_wall(self, session: Session, actor: Actor, ref: str) -> list[IncidentCamera]:
        """The incident's cameras whose live view holds, for the wall (the step is noted)."""
        incident = self._handled(session, actor, ref, "wall")
        cameras = [camera for camera in self.cameras_of(session, incident) if not camera.ended]
        self._entry(session, incident, "wall", actor.name, ", ".join(camera.name for camera in cameras))
        return cameras

    # -- upkeep ---------------------------------------------------------------------------

    def sweep(self, session: Session) -> list[Change]:
        """Note in the timeline of each incident whose live view ended on its own."""
        now = self._clock()
        noted = exists().where(IncidentEntry.incident_id == Incident.id, IncidentEntry.kind == "live_ended")
        ended = session.scalars(
            select(Incident).where(
                Incident.live_until.is_not(None),
                Incident.live_until <= now,
                Incident.live_until > now - timedelta(days=1),
                ~noted,
            )
        ).all()
        changes = []
        for incident in ended:
            self._entry(session, incident, "live_ended", RECEIVER, _("The live view ended on its own"))
            changes.append(Change(incident.organisation_id, incident.id, "updated"))
        return changes

    # -- helpers --------------------------------------------------------------------------

    def _entry(self, session: Session, incident: Incident, kind: str, actor: str, text: str) -> None:
        session.add(IncidentEntry(incident_id=incident.id, at=self._clock(), kind=kind, actor=actor, text=text))

    @staticmethod
    def _grants(session: Session, incident: Incident) -> list[Grant]:
        statement = (
            select(Grant)
            .join(IncidentGrant, IncidentGrant.grant_id == Grant.id)
            .where(IncidentGrant.incident_id == incident.id)
            .order_by(Grant.created_at)
            .options(lazyload("*"), joinedload(Grant.camera), joinedload(Grant.owner))  # what the incident shows
        )
        return list(session.scalars(statement).unique())

    def _current_grants(self, session: Session, incident: Incident) -> list[Grant]:
        now = self._clock()
        return [
            grant
            for grant in self._grants(session, incident)
            if grant.revoked_at is None and (grant.valid_until is None or now < grant.valid_until)
        ]

    def _end(self, session: Session, incident: Incident, grants: list[Grant], by: str, reason: str) -> None:
        now = self._clock()
        for grant in grants:
            grant.revoked_at = now
            grant.revoked_by = by
            grant.revoke_reason = reason
        incident.live_until = now
        session.flush()
        for grant in grants:
            self._stop_streams(
                str(grant.id),
                _("The live view of incident #{number} ended: {reason}", number=incident.number, reason=reason),
            )

    def _find(self, session: Session, actor: Actor, ref: str, action: Action, check: bool = True) -> Incident:
        incident = None
        cleaned = ref.strip().lstrip("#")
        if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= 9:
            incident = session.scalars(select(Incident).where(Incident.number == int(cleaned))).first()
        else:
            try:
                incident = session.get(Incident, uuid.UUID(cleaned))
            except ValueError:
                incident = None
        if not check and incident is not None:
            return incident
        self.gate.require(session, actor, action, incident_resource(incident, ref))
        assert incident is not None
        return incident

    def _require_handle(
        self,
        session: Session,
        actor: Actor,
        incident: Incident,
        ref: str,
        change: str,
        grants: list[Grant],
        **detail: str,
    ) -> None:
        owners = tuple(
            dict.fromkeys(("organisation", str(grant.owner_organisation_id), grant.owner.name) for grant in grants)
        )
        cameras = tuple(("camera", str(grant.camera_id), grant.camera.name) for grant in grants if grant.camera)
        self.gate.require(
            session,
            actor,
            Action.HANDLE_INCIDENTS,
            incident_resource(incident, ref, cameras + owners),
            detail={"change": change, **detail},
        )

    def _handled(self, session: Session, actor: Actor, ref: str, change: str) -> Incident:
        incident = self._find(session, actor, ref, Action.HANDLE_INCIDENTS, check=False)
        self._require_handle(session, actor, incident, ref, change, [])
        return incident


def incident_json(view: IncidentView, zone_text: Callable[[datetime], str] | None = None) -> dict[str, Any]:
    """An incident as the queue's API and WebSocket send it."""
    incident = view.incident
    premises = incident.premises

    def moment(value: datetime | None) -> str | None:
        return iso_utc(value) if value is not None else None

    return {
        "id": str(incident.id),
        "number": incident.number,
        "state": incident.state,
        "category": incident.category,
        "source": incident.source,
        "code": incident.code,
        "zone": incident.zone,
        "zone_name": incident.zone_name,
        "text": incident.text,
        "alarm_at": moment(incident.alarm_at),
        "opened_at": moment(incident.opened_at),
        "live_until": moment(incident.live_until),
        "acknowledged_by": incident.acknowledged_by,
        "restored_at": moment(incident.restored_at),
        "cancelled_at": moment(incident.cancelled_at),
        "closed_at": moment(incident.closed_at),
        "outcome": incident.outcome,
        "premises": None
        if premises is None
        else {
            "id": str(premises.id),
            "name": premises.name,
            "subscriber": premises.subscriber,
            "address": premises.address,
            "municipality": premises.municipality,
            "contact": premises.contact,
            "centre": premises.centre.name,
        },
        "cameras": [
            {
                "id": str(camera.id),
                "name": camera.name,
                "owner": camera.owner,
                "live_until": moment(camera.live_until),
                "playback_from": moment(camera.playback_from),
                "ended": camera.ended,
            }
            for camera in view.cameras
        ],
        "timeline": [
            {"at": moment(entry.at), "kind": entry.kind, "actor": entry.actor, "text": entry.text}
            for entry in view.entries
        ],
    }
