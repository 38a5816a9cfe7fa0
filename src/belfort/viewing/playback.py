"""Playback: where a camera has footage, and playing a range of it under a stated purpose.

The index and the timeline show where footage exists, never images: they pass the gate as
`camera.view` (a refusal is recorded, a grant is not). Playing back is one consultation:
`request` passes the gate (role, organisation, purpose, the 30-day rule) and leaves one
audit record; if granted it returns a signed link bound to the person, the camera and the
time range. The player's clips of that range and the browser's many HTTP range requests
then need no new decision; a link that is forged, expired, someone else's or for another
range is refused, and that refusal is recorded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from belfort.cameras.grants import lapsed
from belfort.cameras.models import Camera
from belfort.cameras.service import CameraService
from belfort.errors import Forbidden, InvalidInput, NotFound, Unavailable, Unseen
from belfort.i18n import Message, _
from belfort.keys import BadLink, LinkKind, SignedLinks
from belfort.media.clips import ClipPlan
from belfort.media.models import Gap, Segment
from belfort.media.recordings import gaps_overlapping, segments_overlapping
from belfort.media.service import MediaService
from belfort.media.timeline import Timeline, camera_timeline
from belfort.policy import Action, Actor, ActorKind, LegalRegime, PolicyGate, Purpose, Resource, ResourceKind
from belfort.policy.gate import with_owner
from belfort.policy.model import system_actor
from belfort.retention.holds import holds_overlapping
from belfort.retention.models import Hold
from belfort.settings import PolicySettings
from belfort.timeutil import Clock, utcnow

GRANT_SECONDS = 3600
MAX_RANGE = timedelta(days=7)
MAX_TIMELINE = timedelta(days=732)
PLAYER_GAP = timedelta(seconds=2)
"""A pause in the recording longer than this ends a player's clip (the player skips it)."""
PLAYER_CLIP = timedelta(hours=1)
"""The longest clip laid out for the player at once: the next one follows seamlessly."""
MAX_CLIP = timedelta(hours=24)


@dataclass(frozen=True)
class RecordingIndex:
    camera: Camera
    start: datetime
    end: datetime
    segments: list[Segment]
    gaps: list[Gap]
    holds: list[Hold]


@dataclass(frozen=True)
class CameraTimeline:
    camera: Camera
    view: Timeline
    holds: list[Hold]
    now: datetime
    administrative_since: datetime | None
    """For police cameras: footage before this needs a judicial purpose."""
    retained_since: datetime


@dataclass(frozen=True)
class PlayerClip:
    """The player's clip from a moment: until the first pause, at most PLAYER_CLIP long."""

    plan: ClipPlan
    requested_start: datetime
    end: datetime
    """The end to ask the clip for (the plan's end, or where the layout stopped)."""
    next_start: datetime | None


@dataclass(frozen=True)
class PlaybackGrant:
    camera: Camera
    start: datetime
    end: datetime
    reason: str
    link: str
    segments: list[Segment]
    clip_end: datetime
    """The end of the whole-range clip (the range, at most MAX_CLIP)."""
    clip: PlayerClip | None


