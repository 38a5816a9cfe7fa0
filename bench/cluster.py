"""The cost of running Belfort as a cluster, on a real PostgreSQL and a real nats-server.

Four parts, each printing a ratio against a baseline measured in the same run:

- `holds`: 8000 simulated cameras held by 40 simulated recording nodes (no video; each node
  is Belfort's own `CameraLeases` on a thread, with its heartbeat in the node table, against
  one PostgreSQL). Measured: the time to share the cameras out at start; the database's
  transactions and row updates per second in steady state, against the same run's idle
  database; each round's duration; and after one node stops, the time until each of its
  cameras is held by another node (baseline: the hold length, the least it can be). And the
  event bus's load: the camera status messages the nodes send the web nodes (counted at
  start, in steady state and at the failover, against one per camera that changed node),
  and how many a second one node's bus gets into the real nats-server.
- `audit`: audit records appended per second by 4 processes at once on one chain, against
  1 process (the chain serialises appends on one row: docs/design/audit-chain.md).
- `failover K`: three `belfort record --node` processes record six RTSP cameras; K times, one
  node is killed with SIGKILL and the time until its cameras record elsewhere is measured
  (baseline: the hold length), then it is restarted and takes its share back.
- `cost N`: CPU per camera of N RTSP cameras recorded by one `belfort record` on SQLite
  (single-process mode), against the same N shared by three `belfort record --node`
  processes on PostgreSQL and NATS (cluster mode).

Run: `.venv/bin/python bench/cluster.py [holds] [audit] [failover K] [cost N]` (all four by
default, with K = 20 and N = 30). Needs the test dependencies (PostgreSQL, nats-server,
GStreamer's RTSP server): `scripts/install-test-deps.sh`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from bench.benchkit import BELFORT, cpu_seconds, markdown  # noqa: E402
from sqlalchemy import func  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from tests.support.cameras import RtspCameraServer, cached_clip  # noqa: E402
from tests.support.nats import NatsServer  # noqa: E402
from tests.support.postgres import PostgresCluster  # noqa: E402

from belfort.audit import AuditEntry, verify_chain  # noqa: E402
from belfort.audit.log import AuditLog  # noqa: E402
from belfort.cluster.models import Node  # noqa: E402
from belfort.db import Database  # noqa: E402
from belfort.events import NatsBus  # noqa: E402
from belfort.media.leases import CameraLeases  # noqa: E402
from belfort.media.models import CameraLease, Segment  # noqa: E402
from belfort.media.status import STATUS_TOPIC  # noqa: E402
from belfort.settings import NodeSettings  # noqa: E402
from belfort.timeutil import utcnow  # noqa: E402

SILENT_BEATS = 3


# -- holds --------------------------------------------------------------------------------


class SimulatedNode:
    """One recording node's holds and heartbeat on a thread, as `belfort record` keeps them."""

    def __init__(self, url: str, name: str, cameras: set[uuid.UUID], capacity: int) -> None:
        self.settings = NodeSettings(name=name, capacity=capacity)
        self.db = Database(url)  # a node of its own: its own connections, as a process has
        self.recording: set[uuid.UUID] = set()
        self.announced: list[bytes] = []
        self.cameras = cameras
        self.leases = CameraLeases(self.db, self.settings)
        self.leases.recorders = self.live_recorders
        self.rounds: list[float] = []
        self.failed: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def live_recorders(self, session: Session) -> dict[str, int]:
        since = utcnow() - timedelta(seconds=SILENT_BEATS * self.settings.heartbeat_seconds)
        rows = session.query(Node.name, Node.capacity).filter(Node.heartbeat_at >= since).all()
        return {name: capacity for name, capacity in rows}

    def beat(self) -> None:
        now = utcnow()
        with self.db.session() as session:
            node = session.get(Node, self.settings.name)
            if node is None:
                session.add(
                    Node(
                        name=self.settings.name,
                        roles="recorder",
                        capacity=self.settings.capacity,
                        version="bench",
                        started_at=now,
                        heartbeat_at=now,
                    )
                )
            else:
                node.heartbeat_at = now

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop as a killed node does: no renewal, no heartbeat, nothing handed back."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

    def _run(self) -> None:
        renew, beat = self.settings.lease_renew_seconds, self.settings.heartbeat_seconds
        next_beat = 0.0
        time.sleep(random.uniform(0, renew))  # nodes do not start in step
        while not self._stop.is_set():
            if time.monotonic() >= next_beat:
                self.beat()
                next_beat = time.monotonic() + beat
            started = time.monotonic()
            try:
                settled = self.leases.settle(self.cameras)
                self.leases.commit(settled)
                self.leases.release(dict.fromkeys(settled.give_up))
                self.rounds.append(time.monotonic() - started)
                self.announce(set(settled.held) - settled.give_up - settled.lost)
            except Exception as exc:  # as the media service does: the next round tries again
                self.failed.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
            self._stop.wait(max(0.0, renew - (time.monotonic() - started)))

    def announce(self, recording: set[uuid.UUID]) -> None:
        """What this node would tell the web nodes over the bus of each camera it starts or
        stops recording (belfort.media.service: one message per change of state). Counted,
        not sent: 40 buses in this one process would starve the simulated nodes of the CPU
        their rounds need; `bus_capacity` sends as many to the real server on its own."""
        now = utcnow().isoformat()
        for camera, state in [(c, "online") for c in recording - self.recording] + [
            (c, "not recording") for c in self.recording - recording
        ]:
            message = {"camera": str(camera), "node": self.settings.name, "state": state, "since": now}
            self.announced.append(json.dumps({**message, "last_error": "", "at": now}).encode())
        self.recording = recording


