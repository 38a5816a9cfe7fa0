"""Live viewing: the shift's purpose, the camera tree, streams and snapshots.

Opening a stream and taking a snapshot are consultations: each passes the policy gate
with the purpose stated for the shift (or given with the request) and leaves one audit
record, granted or refused, also when the camera does not stream at that moment. When a
stream ends, `close` adds a second record with how long the person watched and what was
sent. Who watches what now is an audit review (`belfort.governance.review`).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.auth.service import AccountService
from belfort.cameras.grants import lapsed
from belfort.cameras.models import Camera, CameraGroup, CameraGroupMember
from belfort.cameras.service import CameraService, ListedCamera
from belfort.db import Database
from belfort.errors import Forbidden, Refusal, Unavailable
from belfort.i18n import _
from belfort.keys import BadLink, LinkKind, SignedLinks
from belfort.media.live import LiveFeed, LiveHub, Watcher, Watching
from belfort.media.service import MediaService
from belfort.policy import Action, Actor, PolicyGate, Purpose, Resource, ResourceKind, Right
from belfort.policy.model import system_actor
from belfort.staffing.designations import DesignationService
from belfort.timeutil import Clock, utcnow

CLOSED_ACTION = "live.closed"
log = logging.getLogger(__name__)


class TreeCamera(NamedTuple):
    camera: ListedCamera
    state: str
    """`online`, `offline`, `connecting` or `not streaming`."""
    groups: tuple[str, ...] = ()
    """The names of the viewer's organisation's groups that hold the camera."""


class TreeGroup(NamedTuple):
    """One of the viewer's organisation's camera groups, as the camera tree offers it."""

    id: uuid.UUID
    name: str
    rule: str


@dataclass(frozen=True)
class OpenedStream:
    """A granted live look, from opening to closing."""

    actor: Actor
    camera_id: str
    camera_name: str
    purpose: Purpose
    feed: LiveFeed
    stream_id: str
    started: datetime
    grant: str = ""
    """The owner's grant the stream passed under (another organisation's camera), or ''."""

    def watcher(self) -> Watcher:
        return Watcher(
            person=self.actor.name,
            organisation_id=str(self.actor.organisation_id or ""),
            organisation=self.actor.organisation_name,
            purpose=self.purpose.kind.value,
            justification=self.purpose.justification,
            since=self.started,
            grant=self.grant,
            person_id=str(self.actor.id or ""),
        )


def _not_streaming(camera: Camera) -> Unavailable:
    return Unavailable(
        _(
            "camera '{name}' is not streaming on this server (it is disabled, or recording has not started)",
            name=camera.name,
        )
    )


class LapsedStreamWatch:
    """Every few seconds, ends the live streams whose grant no longer holds (its validity
    ended while they were open, or another node revoked it)."""

    def __init__(self, db: Database, live: LiveViewing, interval_seconds: float = 2.0) -> None:
        self.db = db
        self.live = live
        self.interval = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                try:
                    with self.db.session() as session:
                        self.live.stop_lapsed(session)
                except Exception:
                    log.exception("checking the grants of open live streams failed; will retry")

        self._thread = threading.Thread(target=loop, name="lapsed-streams", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)


class LiveViewing:
    def __init__(
        self,
        gate: PolicyGate,
        cameras: CameraService,
        accounts: AccountService,
        hub: LiveHub,
        designations: DesignationService,
        clock: Clock = utcnow,
        media: MediaService | None = None,
        links: SignedLinks | None = None,
    ) -> None:
        self.gate = gate
        self.cameras = cameras
        self.accounts = accounts
        self.hub = hub
        self.designations = designations
        """Finds the viewer's designation to watch live, which the gate's rule weighs."""
        self._clock = clock
        self.media = media
        """Relays the live stream of a camera another node records, and says its state."""
        self.links = links
        """Checks the links other nodes relay a camera of this node with."""

    def _feed(self, session: Session, camera_id: str) -> LiveFeed | None:
        if self.media is not None:
            return self.media.live_feed(session, camera_id)
        return self.hub.get(camera_id)

    def relay_feed(self, session: Session, link: str, camera_id: str) -> LiveFeed:
        """A camera's feed on this node for another node of the platform that relays it to its
        viewers: its link (signed with the site's shared key) carries the decision the gate took
        there, where each look is recorded. A bad link is refused here, on record, as asked by
        a node."""
        node = system_actor("node")
        resource = Resource(ResourceKind.CAMERA, camera_id[:64], camera_id[:64])
        try:
            claims = self.links.read(LinkKind.NODE_LIVE, link) if self.links is not None else {}
        except BadLink as exc:
            self.gate.refuse(session, node, Action.VIEW_LIVE, resource, Forbidden(str(exc)))
        if claims.get("c") != camera_id:
            self.gate.refuse(session, node, Action.VIEW_LIVE, resource, Forbidden(_("this link is for another camera")))
        feed = self.hub.get(camera_id)
        if feed is None:
            raise Unavailable(_("this node does not record that camera now"))
        return feed

    def _state_elsewhere(self, camera_id: uuid.UUID) -> str:
        """The state another node announced of a camera it records (relayed when watched)."""
        if self.media is None:
            return "not streaming"
        state = str(self.media.status(camera_id)["state"])
        return "not streaming" if state == "not recording" else state

    def shift_purpose(self, session: Session, session_id: uuid.UUID | None) -> Purpose | None:
        return self.accounts.live_purpose(session, session_id)

    def set_shift_purpose(
        self, session: Session, actor: Actor, session_id: uuid.UUID | None, purpose: Purpose | None
    ) -> None:
        """State (or with None, withdraw) why this sign-in watches live; only people of the wall may."""
        self.gate.require(
            session, actor, Action.USE_WALL, Resource(ResourceKind.PAGE, "shift purpose", "shift purpose")
        )
        self.accounts.set_live_purpose(session, session_id, purpose)

    def camera_tree(self, session: Session, actor: Actor) -> list[TreeCamera]:
        """The enabled cameras the actor may watch live (its own, and others' granted for live
        viewing now), with whether each streams now, by owner, area and name. Read as plain
        columns (`CameraService.listed`): a tree of thousands of granted cameras loads no camera."""
        cameras = self.cameras.listed(session, actor, right=Right.LIVE, enabled_only=True)
        groups = self._memberships(session, actor) if cameras else {}
        rows = []
        for camera in cameras:
            feed = self.hub.get(str(camera.id))
            state = feed.state if feed else self._state_elsewhere(camera.id)
            rows.append(TreeCamera(camera, state, groups.get(camera.id, ())))
        return sorted(rows, key=lambda row: (row.camera.organisation.name, row.camera.area, row.camera.name))

    @staticmethod
    def _memberships(session: Session, actor: Actor) -> dict[uuid.UUID, tuple[str, ...]]:
        """The names of the groups of the actor's organisation each camera belongs to, in one
        query. A group may hold cameras the actor may not watch: the tree shows only those it
        lists, so such members never appear."""
        if actor.organisation_id is None:
            return {}
        statement = (
            select(CameraGroupMember.camera_id, CameraGroup.name)
            .join(CameraGroup, CameraGroup.id == CameraGroupMember.group_id)
            .where(CameraGroup.organisation_id == actor.organisation_id)
            .order_by(CameraGroup.name)
        )
        found: dict[uuid.UUID, tuple[str, ...]] = {}
        for camera_id, name in session.execute(statement):
            found[camera_id] = (*found.get(camera_id, ()), name)
        return found

    def tree_groups(self, session: Session, actor: Actor) -> list[TreeGroup]:
        """The groups of the actor's organisation, by name, to narrow the camera tree with. The
        tree is the organisation's own grouping of what the actor may watch, so reading it needs
        no right beyond the tree's: a group's cameras come with the tree (`TreeCamera.groups`)."""
        if actor.organisation_id is None:
            return []
        statement = (
            select(CameraGroup.id, CameraGroup.name, CameraGroup.rule)
            .where(CameraGroup.organisation_id == actor.organisation_id)
            .order_by(CameraGroup.name)
        )
        return [TreeGroup(group_id, name, rule) for group_id, name, rule in session.execute(statement)]

    def _look(
        self,
        session: Session,
        actor: Actor,
        session_id: uuid.UUID | None,
        ref: str,
        purpose: Purpose | None,
        detail: Mapping[str, object],
        available: dict[str, object],
        snapshot: bool = False,
    ) -> tuple[Camera, Purpose, str, Actor]:
        """Pass the gate for one live look; `available` receives what the look found to serve.
        Returns the camera, the purpose, the grant the look passed under ('' for one's own) and
        the actor with their designation. A look under a designation names it in its record,
        and a security guard's names the supervising inspector too."""
        stated = purpose or self.accounts.live_purpose(session, session_id)
        actor = self.designations.designated(session, actor)
        term = actor.designation
        if term is not None:
            detail = {**detail, "designation": term.id, **({"supervisor": term.supervisor} if term.supervisor else {})}

        def serving(camera: Camera) -> Refusal | None:
            feed = self._feed(session, str(camera.id))
            if feed is None:
                return _not_streaming(camera)
            available["feed"] = feed
            if snapshot:
                jpeg = feed.snapshot_jpeg()
                if jpeg is None:
                    return Unavailable(
                        _("camera '{name}' has sent no picture yet; try again in a few seconds", name=camera.name)
                    )
                available["jpeg"] = jpeg
            return None

        camera, decision = self.cameras.granted(
            session, actor, ref, Action.VIEW_LIVE, stated, detail=detail, available=serving
        )
        assert stated is not None  # the gate refuses a look without a purpose
        return camera, stated, decision.grant, actor

    def open(
        self, session: Session, actor: Actor, session_id: uuid.UUID | None, ref: str, purpose: Purpose | None
    ) -> OpenedStream:
        """Open a live stream of camera `ref` for the actor, once the gate allows it."""
        stream_id = str(uuid.uuid4())
        found: dict[str, object] = {}
        camera, stated, grant, watcher = self._look(
            session, actor, session_id, ref, purpose, {"live": "stream opened", "stream": stream_id}, found
        )
        feed = found["feed"]
        assert isinstance(feed, LiveFeed)
        return OpenedStream(watcher, str(camera.id), camera.name, stated, feed, stream_id, self._clock(), grant)

    def close(self, session: Session, opened: OpenedStream, stats: Mapping[str, object]) -> None:
        """Record that a stream ended: how long the person watched and what was sent."""
        self.gate.record(
            session,
            opened.actor,
            CLOSED_ACTION,
            Resource(ResourceKind.CAMERA, opened.camera_id, opened.camera_name),
            opened.purpose,
            outcome="ended",
            reason=f"Stopped watching live after {stats['seconds']} s.",
            detail={**stats, "live": "stream closed", "stream": opened.stream_id},
            start=opened.started,
            end=self._clock(),
        )

    def snapshot(
        self, session: Session, actor: Actor, session_id: uuid.UUID | None, ref: str, purpose: Purpose | None
    ) -> tuple[Camera, bytes]:
        """A JPEG of the camera's latest keyframe: a live look like a stream."""
        found: dict[str, object] = {}
        camera, _stated, _grant, _watcher = self._look(
            session, actor, session_id, ref, purpose, {"live": "snapshot"}, found, snapshot=True
        )
        jpeg = found["jpeg"]
        assert isinstance(jpeg, bytes)
        return camera, jpeg

    def stop_under_grant(self, grant: str, reason: str) -> int:
        """End at once the live streams opened under an owner's grant, telling each viewer
        `reason`; how many. Called when the owner revokes it."""
        return self.hub.stop_watching(grant, reason)

    def stop_lapsed(self, session: Session) -> int:
        """End the streams whose grant no longer holds (revoked elsewhere, or its validity
        ended while they were open); how many. Run every few seconds."""
        grants = {stream.watcher.grant for stream in self.hub.watching() if stream.watcher.grant}
        ended = 0
        for grant in grants:
            reason = lapsed(session, grant, self._clock())
            if reason is not None:
                ended += self.hub.stop_watching(grant, reason)
        return ended

    def streams_open(
        self, session: Session, organisation_id: str, *, own_people: bool = True, own_cameras: bool = True
    ) -> list[tuple[Watching, str]]:
        """Streams open now, with camera names: those of one organisation's people
        (`own_people`) and those of other organisations' people on its cameras
        (`own_cameras`); every stream for organisation_id ''.

        For the audit review and the owner's view of the use of its cameras only, which pass
        the gate for the reviewer first."""
        streams = self.hub.watching()
        ids = {uuid.UUID(stream.camera_id) for stream in streams}
        rows = (
            session.execute(select(Camera.id, Camera.name, Camera.organisation_id).where(Camera.id.in_(ids))).all()
            if ids
            else []
        )
        cameras = {camera_id: (name, str(owner)) for camera_id, name, owner in rows}

        def within(stream: Watching) -> bool:
            if not organisation_id:
                return True
            watcher_org = stream.watcher.organisation_id
            owner = cameras.get(uuid.UUID(stream.camera_id), ("", ""))[1]
            if own_people and watcher_org == organisation_id:
                return True
            return own_cameras and owner == organisation_id and watcher_org != organisation_id

        return [
            (stream, cameras.get(uuid.UUID(stream.camera_id), (stream.camera_id, ""))[0])
            for stream in streams
            if within(stream)
        ]