class Playback:
    def __init__(
        self,
        gate: PolicyGate,
        cameras: CameraService,
        media: MediaService,
        links: SignedLinks,
        policy: PolicySettings,
        clock: Clock = utcnow,
    ) -> None:
        self.gate = gate
        self.cameras = cameras
        self.media = media
        self.links = links
        self.policy = policy
        self._clock = clock

    def _range(self, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
        end = end or self._clock()
        start = start or end - timedelta(days=1)
        if end <= start:
            raise InvalidInput(_("end must be after start"))
        if end - start > MAX_RANGE:
            raise InvalidInput(_("ask for at most 7 days at a time"))
        return start, end

    def index(
        self, session: Session, actor: Actor, ref: str, start: datetime | None, end: datetime | None
    ) -> RecordingIndex:
        """Recorded spans, gaps and holds of camera `ref` (the index only, no images)."""
        start, end = self._range(start, end)
        camera = self.cameras.require(session, actor, ref, Action.VIEW_CAMERA)
        return RecordingIndex(
            camera,
            start,
            end,
            segments_overlapping(session, camera.id, start, end),
            gaps_overlapping(session, camera.id, start, end),
            self._holds(actor, session, camera, start, end),
        )

    def timeline(
        self, session: Session, actor: Actor, ref: str, start: datetime, end: datetime, pixels: int
    ) -> CameraTimeline:
        """Where camera `ref` has footage, gaps, holds and events, for a window `pixels` wide."""
        if end <= start:
            raise InvalidInput(_("end must be after start"))
        if end - start > MAX_TIMELINE:
            raise InvalidInput(_("a timeline spans at most two years: narrow the window"))
        camera = self.cameras.require(session, actor, ref, Action.VIEW_CAMERA)
        writing = self.media.writing_segment(camera.id)
        view = camera_timeline(
            session, camera.id, start, end, pixels, (writing.start_time, writing.end_time) if writing else None
        )
        now = self._clock()
        police = camera.legal_regime == LegalRegime.POLICE.value
        return CameraTimeline(
            camera,
            view,
            self._holds(actor, session, camera, start, end),
            now,
            now - timedelta(days=self.policy.administrative_consult_days) if police else None,
            now - timedelta(days=camera.retention_max_days),
        )

    @staticmethod
    def _holds(actor: Actor, session: Session, camera: Camera, start: datetime, end: datetime) -> list[Hold]:
        """The holds on the camera's footage, for its owner only: case numbers never pass a grant."""
        if actor.kind is not ActorKind.SYSTEM and camera.organisation_id != actor.organisation_id:
            return []
        return holds_overlapping(session, camera.id, start, end)

    def request(
        self,
        session: Session,
        actor: Actor,
        ref: str,
        start: datetime | None,
        end: datetime | None,
        purpose: Purpose,
    ) -> PlaybackGrant:
        """Ask to play back camera `ref` in [start, end) for `purpose`: one audited decision."""
        start, end = self._range(start, end)
        until: dict[str, datetime] = {}

        def recorded(camera: Camera) -> Unavailable | None:
            latest = self.media.latest_footage(session, camera.id)
            until["end"] = min(end, max(self._clock(), latest or start))  # never footage not yet recorded
            if until["end"] <= start:
                return Unavailable(_("nothing has been recorded from that moment on yet: choose a moment in the past"))
            return None

        camera, decision = self.cameras.granted(
            session, actor, ref, Action.VIEW_RECORDING, purpose, footage=(start, end), available=recorded
        )
        end = until["end"]
        segments = segments_overlapping(session, camera.id, start, end)
        link = self.link(actor, camera.id, start, end, decision.grant)
        try:
            clip = self._player_clip(session, camera.id, start, end)
        except NotFound:
            clip = None
        return PlaybackGrant(camera, start, end, decision.reason, link, segments, min(end, start + MAX_CLIP), clip)

    def link(self, actor: Actor, camera_id: uuid.UUID, start: datetime, end: datetime, grant: str = "") -> str:
        """The signed playback link for [start, end) of a camera, bound to the actor, once a
        decision of the gate has allowed that look (`request`'s, or a data-subject request's):
        the player's clips and segments of the range then need no new decision."""
        claims = {"sub": str(actor.id), "cam": str(camera_id), "s": start.timestamp(), "e": end.timestamp()}
        return self.links.sign(LinkKind.PLAYBACK, {**claims, **({"g": grant} if grant else {})}, GRANT_SECONDS)

    def _player_clip(self, session: Session, camera_id: uuid.UUID, start: datetime, end: datetime) -> PlayerClip:
        until = min(end, start + PLAYER_CLIP)
        plan = self.media.clip(session, camera_id, start, until, stop_at_gap=PLAYER_GAP)
        next_start = plan.next_start
        if next_start is None and until < end and plan.cut_at is None:
            next_start = plan.end
        return PlayerClip(plan, start, min(until, plan.end), next_start if next_start and next_start < end else None)

    def _claims(
        self,
        session: Session,
        actor: Actor,
        link: str,
        resource: Resource,
        camera_id: uuid.UUID | None,
        none_such: Message,
    ) -> dict[str, Any]:
        """The claims of a playback link that is valid and was given to this actor for this
        camera; a bad one is a recorded refusal."""
        try:
            claims = self.links.read(LinkKind.PLAYBACK, link)
        except BadLink as exc:
            self.gate.refuse(session, actor, Action.VIEW_RECORDING, resource, Forbidden(exc.args[0]))
        if camera_id is None or claims.get("sub") != str(actor.id) or claims.get("cam") != str(camera_id):
            self.gate.refuse(session, actor, Action.VIEW_RECORDING, resource, Unseen(none_such))
        ended = lapsed(session, str(claims["g"]), self._clock()) if claims.get("g") else None
        if ended is not None:
            used = with_owner(actor, resource, str(claims["g"]))  # the owner's log shows the refused use
            self.gate.refuse(session, actor, Action.VIEW_RECORDING, used, Forbidden(ended))
        return claims

    def _granted(
        self, session: Session, actor: Actor, link: str, camera_ref: str, start: datetime, end: datetime
    ) -> uuid.UUID:
        """The camera of a range asked for under a playback link, once the link is checked;
        a bad link is a recorded refusal."""
        camera = self.cameras.find(session, camera_ref)
        resource = self.cameras.resource(session, actor, camera, camera_ref, ResourceKind.RECORDING, start, end)
        claims = self._claims(
            session, actor, link, resource, camera.id if camera else None, _("no such clip under this playback link")
        )
        assert camera is not None  # refused above otherwise
        if end <= start or start.timestamp() < claims["s"] or end.timestamp() > claims["e"]:
            self.gate.refuse(
                session,
                actor,
                Action.VIEW_RECORDING,
                resource,
                Forbidden(_("this range lies outside the range your playback was granted for")),
            )
        return camera.id

    def layout(
        self, session: Session, actor: Actor, link: str, camera_ref: str, start: datetime, end: datetime
    ) -> PlayerClip:
        """The player's clip from a moment of a granted range (the same grant, no new decision)."""
        camera_id = self._granted(session, actor, link, camera_ref, start, end)
        return self._player_clip(session, camera_id, start, end)

    def clip(
        self, session: Session, actor: Actor, link: str, camera_ref: str, start: datetime, end: datetime
    ) -> ClipPlan:
        """A granted range as one MP4 laid out without transcoding."""
        camera_id = self._granted(session, actor, link, camera_ref, start, end)
        if end - start > MAX_CLIP:
            raise InvalidInput(_("a clip covers at most 24 hours: ask for a shorter range"))
        return self.media.clip(session, camera_id, start, end)

    def segment_file(self, session: Session, actor: Actor, link: str, segment_id: uuid.UUID) -> Path:
        """A recorded segment's file, under a playback link that covers it."""
        segment = session.get(Segment, segment_id)
        if segment is None:
            camera = None
            start = end = self._clock()
        else:
            camera = session.get(Camera, segment.camera_id)
            start, end = segment.start_time, segment.end_time
        resource = self.cameras.resource(session, actor, camera, str(segment_id), ResourceKind.RECORDING, start, end)
        claims = self._claims(
            session,
            actor,
            link,
            resource,
            segment.camera_id if segment else None,
            _("no such segment under this playback link"),
        )
        assert segment is not None  # refused above otherwise
        if not (segment.start_time.timestamp() < claims["e"] and segment.end_time.timestamp() > claims["s"]):
            self.gate.refuse(
                session,
                actor,
                Action.VIEW_RECORDING,
                resource,
                Forbidden(_("this segment lies outside the range your playback was granted for")),
            )
        storage = self.media.storage_for(segment.storage_id)
        path = storage.path(segment.path) if storage else None
        if path is None or not path.exists():
            raise NotFound(_("the segment file is not available on this node"))
        return path

    def segment_for_node(self, session: Session, link: str, storage_id: str, path: str) -> Path:
        """A segment file of this node's storage folder, for another node of the platform
        that plays it to someone: its link (signed with the site's shared key) carries the
        decision the gate took there, where the look is recorded. A bad link is refused
        here, on record, as asked by a node."""
        node = system_actor("node")
        resource = Resource(ResourceKind.RECORDING, f"{storage_id[:36]}/{path[:200]}", path.rsplit("/", 1)[-1][:80])
        try:
            claims = self.links.read(LinkKind.NODE_SEGMENT, link)
        except BadLink as exc:
            self.gate.refuse(session, node, Action.VIEW_RECORDING, resource, Forbidden(str(exc)))
        if claims.get("a") != storage_id or claims.get("p") != path:
            self.gate.refuse(
                session, node, Action.VIEW_RECORDING, resource, Forbidden(_("this link is for another segment"))
            )
        return self.media.own_segment_file(storage_id, path)
