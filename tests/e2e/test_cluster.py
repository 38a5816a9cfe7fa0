"""Recording nodes as separate `belfort record --node` processes on one PostgreSQL and one
nats-server, recording real RTSP cameras.

Every frame the camera server sends carries a counter that follows the wall clock, so the
footage of all nodes together says exactly which frames were recorded, and by whom: a frame
recorded twice is a camera recorded by two nodes at once. Covered:
- three nodes share six cameras; `kill -9` of one: its cameras record again on the others
  within 30 s (measured), each with one `recorder_down` gap of its true length; the node
  restarts and takes its share back; no frame is recorded twice;
- a node cut off from the database (where the holds are) stops writing before another node
  takes its cameras over (the margin is measured), and takes its share again when the
  connection comes back.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from websockets.sync.client import connect as ws_connect

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from belfort.media.live import KIND_MEDIA
from belfort.media.models import CameraLease, Gap, Segment, StorageArea
from belfort.settings import Settings, load_settings
from belfort.timeutil import Clock, utcnow
from tests.conftest import CHEAP_PASSWORD_HASHING, POLICE, SYSTEM, TEMPLATE_DB, Population
from tests.e2e.conftest import artifact
from tests.e2e.test_anpr import hotlist_and_token, send_read, wall_hits
from tests.e2e.test_audit_page import sign_in
from tests.e2e.test_live_stream import token_of
from tests.e2e.test_playback import state_purpose, wait_until_playing, x_of
from tests.e2e.test_rtsp_recording import BELFORT, add_cameras
from tests.support.cameras import Clip, RtspCameraServer, cached_clip, read_frame_counters
from tests.support.nats import NatsServer
from tests.support.ports import free_port
from tests.support.postgres import PostgresCluster
from tests.support.proxy import TcpRelay

FPS = 10
CAMERAS = ("north", "south", "east", "west", "port", "metro")
FAILOVER_BOUND = 30.0


@pytest.fixture
def clock() -> Clock:
    return utcnow


@pytest.fixture
def settings(tmp_path: Path, database_url: str, nats: NatsServer) -> Settings:
    """This process is a web node of the cluster too: same database, same bus."""
    environ = {"BELFORT_DATABASE__URL": database_url, "BELFORT_BUS__URL": nats.url, **CHEAP_PASSWORD_HASHING}
    return load_settings(data_dir=tmp_path / "data", environ=environ)


@pytest.fixture
def database_url(postgres: PostgresCluster, request: pytest.FixtureRequest) -> str:
    name = f"belfort_cluster_{request.node.name.split('[')[0][-30:]}_{uuid.uuid4().hex[:6]}".lower()
    return postgres.create_database(name, template=TEMPLATE_DB)


@pytest.fixture(scope="module")
def nats() -> Iterator[NatsServer]:
    server = NatsServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cameras() -> Iterator[RtspCameraServer]:
    clip = cached_clip(width=320, height=240, fps=FPS, seconds=10, bitrate=200_000, gop_seconds=1)
    clips: dict[str, Clip] = dict.fromkeys(CAMERAS, clip)
    with RtspCameraServer(clips) as server:
        yield server


class Node:
    """One `belfort record --node NAME` (or `serve`) process with its own data folder."""

    def __init__(
        self, name: str, folder: Path, database_url: str, bus_url: str, keys: Path, command: str = "record"
    ) -> None:
        self.name = name
        self.command = command
        self.folder = folder
        self.keys = keys
        self.port = free_port()
        self.environ = {
            **os.environ,
            "BELFORT_CONFIG": "",
            "BELFORT_DATABASE__URL": database_url,
            "BELFORT_BUS__URL": bus_url,
            "BELFORT_RECORDING__SEGMENT_SECONDS": "30",
            "BELFORT_NODE__URL": f"http://127.0.0.1:{self.port}",
        }
        self.health = f"http://127.0.0.1:{self.port}/api/health"
        self.process: subprocess.Popen[bytes] | None = None
        self.stopped = False  # by the test, with kill() or stop()

    def died(self) -> int | None:
        """The exit status of a node that ended without the test ending it."""
        if self.process is None or self.stopped:
            return None
        return self.process.poll()

    def start(self) -> None:
        self.stopped = False
        if not (self.folder / "keys").exists():  # the nodes of a site share its keys
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copytree(self.keys, self.folder / "keys")
        log = (self.folder.parent / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(
            [BELFORT, self.command, "--node", self.name, "--data", str(self.folder), "--port", str(self.port)],
            env=self.environ,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> float:
        """`kill -9`; the wall-clock time of the kill."""
        assert self.process is not None
        self.stopped = True
        self.process.send_signal(signal.SIGKILL)
        killed_at = time.time()
        self.process.wait(10)
        return killed_at

    def stop(self) -> None:
        self.stopped = True
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                raise AssertionError(f"node {self.name} did not stop within 30 s of SIGTERM") from None

    def log(self) -> str:
        return (self.folder.parent / f"{self.name}.log").read_text(errors="replace")[-3000:]


class LiveWatcher:
    """A viewer of a camera's live stream on a web node (the API's WebSocket, as the wall's
    player uses it): the times at which media fragments arrive, and whether the socket closed."""

    def __init__(self, base: str, camera: uuid.UUID, token: str) -> None:
        query = "purpose=administrative&justification=Watching%20the%20port%20gate%20after%20an%20alarm"
        self.address = f"ws{base.removeprefix('http')}/api/live/{camera}/ws?{query}"
        self.token = token
        self.arrivals: list[float] = []
        self.connections = 0
        self.problems: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        """Like the wall's player: a closed socket is opened again a second later."""
        while not self._stop.is_set():
            try:
                with ws_connect(self.address, additional_headers={"Authorization": f"Bearer {self.token}"}) as socket:
                    self.connections += 1
                    while not self._stop.is_set():
                        try:
                            message = socket.recv(timeout=0.5)
                        except TimeoutError:
                            continue
                        if isinstance(message, bytes) and message[0] == KIND_MEDIA:
                            self.arrivals.append(time.time())
            except Exception as exc:
                self.problems.append(str(exc) or type(exc).__name__)
            self._stop.wait(1)

    def frames_since(self, moment: float) -> int:
        return sum(1 for arrival in self.arrivals if arrival > moment)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def holders(services: Services) -> dict[uuid.UUID, str]:
    """Each camera's holder, among holds that have not run out."""
    now = utcnow()
    with services.db.session() as session:
        return {row.camera_id: row.node for row in session.scalars(select(CameraLease)) if row.expires_at > now}