def bus_capacity(url: str, messages: list[bytes]) -> float:
    """Status messages per second one node's bus gets into the real nats-server's stream
    (each acknowledged by JetStream), sending `messages` as fast as it can."""
    bus = NatsBus(url, "bench-capacity")
    started = time.monotonic()
    for data in messages:
        bus.publish(STATUS_TOPIC, json.loads(data))
    wait_until(lambda: bus.published + bus.failed >= len(messages), 120)
    elapsed = time.monotonic() - started
    bus.close()
    if bus.failed:
        raise RuntimeError(f"{bus.failed} of {len(messages)} status messages not published")
    return len(messages) / elapsed


def announced(fleet: list[SimulatedNode]) -> list[bytes]:
    return [data for node in fleet for data in node.announced]


def holders(db: Database) -> Counter[str]:
    """Live holds per node, counted by the database (the bench's own polling must not take
    the CPU the simulated nodes need)."""
    now = utcnow()
    with db.session() as session:
        rows = (
            session.query(CameraLease.node, func.count())
            .filter(CameraLease.expires_at > now)
            .group_by(CameraLease.node)
        )
        return Counter(dict(rows.all()))


def held_by(db: Database, cameras: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    now = utcnow()
    with db.session() as session:
        rows = session.query(CameraLease.camera_id, CameraLease.node).filter(CameraLease.expires_at > now).all()
    return {camera_id: node for camera_id, node in rows if camera_id in cameras}


def database_load(admin_dsn: str, name: str, seconds: float) -> tuple[float, float]:
    """Transactions committed and rows updated per second in database `name` over `seconds`."""

    def sample() -> tuple[int, int]:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute("SELECT pg_stat_clear_snapshot()")
            row = connection.execute(
                "SELECT xact_commit, tup_updated + tup_inserted FROM pg_stat_database WHERE datname = %s", (name,)
            ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    first = sample()
    time.sleep(seconds)
    last = sample()
    return (last[0] - first[0]) / seconds, (last[1] - first[1]) / seconds


def wait_until(condition: object, limit: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if condition():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.25)
    raise RuntimeError(f"not reached within {limit:.0f} s")


def bench_holds(postgres: PostgresCluster, nats: NatsServer, cameras: int, nodes: int) -> str:
    name = "bench_holds"
    url = postgres.create_database(name)
    migrating = Database(url)
    migrating.migrate()
    migrating.dispose()
    db = Database(url)
    ids = {uuid.uuid4() for _ in range(cameras)}
    capacity = -(-cameras // nodes)
    time.sleep(2)  # the migration's statistics reach pg_stat_database
    idle_transactions, idle_rows = database_load(postgres.admin_dsn(), name, 10)
    fleet = [SimulatedNode(url, f"rec-{n:02d}", ids, capacity) for n in range(nodes)]
    started = time.monotonic()
    for node in fleet:
        node.start()
    shared = wait_until(lambda: sum(holders(db).values()) == cameras, 180)
    balanced = wait_until(lambda: len(holders(db)) == nodes and min(holders(db).values()) >= cameras // nodes - 1, 180)
    print(f"holds: {cameras} cameras held after {shared:.1f} s, balanced after {time.monotonic() - started:.1f} s")
    at_start = announced(fleet)
    for node in fleet:
        node.rounds.clear()
    transactions, rows = database_load(postgres.admin_dsn(), name, 30)
    steady = len(announced(fleet)) - len(at_start)
    durations = sorted(d for node in fleet for d in node.rounds)
    median, p95 = statistics.median(durations), durations[int(len(durations) * 0.95)]

    victim = fleet[len(fleet) // 2]
    lost = set(victim.leases.held())
    victim.stop()
    stopped = time.monotonic()
    wait_until(
        lambda: len(held_by(db, lost)) == len(lost) and victim.settings.name not in held_by(db, lost).values(), 120
    )
    failover = time.monotonic() - stopped
    moved = len(announced(fleet)) - len(at_start) - steady
    victim.leases = CameraLeases(victim.db, victim.settings)  # a new process under the same name
    victim.leases.recorders = victim.live_recorders
    victim.start()
    rejoined = wait_until(lambda: holders(db)[victim.settings.name] >= cameras // nodes - 1, 120)
    for node in fleet:
        node.stop()
        node.db.dispose()
    db.dispose()
    capacity_per_second = bus_capacity(nats.url, at_start)
    size = statistics.mean(len(data) for data in at_start)
    failures = Counter(problem for node in fleet for problem in node.failed)
    print(f"rounds that failed: {sum(failures.values())} {dict(failures.most_common(3))}")
    lease = NodeSettings().lease_seconds
    table = markdown(
        ["figure", "Belfort", "baseline", "ratio"],
        [
            ["cameras held at start", f"{shared:.1f} s", "", ""],
            ["balanced at start (every node at its share)", f"{balanced + shared:.1f} s", "", ""],
            [
                "database transactions per second",
                f"{transactions:,.0f}",
                f"{idle_transactions:,.0f} (idle)",
                f"+{transactions - idle_transactions:,.0f}",
            ],
            ["rows written per second", f"{rows:,.0f}", f"{idle_rows:,.0f} (idle)", f"+{rows - idle_rows:,.0f}"],
            [
                f"one round (renew {cameras // nodes} holds), median / p95",
                f"{median * 1000:.0f} / {p95 * 1000:.0f} ms",
                "",
                "",
            ],
            [
                f"a stopped node's {len(lost)} cameras held by others",
                f"{failover:.1f} s",
                f"{lease:.0f} s (one hold)",
                f"{failover / lease:.2f}x",
            ],
            ["the node back holds its share", f"{rejoined:.1f} s", "", ""],
            [
                f"camera status messages on the bus while the cameras are shared out ({size:.0f} B each)",
                f"{len(at_start):,}",
                f"{cameras:,} (one per camera)",
                f"{len(at_start) / cameras:.2f}x",
            ],
            ["camera status messages per second in steady state (30 s)", f"{steady / 30:,.1f}", "0", ""],
            [
                f"camera status messages when a node stops and its {len(lost)} cameras move",
                f"{moved:,}",
                f"{len(lost)} (one per camera)",
                f"{moved / max(len(lost), 1):.2f}x",
            ],
            [
                "status messages per second one node's bus gets into the real nats-server",
                f"{capacity_per_second:,.0f}",
                "",
                "",
            ],
        ],
        ":-- --: --: --:",
    )
    return f"### Holds: {cameras} cameras, {nodes} nodes\n\n{table}\n"


# -- audit --------------------------------------------------------------------------------


def _append_for(url: str, seconds: float, counter: Any) -> None:
    db = Database(url)
    log = AuditLog()
    deadline = time.monotonic() + seconds
    count = 0
    while time.monotonic() < deadline:
        with db.session() as session:
            log.append(
                session,
                AuditEntry(
                    op="consult", action="recording.view", outcome="granted", actor_name="bench", reason="bench"
                ),
            )
        count += 1
    with counter.get_lock():
        counter.value += count
    db.dispose()


def appends_per_second(url: str, writers: int, seconds: float) -> float:
    counter = multiprocessing.Value("i", 0)
    processes = [multiprocessing.Process(target=_append_for, args=(url, seconds, counter)) for _ in range(writers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return float(counter.value) / seconds


def bench_audit(postgres: PostgresCluster, seconds: float = 15.0) -> str:
    url = postgres.create_database("bench_audit")
    db = Database(url)
    db.migrate()
    one = appends_per_second(url, 1, seconds)
    four = appends_per_second(url, 4, seconds)
    with db.session() as session:
        result = verify_chain(session)
    db.dispose()
    assert result.ok, result.problem
    table = markdown(
        ["writers", "records appended per second", "ratio"],
        [
            ["1 process (baseline)", f"{one:,.0f}", "1.00x"],
            ["4 processes at once", f"{four:,.0f}", f"{four / one:.2f}x"],
        ],
        ":-- --: --:",
    )
    return f"### Audit appends on one chain ({result.count:,} records, chain verified)\n\n{table}\n"


# -- failover and cost: belfort record processes on RTSP cameras ------------------------------


class RecordNode:
    def __init__(self, name: str, folder: Path, database_url: str, bus_url: str, keys: Path | None) -> None:
        self.name = name
        self.folder = folder
        self.keys = keys
        self.environ = {
            **os.environ,
            "BELFORT_CONFIG": "",
            "BELFORT_DATABASE__URL": database_url,
            "BELFORT_BUS__URL": bus_url,
            "BELFORT_RECORDING__SEGMENT_SECONDS": "30",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self.keys is not None and not (self.folder / "keys").exists():
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copytree(self.keys, self.folder / "keys")
        arguments = [BELFORT, "record", "--data", str(self.folder)]
        if self.environ["BELFORT_BUS__URL"]:
            arguments += ["--node", self.name]
        self.process = subprocess.Popen(
            arguments, env=self.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def kill(self) -> float:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        at = time.time()
        self.process.wait(10)
        return at

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(60)


def add_cameras(url: str, data: Path, camera_urls: list[str]) -> None:
    from belfort.app import build_services
    from belfort.cameras.service import CameraSpec
    from belfort.policy.model import system_actor
    from belfort.settings import load_settings

    services = build_services(load_settings(data_dir=data, environ={"BELFORT_DATABASE__URL": url}))
    actor = system_actor("bench")
    with services.db.session() as session:
        services.accounts.add_organisation(session, actor, "PZ Bench", "police_zone")
        for i, camera_url in enumerate(camera_urls):
            services.cameras.add(
                session,
                actor,
                CameraSpec(
                    name=f"cam{i:03d}",
                    organisation="PZ Bench",
                    main_url=camera_url,
                    council_consent_ref="bench",
                    enabled=True,
                ),
            )
    services.close()


def bench_failover(postgres: PostgresCluster, nats: NatsServer, kills: int, folder: Path) -> str:
    clip = cached_clip(width=320, height=240, fps=10, seconds=10, bitrate=200_000, gop_seconds=1)
    names = [f"cam{i}" for i in range(6)]
    with RtspCameraServer(dict.fromkeys(names, clip)) as server:
        url = postgres.create_database("bench_failover")
        add_cameras(url, folder / "setup", [server.url(name) for name in names])
        db = Database(url)
        nodes = [
            RecordNode(f"rec-{n}", folder / f"rec-{n}", url, nats.url, folder / "setup" / "keys") for n in range(3)
        ]
        times: list[float] = []
        try:
            for node in nodes:
                node.start()
            wait_until(lambda: sorted(holders(db).values()) == [2, 2, 2], 90)
            for round_number in range(kills):
                time.sleep(8)
                victim = random.choice(nodes)
                lost = {camera for camera, node in held_by(db, set(_all_cameras(db))).items() if node == victim.name}
                killed_at = victim.kill()
                wait_until(lambda lost=lost, at=killed_at: _recording_since(db, lost, at), 60)
                times.append(_first_since(db, lost, killed_at) - killed_at)
                print(f"failover {round_number + 1}/{kills}: {times[-1]:.1f} s")
                victim.start()
                wait_until(lambda: sorted(holders(db).values()) == [2, 2, 2], 90)
        finally:
            for node in nodes:
                node.stop()
            db.dispose()
    lease = NodeSettings().lease_seconds
    table = markdown(
        ["kills", "median", "worst", "baseline (one hold)", "ratio (median)"],
        [
            [
                str(len(times)),
                f"{statistics.median(times):.1f} s",
                f"{max(times):.1f} s",
                f"{lease:.0f} s",
                f"{statistics.median(times) / lease:.2f}x",
            ]
        ],
        "--: --: --: --: --:",
    )
    return f"### Failover after kill -9 (3 nodes, 6 RTSP cameras)\n\n{table}\n"


def _all_cameras(db: Database) -> list[uuid.UUID]:
    with db.session() as session:
        return [row.camera_id for row in session.query(CameraLease)]


def _recording_since(db: Database, cameras: set[uuid.UUID], at: float) -> bool:
    with db.session() as session:
        started = {
            s.camera_id
            for s in session.query(Segment).filter(Segment.camera_id.in_(cameras))
            if s.start_time.timestamp() > at
        }
    return started == cameras


def _first_since(db: Database, cameras: set[uuid.UUID], at: float) -> float:
    with db.session() as session:
        firsts: dict[uuid.UUID, float] = {}
        for s in session.query(Segment).filter(Segment.camera_id.in_(cameras)):
            moment = s.start_time.timestamp()
            if moment > at:
                firsts[s.camera_id] = min(firsts.get(s.camera_id, moment), moment)
    return max(firsts.values())


def bench_cost(postgres: PostgresCluster, nats: NatsServer, count: int, folder: Path, seconds: float = 30.0) -> str:
    clip = cached_clip(width=640, height=360, fps=20, seconds=10, bitrate=800_000, gop_seconds=2)
    names = [f"cam{i:03d}" for i in range(count)]
    results = {}
    with RtspCameraServer(dict.fromkeys(names, clip)) as server:
        urls = [server.url(name) for name in names]
        single = folder / "single"
        add_cameras(f"sqlite:///{single / 'belfort.db'}", single, urls)
        results["single process (SQLite, in-process bus)"] = _cost(
            [RecordNode("one", single, "", "", None)], seconds, count
        )
        url = postgres.create_database("bench_cost")
        add_cameras(url, folder / "setup-cost", urls)
        keys = folder / "setup-cost" / "keys"
        trio = [RecordNode(f"rec-{n}", folder / f"cost-{n}", url, nats.url, keys) for n in range(3)]
        results["cluster (3 nodes, PostgreSQL, NATS)"] = _cost(trio, seconds, count)
    baseline = results["single process (SQLite, in-process bus)"]
    rows = [[mode, f"{cpu:.2f} %", f"{cpu / baseline:.2f}x"] for mode, cpu in results.items()]
    table = markdown(["mode", "CPU per camera (% of a core)", "ratio"], rows, ":-- --: --:")
    return f"### Recording cost per camera, {count} cameras of 640x360, 20 fps\n\n{table}\n"


def _cost(nodes: list[RecordNode], seconds: float, count: int) -> float:
    for node in nodes:
        node.start()
    try:
        time.sleep(15)
        pids = [node.process.pid for node in nodes if node.process is not None]
        first, started = sum(cpu_seconds(pid) for pid in pids), time.monotonic()
        time.sleep(seconds)
        used = sum(cpu_seconds(pid) for pid in pids) - first
        return used / (time.monotonic() - started) / count * 100
    finally:
        for node in nodes:
            node.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("parts", nargs="*", default=["holds", "audit", "failover", "20", "cost", "30"])
    parser.add_argument("--cameras", type=int, default=8000)
    parser.add_argument("--nodes", type=int, default=40)
    args = parser.parse_args()
    parts = list(args.parts)
    postgres, nats = PostgresCluster(), NatsServer()
    postgres.start()
    nats.start()
    folder = Path(tempfile.mkdtemp(prefix="belfort-bench-cluster-"))
    out = []
    try:
        while parts:
            part = parts.pop(0)
            if part == "holds":
                out.append(bench_holds(postgres, nats, args.cameras, args.nodes))
            elif part == "audit":
                out.append(bench_audit(postgres))
            elif part == "failover":
                kills = int(parts.pop(0)) if parts and parts[0].isdigit() else 20
                out.append(bench_failover(postgres, nats, kills, folder))
            elif part == "cost":
                count = int(parts.pop(0)) if parts and parts[0].isdigit() else 30
                out.append(bench_cost(postgres, nats, count, folder))
            else:
                parser.error(f"unknown part {part!r}: holds, audit, failover K, cost N")
            print(out[-1])
    finally:
        nats.stop()
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print("\n".join(out))


if __name__ == "__main__":
    main()
