"""Each node's heartbeat and the platform's view of its nodes.

A node writes its row every `[node] heartbeat_seconds`: roles, capacity, version, the
cameras it records (and how many are online), and the room used and left on the file
system of its recordings. A node whose heartbeat is older than three intervals is shown
down, with how long ago it was last heard of. Reading the nodes passes the gate
(`platform.cluster`, the platform administrator); a refusal is recorded.
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from belfort import __version__
from belfort.cluster.models import Node
from belfort.db import Database
from belfort.media.models import CameraLease, StorageArea
from belfort.media.remote import RemoteArea
from belfort.media.service import MediaService
from belfort.policy import Action, Actor, PolicyGate
from belfort.settings import NodeSettings
from belfort.timeutil import Clock, as_utc, utcnow

log = logging.getLogger(__name__)
SILENT_BEATS = 3


@dataclass(frozen=True)
class NodeView:
    node: Node
    up: bool
    silent_seconds: float
    """Since the last heartbeat."""
    holds: int = 0
    """Cameras the node holds now (their holds have not run out)."""
    oldest_renewal_seconds: float | None = None
    """Since the least recently renewed of those holds."""


class NodeService:
    def __init__(
        self, gate: PolicyGate, db: Database, media: MediaService, settings: NodeSettings, clock: Clock = utcnow
    ) -> None:
        self.gate = gate
        self.db = db
        self.media = media
        self.settings = settings
        self._clock = clock
        self._started = clock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> Node:
        """Write this node's row now."""
        ingests = self.media.ingests()
        used, free = _storage(self.media)
        with self.db.session() as session:
            node = session.get(Node, self.settings.name)
            if node is None:
                node = Node(name=self.settings.name, started_at=self._started)
                session.add(node)
            node.roles = " ".join(self.settings.roles)
            node.capacity = self.settings.capacity
            node.version = __version__
            node.address = self.settings.url
            node.heartbeat_at = self._clock()
            node.cameras_recording = len(ingests)
            node.cameras_online = sum(1 for ingest in ingests if ingest.status.state == "online")
            node.storage_used_bytes, node.storage_free_bytes = used, free
            if node.started_at < self._started:
                node.started_at = self._started  # the node restarted
            session.flush()
            session.expunge(node)
            return node

    def start(self) -> None:
        """Beat now, then every interval, until `stop`."""
        self.beat()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="node-heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_seconds):
            try:
                self.beat()
            except Exception:  # the database may be away for a moment; the next beat tries again
                log.warning("node %s: heartbeat not written", self.settings.name, exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def listed(self, session: Session, actor: Actor) -> list[NodeView]:
        """Every node by name, up or down, for who may see the platform's nodes."""
        self.gate.require_function(session, actor, "cluster", Action.VIEW_CLUSTER)
        now = self._clock()
        silent_limit = timedelta(seconds=SILENT_BEATS * self.settings.heartbeat_seconds)
        holds = {
            node: (count, oldest)
            for node, count, oldest in session.execute(
                select(CameraLease.node, func.count(), func.min(CameraLease.renewed_at))
                .where(CameraLease.expires_at > now)
                .group_by(CameraLease.node)
            )
        }
        views = []
        for node in session.scalars(select(Node).order_by(Node.name)):
            count, oldest = holds.get(node.name, (0, None))
            views.append(
                NodeView(
                    node,
                    now - node.heartbeat_at <= silent_limit,
                    _seconds(now - node.heartbeat_at),
                    count,
                    None if oldest is None else _seconds(now - as_utc(oldest)),
                )
            )
        return views

    def live_recorders(self, session: Session) -> dict[str, int]:
        """The recording nodes heard of within three heartbeats, with their capacity: the
        nodes the cameras are spread over (`belfort.media.leases`)."""
        since = self._clock() - timedelta(seconds=SILENT_BEATS * self.settings.heartbeat_seconds)
        rows = session.execute(select(Node.name, Node.roles, Node.capacity).where(Node.heartbeat_at >= since))
        return {name: capacity for name, roles, capacity in rows if "recorder" in roles.split()}

    def remote_areas(self, session: Session) -> dict[str, RemoteArea]:
        """The storage folders other nodes record into, with where to ask them and whether
        they are up (heard of within three heartbeats): for playback of their footage."""
        since = self._clock() - timedelta(seconds=SILENT_BEATS * self.settings.heartbeat_seconds)
        rows = session.execute(
            select(StorageArea.id, Node.name, Node.address, Node.heartbeat_at).join(Node, Node.name == StorageArea.node)
        )
        return {
            area: RemoteArea(name, address, as_utc(heartbeat) >= since)
            for area, name, address, heartbeat in rows
            if name != self.settings.name
        }

    def node_address(self, session: Session, name: str) -> RemoteArea | None:
        """Where node `name` answers, and whether it is up: for a live relay from it."""
        node = session.get(Node, name)
        if node is None:
            return None
        since = self._clock() - timedelta(seconds=SILENT_BEATS * self.settings.heartbeat_seconds)
        return RemoteArea(node.name, node.address, as_utc(node.heartbeat_at) >= since)


def _seconds(delta: timedelta) -> float:
    return max(0.0, delta.total_seconds())


def _storage(media: MediaService) -> tuple[int, int]:
    """Bytes used and free on the file system of the node's recordings (0, 0 if not there yet)."""
    try:
        usage = shutil.disk_usage(media.settings.storage_dir)
    except OSError:
        return 0, 0
    return usage.used, usage.free
