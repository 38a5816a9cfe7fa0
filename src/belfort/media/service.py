"""The media service: starts and stops one ingest (and its recorder) per enabled camera.

Start-up order matters: open the storage folder and check it belongs to this database,
recover what a crash left behind, then start recording. `sync_cameras` is called after
every registry change so a camera enabled in the admin page starts recording at once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from belfort.db import Database
from belfort.errors import InvalidInput, NotFound
from belfort.i18n import _, _n
from belfort.keys import LinkKind, SignedLinks
from belfort.media.clips import ClipPlan, LocalFile, RecordedSegment, SegmentFile, SegmentView, plan_clip
from belfort.media.frames import FrameConsumer, SourceError
from belfort.media.index import IndexWriter
from belfort.media.ingest import CameraIngest
from belfort.media.leases import CameraLeases
from belfort.media.live import LiveFeed, LiveHub
from belfort.media.models import CameraLease, Gap, MediaEvent, Segment, StorageArea
from belfort.media.readloop import ReadLoops
from belfort.media.recorder import SegmentRecorder
from belfort.media.recordings import clip_rows_overlapping
from belfort.media.recovery import RecoveryReport, recover
from belfort.media.relay import Relay
from belfort.media.remote import RemoteArea, RemoteAreas, RemoteFile, SegmentUnavailable
from belfort.media.sources import source_for
from belfort.media.status import STATUS_TOPIC, Bus, StatusBoard
from belfort.media.storage import Storage
from belfort.settings import Settings
from belfort.streamurl import SIM_NAME
from belfort.timeutil import Clock, as_utc, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CameraStream:
    """A camera as the recorder needs it: where to connect (credentials included, in memory
    only), and what the analysers need to know of it."""

    id: uuid.UUID
    name: str
    kind: str
    organisation_id: uuid.UUID
    url: str
    transport: str


class CameraDirectory(Protocol):
    """Which cameras to record: the camera registry, handed over by the composition root."""

    def enabled_streams(self, session: Session) -> list[CameraStream]: ...

    def camera_ids(self, session: Session) -> set[uuid.UUID]: ...


class Analyser(FrameConsumer, Protocol):
    """A consumer of decoded frames started with a camera (the built-in plate reader)."""

    def close(self) -> None: ...


AnalyserFactory = Callable[[CameraStream], Analyser | None]
"""Gives the analyser a camera needs, or None; registered by the composition root."""


@dataclass
class _Running:
    ingest: CameraIngest
    recorder: SegmentRecorder
    feed: LiveFeed
    key: tuple[str, str]
    analysers: list[Analyser]


LIVE_LINK_SECONDS = 60
"""A relay uses its link at once; a reconnection asks for a new one."""
SEGMENT_LINK_SECONDS = 600
"""How long a link to another node's segment serves: a player reads a clip for some minutes."""

MAX_CLIP_SEGMENTS = 6000
"""A day of the shortest segments (30 s) is 2,880; a range asking for more is refused, never cut short."""


class RecentPlans:
    """Clip layouts of the last few seconds, by (camera, start, end, stop_at_gap)."""

    def __init__(self, seconds: float = 20.0, size: int = 64) -> None:
        self.seconds = seconds
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], tuple[float, ClipPlan]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> ClipPlan | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[0] > self.seconds:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: tuple[Any, ...], plan: ClipPlan) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), plan)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def open_storage(db: Database, root: Path, clock: Clock = utcnow, node: str | None = None) -> Storage:
    """Open the storage folder and register it, refusing a folder of another database; a
    recording node says it records into it."""
    with db.session() as session:
        known = {area.id for area in session.scalars(select(StorageArea))}
        storage, new = Storage.open(root, known)
        if new:
            session.add(StorageArea(id=storage.id, path=str(root.resolve()), created_at=clock(), node=node))
        elif node is not None:
            area = session.get(StorageArea, storage.id)
            if area is not None:
                area.node = node
    return storage