def wait_for(
    condition: Callable[[], bool],
    seconds: float,
    what: str,
    nodes: list[Node],
    shown: Callable[[], object] | None = None,
) -> float:
    """Poll every 0.2 s; the time it took. Fails naming `what`, with what `shown` says of the
    state last and the nodes' last words."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        dead = [node for node in nodes if node.died() is not None]
        if dead:
            logs = "\n".join(f"--- {node.name} (exit status {node.died()})\n{node.log()}" for node in dead)
            raise AssertionError(f"{what}: a node ended by itself\n{logs}")
        time.sleep(0.2)
    seen = f" (last: {shown()})" if shown is not None else ""
    logs = "\n".join(f"--- {node.name}\n{node.log()}" for node in nodes)
    raise AssertionError(f"{what}: not within {seconds:.0f} s{seen}\n{logs}")


def scrape(node: Node, token: str) -> str:
    """The node's /metrics as Prometheus reads it; a node that does not answer fails with its log."""
    address = f"http://127.0.0.1:{node.port}/metrics"
    request = urllib.request.Request(address, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (a loopback test address)
            return str(answer.read().decode())
    except OSError as error:
        state = "running" if node.process is not None and node.process.poll() is None else f"exit {node.died()}"
        raise AssertionError(f"node {node.name} ({state}) did not answer /metrics: {error}\n{node.log()}") from None


def wait_for_spread(services: Services, counts: list[int], seconds: float, what: str, nodes: list[Node]) -> None:
    """Wait until the nodes hold as many cameras each as `counts` says (in any order)."""

    def loads() -> Counter[str]:
        return Counter(holders(services).values())

    wait_for(lambda: sorted(loads().values()) == counts, seconds, what, nodes, shown=lambda: dict(loads()))


def frames_by_node(services: Services, camera_id: uuid.UUID) -> dict[str, list[int]]:
    """The frame counters each storage area holds of the camera (every node's footage)."""
    with services.db.session() as session:
        areas = {area.id: Path(area.path) for area in session.scalars(select(StorageArea))}
        segments = session.scalars(
            select(Segment).where(Segment.camera_id == camera_id).order_by(Segment.start_time)
        ).all()
    found: dict[str, list[int]] = defaultdict(list)
    for segment in segments:
        with av.open(str(areas[segment.storage_id] / segment.path)) as container:
            for packet in container.demux(video=0):
                if packet.size:
                    found[segment.storage_id].extend(read_frame_counters(bytes(packet)))
    return found


def assert_recorded_once(services: Services, camera_ids: list[uuid.UUID]) -> None:
    for camera_id in camera_ids:
        counts = Counter(counter for counters in frames_by_node(services, camera_id).values() for counter in counters)
        twice = sorted(counter for counter, count in counts.items() if count > 1)
        assert not twice, f"camera {camera_id}: {len(twice)} frames recorded twice (first {twice[:5]})"


def storage_of(services: Services, node: Node) -> str:
    with services.db.session() as session:
        return next(
            area.id
            for area in session.scalars(select(StorageArea))
            if Path(area.path).is_relative_to(node.folder.resolve())
        )


def open_recent_timeline(page: Page, base: str, camera: uuid.UUID) -> None:
    page.goto(f"{base}/login?next=/cameras/{camera}")
    sign_in(page, "inspector")
    canvas = page.get_by_test_id("timeline")
    expect(canvas).to_have_attribute("data-start", re.compile(r"^\d+$"))
    page.get_by_role("button", name="10 min", exact=True).click()
    page.wait_for_function(
        "() => { const c = document.getElementById('timeline'); return c.dataset.end - c.dataset.start === 600000 }"
    )
    page.wait_for_timeout(400)


def play_at(page: Page, seconds: float) -> None:
    page.mouse.click(*x_of(page, seconds * 1000))


def plays(page: Page) -> None:
    try:
        wait_until_playing(page)
    except Exception as exc:
        said = page.locator("#playback-message").text_content()
        raise AssertionError(f"the player did not play; it said: {said}") from exc


def test_a_killed_node_s_cameras_record_again_on_the_others_within_30_s(
    services: Services,
    population: Population,
    cameras: RtspCameraServer,
    nats: NatsServer,
    tmp_path: Path,
    live_server: str,
    page: Page,
) -> None:
    ids = add_cameras(services, cameras, *CAMERAS)
    keys = services.settings.data_dir / "keys"
    nodes = [
        Node(f"rec-{letter}", tmp_path / letter, services.settings.database_url, nats.url, keys) for letter in "abc"
    ]
    services.media.board.follow(services.bus)  # this web node shows the states the recording nodes announce

    def states() -> dict[str, tuple[str, str | None, str | None]]:
        """Each camera's state and node as this web node shows them, and its holder."""
        held = holders(services)
        told = {name: services.media.status(camera) for name, camera in ids.items()}
        return {name: (told[name]["state"], told[name]["node"], held.get(camera)) for name, camera in ids.items()}

    def states_told() -> bool:
        return all(state == "online" and node == holder for state, node, holder in states().values())

    try:
        for node in nodes:
            node.start()
        wait_for(lambda: all(_answers(node.health) for node in nodes), 60, "every node answering", nodes)
        wait_for_spread(services, [2, 2, 2], 60, "six cameras spread two by two over three nodes", nodes)
        wait_for(states_told, 30, "every camera shown online here, by the node that records it", nodes, states)
        with services.db.session() as session:  # a recording-only node answers Prometheus too
            _token, scraper = services.accounts.create_token(
                session, SYSTEM, name="prometheus", organisation=POLICE, scopes=["metrics:read"]
            )
        assert 'belfort_cameras{state="online"} 2.0' in scrape(nodes[0], scraper)
        victim = nodes[1]
        lost = [camera_id for camera_id, node in holders(services).items() if node == victim.name]
        # two viewers on this web node of a camera the victim records: one upstream connection
        token = token_of(live_server, "operator")
        viewers = [LiveWatcher(live_server, lost[0], token) for _ in range(2)]
        wait_for(lambda: all(v.frames_since(0) >= 20 for v in viewers), 30, "the relayed live stream", nodes)
        sockets = [v.connections for v in viewers]
        (relay,) = services.media.relays()
        assert relay.camera_id == str(lost[0]) and relay.connections == 1
        time.sleep(5)
        victim_storage = storage_of(services, victim)
        killed_at = victim.kill()

        def recording_elsewhere() -> bool:
            with services.db.session() as session:
                started = session.scalars(
                    select(Segment).where(Segment.camera_id.in_(lost), Segment.storage_id != victim_storage)
                ).all()
            return {s.camera_id for s in started if s.start_time.timestamp() > killed_at} == set(lost)

        wait_for(recording_elsewhere, FAILOVER_BOUND + 5, "the killed node's cameras recording on the others", nodes)
        with services.db.session() as session:
            firsts = {
                camera_id: min(
                    s.start_time.timestamp()
                    for s in session.scalars(select(Segment).where(Segment.camera_id == camera_id))
                    if s.start_time.timestamp() > killed_at
                )
                for camera_id in lost
            }
        failover = max(firsts.values()) - killed_at
        print(f"\nfailover after kill -9: {failover:.1f} s (bound {FAILOVER_BOUND:.0f} s)")
        assert failover < FAILOVER_BOUND
        assert set(holders(services)) == set(ids.values()) and victim.name not in holders(services).values()
        wait_for(states_told, 10, "the moved cameras shown online, by their new node", nodes, states)
        wait_for(
            lambda: all(v.frames_since(firsts[lost[0]]) >= 10 for v in viewers),
            15,
            "the live stream back on the same sockets, from the node that took the camera over",
            nodes,
        )
        assert [v.connections for v in viewers] == sockets, "the viewers' sockets stayed open"
        assert relay.connections >= 2
        resumed = min(a for a in viewers[0].arrivals if a > killed_at) - killed_at
        print(f"live view after kill -9: back after {resumed:.1f} s on the same socket")
        for viewer in viewers:
            viewer.stop()

        # a web node of its own (this process) plays what the nodes recorded; the dead node's
        # footage is unavailable, not an error
        def victim_is(up: bool) -> bool:
            with services.db.session() as session:
                return services.nodes.remote_areas(session)[victim_storage].up is up

        wait_for(lambda: victim_is(False), 20, "the killed node shown down", nodes)
        camera = lost[0]
        open_recent_timeline(page, live_server, camera)
        play_at(page, killed_at - 5)
        state_purpose(page, "administrative", "Burglary reported at the port gate")
        expect(page.locator("#playback-message")).to_contain_text(f"held by node {victim.name} is unavailable")
        time.sleep(max(0.0, firsts[camera] + 12 - time.time()))  # a few seconds indexed beyond the moment played
        play_at(page, firsts[camera] + 3)  # recorded by the node that took the camera over
        plays(page)

        victim.start()  # it recovers its half-written segments and takes its share back
        wait_for_spread(services, [2, 2, 2], 40, "the restarted node taking its share back", nodes)
        wait_for(lambda: victim_is(True), 20, "the restarted node shown up", nodes)
        play_at(page, killed_at - 5)  # the restarted node's footage plays again, fetched from it
        plays(page)
        page.screenshot(path=artifact("cluster-playback.png"), full_page=True)
        time.sleep(2)
    finally:
        for node in nodes:
            node.stop()

    assert_recorded_once(services, list(ids.values()))
    with services.db.session() as session:
        for camera_id in lost:
            down = session.scalars(select(Gap).where(Gap.camera_id == camera_id, Gap.reason == "recorder_down")).all()
            long_ones = [
                gap
                for gap in down
                if gap.end_time is not None and killed_at - 5 < gap.start_time.timestamp() < firsts[camera_id]
            ]
            assert len(long_ones) == 1, [(g.start_time, g.end_time) for g in down]
            gap = long_ones[0]
            victims_last = max(
                s.end_time
                for s in session.scalars(
                    select(Segment).where(Segment.camera_id == camera_id, Segment.storage_id == victim_storage)
                )
                if s.end_time.timestamp() <= killed_at + 1
            )
            assert gap.start_time == victims_last, "the gap begins where the killed node's footage ends"
            assert gap.end_time is not None and abs(gap.end_time.timestamp() - firsts[camera_id]) < 0.5
            recorded = frames_by_node(services, camera_id)
            last_by_victim = max(recorded[victim_storage], key=lambda c: c if c <= killed_at * FPS + FPS else 0)
            first_after = min(c for storage, counters in recorded.items() for c in counters if c > last_by_victim)
            missing = (first_after - last_by_victim - 1) / FPS
            length = (gap.end_time - gap.start_time).total_seconds()
            assert abs(missing - length) < 1.0, f"the gap says {length:.1f} s, the frames {missing:.1f} s"


def test_a_node_cut_off_from_the_database_stops_writing_before_another_takes_its_cameras(
    services: Services,
    population: Population,
    cameras: RtspCameraServer,
    nats: NatsServer,
    postgres: PostgresCluster,
    tmp_path: Path,
) -> None:
    ids = add_cameras(services, cameras, *CAMERAS[:4])
    url = services.settings.database_url
    relay = TcpRelay("127.0.0.1", postgres.port)
    keys = services.settings.data_dir / "keys"
    cut_off = Node("rec-a", tmp_path / "a", url.replace(f":{postgres.port}/", f":{relay.port}/"), nats.url, keys)
    other = Node("rec-b", tmp_path / "b", url, nats.url, keys)
    nodes = [cut_off, other]
    try:
        for node in nodes:
            node.start()
        wait_for_spread(services, [2, 2], 60, "four cameras spread two by two over two nodes", nodes)
        time.sleep(5)
        lost = [camera_id for camera_id, node in holders(services).items() if node == cut_off.name]
        relay.cut()
        cut_at = time.time()
        wait_for(
            lambda: all(holders(services).get(camera_id) == other.name for camera_id in lost),
            FAILOVER_BOUND,
            "the other node taking the cut-off node's cameras",
            nodes,
        )
        time.sleep(3)
        relay.mend()  # it comes back and takes its share again
        wait_for_spread(services, [2, 2], 40, "the node taking its share again once connected", nodes)
        time.sleep(3)
    finally:
        for node in nodes:
            node.stop()
        relay.close()

    storage = storage_of(services, cut_off)
    margins = []
    for camera_id in lost:
        recorded = frames_by_node(services, camera_id)
        taken = min(c for area, counters in recorded.items() if area != storage for c in counters if c > cut_at * FPS)
        stopped = max(c for c in recorded[storage] if c < taken)
        assert stopped > cut_at * FPS, "the cut-off node kept recording while its holds lasted"
        stopped, taken = stopped / FPS, taken / FPS
        assert stopped - cut_at < 15, "it stopped writing before its holds (15 s) ran out"
        margins.append((stopped - cut_at, taken - stopped))
    for stopped_after, margin in margins:
        print(f"\ncut off: stopped writing {stopped_after:.1f} s after the cut, {margin:.1f} s before the takeover")
    assert_recorded_once(services, list(ids.values()))


def test_a_hit_read_on_one_web_node_reaches_an_operator_on_another(
    services: Services, population: Population, nats: NatsServer, tmp_path: Path, live_server: str, page: Page
) -> None:
    with services.db.session() as session:
        services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(name="Ring Noord ANPR", organisation=POLICE, main_url="rtsp://192.0.2.1/anpr", enabled=False),
        )
    token = hotlist_and_token(services)
    other = Node(
        "web-2",
        tmp_path / "web2",
        services.settings.database_url,
        nats.url,
        services.settings.data_dir / "keys",
        "serve",
    )
    other.environ["BELFORT_NODE__ROLES"] = "web"
    try:
        other.start()
        wait_for(lambda: _answers(other.health), 60, "the second web node answering", [other])
        panel = wall_hits(page, f"http://127.0.0.1:{other.port}")
        sent = time.monotonic()
        send_read(live_server, token, "1-ABC-234", "r1")  # read on this node, seen on the other
        expect(panel.get_by_test_id("hit")).to_contain_text("1-ABC-234", timeout=5_000)
        print(f"\nhit read on one node, on the wall of another: {(time.monotonic() - sent) * 1000:.0f} ms")
    finally:
        other.stop()
    verified = subprocess.run(
        [BELFORT, "audit", "verify", "--data", str(tmp_path / "verify")],
        env={**other.environ, "BELFORT_NODE__ROLES": "web"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verified.returncode == 0 and "audit chain intact" in verified.stdout, verified.stderr


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (a loopback test address)
            return bool(answer.status == 200)
    except OSError:
        return False