class MediaService:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        cameras: CameraDirectory,
        clock: Clock = utcnow,
        leases: CameraLeases | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.cameras = cameras
        self._clock = clock
        self.index = IndexWriter(db, clock)
        self.storage: Storage | None = None
        self.recovery: RecoveryReport | None = None
        self._running: dict[uuid.UUID, _Running] = {}
        self._lock = threading.Lock()
        self.clips_dir = settings.data_dir / "demo-clips"
        self._areas: dict[str, Storage] = {}
        self.live = LiveHub()
        self.analysers: list[AnalyserFactory] = []
        """Called for each camera that starts; what they give consumes its frames too."""
        self._plans: RecentPlans = RecentPlans()
        self.remote_areas: RemoteAreas | None = None
        """The other nodes' storage folders (set by the composition root, from the heartbeats)."""
        self.links: SignedLinks | None = None
        """Signs the links another node's segments are fetched with (the site's shared key)."""
        self.node_address: Callable[[Session, str], RemoteArea | None] | None = None
        """Where another node answers and whether it is up (set by the composition root)."""
        self._relays: dict[str, Relay] = {}
        self._relays_lock = threading.Lock()
        self.board = StatusBoard()
        """The states other nodes announce of the cameras they record."""
        self.bus: Bus | None = None
        """Where this node announces its cameras' states (set by the composition root)."""
        self._announced: dict[uuid.UUID, str] = {}
        self._enabled: set[uuid.UUID] = set()
        self.leases = leases or CameraLeases(db, settings.node, clock)
        """Which cameras this node records (`belfort.media.leases`)."""
        self._sync_lock = threading.Lock()
        self._handovers: list[threading.Thread] = []
        self._leaving: set[uuid.UUID] = set()
        """Cameras being stopped and handed back: not started again until that is done."""
        self.read_loops = ReadLoops(settings.recording.read_threads or os.cpu_count() or 1)
        """The threads reading every camera connection (`belfort.media.readloop`)."""
        self._stopping = threading.Event()
        self._keeper: threading.Thread | None = None

    def clip_path(self, name: str) -> Path:
        """The demo clip a `sim://NAME` camera replays: only a file of the demo folder."""
        if not SIM_NAME.match(name):
            raise SourceError(
                _("sim://{name} does not name a demo clip (letters, digits, '-' and '_')", name=name[:40])
            )
        return self.clips_dir / f"{name}.mp4"

    def start(self) -> None:
        self.storage = open_storage(self.db, self.settings.storage_dir, self._clock, self.settings.node.name)
        self.storage.lock()
        self.load_storage_areas()
        with self.db.session() as session:
            self.recovery = recover(session, self.storage, self.cameras.camera_ids(session), self._clock)
        self.index.start()
        self.read_loops.start()
        self.sync_cameras()
        self._stopping.clear()
        self._keeper = threading.Thread(target=self._keep_holds, name="camera-holds", daemon=True)
        self._keeper.start()

    def stop(self) -> None:
        for relay in self.relays():
            relay.stop()
        if self.storage is None:
            return
        self._stopping.set()
        if self._keeper is not None:
            self._keeper.join(30)
        for handover in self._handovers:
            handover.join(30)
        with self._sync_lock:
            with self._lock:
                running, self._running = self._running, {}
            self._stop_all(list(running.values()))
            try:  # hand the cameras to the other nodes at once rather than when the holds run out
                self.leases.release(
                    {item.recorder.camera_id: item.recorder.written_until() for item in running.values()}
                )
            except Exception:
                log.warning("camera holds not handed back; they run out by themselves", exc_info=True)
        self.read_loops.stop()
        self.index.stop()
        self.storage.unlock()
        self.storage = None

    def sync_cameras(self) -> None:
        """Settle this node's holds, then record the cameras it holds: start newly held ones,
        stop those given up, lost, disabled or removed, restart changed ones."""
        if self.storage is None:
            return
        with self._sync_lock:
            with self.db.session() as session:
                cameras = {stream.id: stream for stream in self.cameras.enabled_streams(session)}
            self._enabled = set(cameras)
            self._report_progress()
            settled = self.leases.settle(set(cameras))
            self.leases.commit(settled)
            with self._lock:
                give_up = settled.give_up - self._leaving  # already being handed over otherwise
                leaving = [
                    self._running.pop(camera_id)
                    for camera_id in list(self._running)
                    if camera_id not in settled.held or camera_id in give_up
                ]
                changed = [
                    self._running.pop(camera_id)
                    for camera_id in list(self._running)
                    if (cameras[camera_id].url, cameras[camera_id].transport) != self._running[camera_id].key
                ]
                self._leaving |= {item.recorder.camera_id for item in leaving} | give_up
            if leaving or give_up:  # the next round must not wait for slow cameras to stop
                handover = threading.Thread(
                    target=self._hand_over, args=(leaving, give_up), name="camera-handover", daemon=True
                )
                self._handovers = [thread for thread in self._handovers if thread.is_alive()] + [handover]
                handover.start()
            self._stop_all(changed)  # restarted below: the old ingest must be gone first
            starting = {
                camera_id: hold
                for camera_id, hold in settled.held.items()
                if camera_id not in settled.give_up
                and camera_id not in self._running
                and camera_id not in self._leaving
            }
            if not starting:
                return
            with self.db.session() as session:
                resume = dict(
                    session.execute(
                        select(Segment.camera_id, func.max(Segment.end_time))
                        .where(Segment.camera_id.in_(starting))
                        .group_by(Segment.camera_id)
                    ).all()
                )
                open_gaps = set(
                    session.scalars(select(Gap.camera_id).where(Gap.end_time.is_(None), Gap.camera_id.in_(starting)))
                )
            with self._lock:
                for camera_id, hold in starting.items():
                    after = max(filter(None, (resume.get(camera_id), hold.taken_over_at)), default=None)
                    self._running[camera_id] = self._start_camera(cameras[camera_id], after, camera_id in open_gaps)

    def announce_states(self, enabled: set[uuid.UUID] | None = None) -> None:
        """Tell the other nodes, on the event bus, each change of state of this node's
        cameras since the last time (and that a disabled camera is recorded no more)."""
        if self.bus is None:
            return
        now = self._clock().isoformat()
        changes = []
        for camera_id, item in list(self._running.items()):
            status = item.ingest.status
            if self._announced.get(camera_id) != status.state:
                self._announced[camera_id] = status.state
                since = status.since.isoformat() if status.since else None
                changes.append((camera_id, status.state, since, status.last_error))
        for camera_id in [c for c in self._announced if c not in self._running]:
            del self._announced[camera_id]
            if enabled is not None and camera_id not in enabled:
                changes.append((camera_id, "not recording", None, ""))
        for camera_id, state, since, error in changes:
            message = {"camera": str(camera_id), "node": self.settings.node.name, "state": state, "since": since}
            self.bus.publish(STATUS_TOPIC, {**message, "last_error": error[:300], "at": now})

    def _hand_over(self, leaving: list[_Running], give_up: set[uuid.UUID]) -> None:
        """Stop the cameras this node no longer records, then hand back those it gives up
        (only once stopped: a camera is never recorded by two nodes at once)."""
        self._stop_all(leaving)
        written = {item.recorder.camera_id: item.recorder.written_until() for item in leaving}
        try:
            self.leases.release({camera_id: written.get(camera_id) for camera_id in give_up})
        except Exception:  # they run out by themselves and another node takes them then
            log.warning("node %s: camera holds not handed back", self.leases.node, exc_info=True)
        finally:
            with self._lock:
                self._leaving -= {item.recorder.camera_id for item in leaving} | give_up

    def _report_progress(self) -> None:
        """Say in the index how far each segment being written is, for the other nodes (they
        play it, and where a dead node's footage ends is where its gap begins)."""
        views = [view for item in list(self._running.values()) if (view := item.recorder.writing()) is not None]
        self.index.segments_progress(
            [(uuid.UUID(str(view.id)), view.end_time, view.frames, view.fragments) for view in views]
        )

    def _keep_holds(self) -> None:
        """Renew the holds every `[node] lease_renew_seconds`, and stop writing when they could
        not be renewed in time (another node may take the cameras soon). The check does not
        wait for a renewal under way: a database that hangs must not hold the fence open."""
        renew = self.settings.node.lease_renew_seconds
        rounds = threading.Thread(target=self._renew_holds, args=(renew,), name="camera-holds-renewal", daemon=True)
        rounds.start()
        while not self._stopping.wait(0.25):
            if self._running and not self.leases.valid():
                self._fence()
        rounds.join(30)

    def _renew_holds(self, renew: float) -> None:
        while not self._stopping.wait(renew):
            try:
                self.sync_cameras()
                self.announce_states(self._enabled)
            except Exception:  # the database may be away: the holds run out and the node stops writing
                log.warning("node %s: camera holds not renewed", self.leases.node, exc_info=True)

    def _fence(self) -> None:
        with self._lock:
            running, self._running = self._running, {}
        log.error(
            "node %s: camera holds not renewed in time; stopped recording %d camera(s)", self.leases.node, len(running)
        )
        self._stop_all(list(running.values()))
        self.leases.forget()

    def _stop_all(self, items: list[_Running]) -> None:
        """Stop several ingests at once: ask all, then wait for each, then close recorders and feeds."""
        for item in items:
            item.ingest.request_stop()
        for item in items:
            item.ingest.join()
            item.recorder.close()
            self.live.drop(item.ingest.camera_id, item.feed)
            for analyser in item.analysers:
                analyser.close()

    def _start_camera(self, camera: CameraStream, resume_after: datetime | None, open_gap: bool) -> _Running:
        assert self.storage is not None
        recording = self.settings.recording
        recorder = SegmentRecorder(
            camera.id,
            self.storage,
            self.index,
            recording.segment_seconds,
            resume_after=resume_after,
            open_gap=open_gap,
            may_write=self.leases.valid,
        )
        url, transport = camera.url, camera.transport

        def make_source() -> Any:
            return source_for(url, transport, recording.read_timeout_seconds, self.clip_path)

        feed = self.live.feed_for(str(camera.id))
        analysers = [analyser for factory in self.analysers if (analyser := factory(camera)) is not None]
        ingest = CameraIngest(
            str(camera.id),
            make_source,
            [recorder, feed, *analysers],
            self._clock,
            (recording.reconnect_min_seconds, recording.reconnect_max_seconds),
            not_before=resume_after,
            loops=self.read_loops,
        )
        ingest.start()
        return _Running(ingest, recorder, feed, (url, transport), analysers)

    def storage_for(self, storage_id: str) -> Storage | None:
        """The storage folder holding segments of `storage_id`, when this node can read it.

        Answered from memory: callers hold a database session, and on SQLite a second one
        in the same thread would wait for the first.
        """
        if self.storage is not None and self.storage.id == storage_id:
            return self.storage
        return self._areas.get(storage_id)

    def writing_segment(self, camera_id: uuid.UUID) -> SegmentView | None:
        """The segment this node is recording for the camera right now, as far as it is written."""
        item = self._running.get(camera_id)
        return item.recorder.writing() if item else None

    def recorded(
        self, session: Session, camera_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[tuple[RecordedSegment, SegmentFile]]:
        """The camera's segments overlapping [start, end) with their files, oldest first,
        including the one being written; a segment another node holds is read from that
        node. SegmentUnavailable when that node is down."""
        tail = self.writing_segment(camera_id)  # before the query: a segment closed meanwhile is in one or the other
        found: list[tuple[RecordedSegment, SegmentFile]] = []
        remote: dict[str, RemoteArea] | None = None
        rows = clip_rows_overlapping(session, camera_id, start, end, MAX_CLIP_SEGMENTS + 1)
        if len(rows) > MAX_CLIP_SEGMENTS:
            raise InvalidInput(
                _n(
                    "this range holds more than {count} segment: ask for a shorter one",
                    "this range holds more than {count} segments: ask for a shorter one",
                    MAX_CLIP_SEGMENTS,
                )
            )
        for segment in rows:
            if tail is not None and tail.id == segment.id and segment.state != "writing":
                tail = None  # closed meanwhile: its row says it all
            storage = self.storage_for(segment.storage_id)
            if storage is not None:
                if segment.state != "writing":  # this node's recorder says how far its own is written (the tail)
                    found.append((segment, LocalFile(storage.path(segment.path))))
                continue
            if not segment.fragments:
                continue  # another node's segment just opened: nothing written yet
            if remote is None:
                remote = self.remote_areas(session) if self.remote_areas is not None else {}
            found.append((segment, self._remote_file(remote.get(segment.storage_id), segment)))
        if tail is not None and self.storage is not None and tail.start_time < end and tail.end_time > start:
            found.append((tail, LocalFile(self.storage.path(tail.path))))
        found.sort(key=lambda item: item[0].start_time)
        return found

    def _remote_file(self, area: RemoteArea | None, segment: Segment) -> RemoteFile:
        if area is None or not area.url or self.links is None:
            raise NotFound(_("part of this range is stored in a folder no node of this platform serves"))
        if not area.up:
            raise SegmentUnavailable(
                _(
                    "footage held by node {node} is unavailable: the node is down; it plays again once it is back",
                    node=area.node,
                )
            )
        link = self.links.sign(
            LinkKind.NODE_SEGMENT, {"a": segment.storage_id, "p": segment.path}, SEGMENT_LINK_SECONDS
        )
        return RemoteFile(area, segment.storage_id, segment.path, link)

    def live_feed(self, session: Session, camera_id: str) -> LiveFeed | None:
        """The camera's live feed on this node: its own when it records the camera, else one
        relayed from the node that records it (started by the first viewer), else None."""
        feed = self.live.get(camera_id)
        if feed is not None or self.node_address is None or self.links is None:
            return feed
        with self._relays_lock:
            relay = self._relays.get(camera_id)
            if relay is not None and relay.running:
                return relay.feed
            if self._locate_live(camera_id, session) is None:
                return None
            relay = Relay(camera_id, self.live.feed_for(camera_id), self._locate_live, self._relay_ended)
            self._relays[camera_id] = relay
        relay.start()
        return relay.feed

    def relays(self) -> list[Relay]:
        with self._relays_lock:
            return list(self._relays.values())

    def _relay_ended(self, relay: Relay) -> None:
        with self._relays_lock:
            if self._relays.get(relay.camera_id) is relay:
                del self._relays[relay.camera_id]
        self.live.drop(relay.camera_id, relay.feed)

    def _locate_live(self, camera_id: str, session: Session | None = None) -> str | None:
        """The live stream's address on the node that holds the camera now (another one, up),
        read in the caller's session if it has one (on SQLite a second one would wait for it)."""
        if self.node_address is None or self.links is None:
            return None
        try:
            camera = uuid.UUID(camera_id)
        except ValueError:
            return None
        if session is None:
            with self.db.session() as own:
                return self._locate_live(camera_id, own)
        hold = session.get(CameraLease, camera)
        if hold is None or hold.node == self.settings.node.name or as_utc(hold.expires_at) <= self._clock():
            return None
        area = self.node_address(session, hold.node)
        if area is None or not area.up or not area.url.startswith(("http://", "https://")):
            return None
        link = self.links.sign(LinkKind.NODE_LIVE, {"c": camera_id}, LIVE_LINK_SECONDS)
        return f"ws{area.url.removeprefix('http')}/internal/live/{camera_id}/ws?link={quote(link)}"

    def own_segment_file(self, storage_id: str, path: str) -> Path:
        """A segment file of this node's own storage folder, for another node that asks for
        it (`Playback.segment_for_node` checks the asking node's link first)."""
        if self.storage is None or self.storage.id != storage_id:
            raise NotFound(_("this node does not record into that storage folder"))
        file = self.storage.path(path)
        if not file.resolve().is_relative_to(self.storage.root.resolve()) or not file.is_file():
            raise NotFound(_("the segment file is not available on this node"))
        return file

    def latest_footage(self, session: Session, camera_id: uuid.UUID) -> datetime | None:
        """The end of the camera's newest footage: its last fragment written here, or as far as
        its newest segment is indexed (closed, or being written by another node)."""
        writing = self.writing_segment(camera_id)
        if writing is not None:
            return writing.end_time
        return session.scalar(  # a segment another node is writing says how far it is, every few seconds
            select(Segment.end_time).where(Segment.camera_id == camera_id).order_by(Segment.start_time.desc()).limit(1)
        )

    def clip(
        self,
        session: Session,
        camera_id: uuid.UUID,
        start: datetime,
        end: datetime,
        stop_at_gap: timedelta | None = None,
    ) -> ClipPlan:
        """The layout of the camera's recordings in [start, end) as one MP4, or NotFound.

        A player asks for the same clip once per HTTP range request; the layout is kept
        for a few seconds (bytes already written never change, so a kept layout stays
        right; it only misses fragments written since)."""
        key = (camera_id, start, end, stop_at_gap)
        kept = self._plans.get(key)
        if kept is not None:
            return kept
        try:
            plan = plan_clip(self.recorded(session, camera_id, start, end), start, end, stop_at_gap)
        except (ValueError, OSError) as exc:
            problem = exc.args[0] if isinstance(exc, ValueError) and exc.args else str(exc)
            raise NotFound(_("no clip for this range: {problem}", problem=problem)) from None
        self._plans.put(key, plan)
        return plan

    def storage_to_write(self, session: Session) -> Storage:
        """The folder footage from outside the recorder (an imported video) is written to:
        the recorder's own, or, in a process that does not record (the command line), the
        same folder, checked and registered in the caller's transaction (a second session
        would wait for it on SQLite)."""
        if self.storage is not None:
            return self.storage
        known = {area.id for area in session.scalars(select(StorageArea))}
        storage, new = Storage.open(self.settings.storage_dir, known)
        if new:
            session.add(
                StorageArea(id=storage.id, path=str(self.settings.storage_dir.resolve()), created_at=self._clock())
            )
        self._areas[storage.id] = storage
        return storage

    def load_storage_areas(self) -> None:
        with self.db.session() as session:
            self._areas = {a.id: Storage(Path(a.path), a.id) for a in session.scalars(select(StorageArea))}

    @staticmethod
    def recent_events(session: Session, limit: int = 20) -> list[MediaEvent]:
        """The newest recovery reports, storage warnings and the like, for the cameras page."""
        return list(session.scalars(select(MediaEvent).order_by(MediaEvent.ts.desc()).limit(limit)))

    def running_cameras(self) -> list[uuid.UUID]:
        return list(self._running)

    def ingests(self) -> list[CameraIngest]:
        """The ingests of the cameras this process records (for its metrics and heartbeat)."""
        return [item.ingest for item in list(self._running.values())]

    def ingest(self, camera_id: uuid.UUID) -> CameraIngest | None:
        item = self._running.get(camera_id)
        return item.ingest if item else None

    def status(self, camera_id: uuid.UUID) -> dict[str, object]:
        """The camera's state here, or as the node recording it last announced it."""
        item = self._running.get(camera_id)
        if item is not None:
            return {**item.ingest.status.as_dict(), "node": self.settings.node.name}
        told = self.board.get(str(camera_id))
        if told is not None and told.get("state") != "not recording":
            return {
                "state": str(told.get("state", "")),
                "since": told.get("since"),
                "last_error": str(told.get("last_error", "")),
                "fps": 0.0,
                "bitrate_kbps": 0.0,
                "node": str(told.get("node", "")),
            }
        return {"state": "not recording", "since": None, "last_error": "", "fps": 0.0, "bitrate_kbps": 0.0, "node": ""}
