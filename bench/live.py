"""Live view cost: server CPU, bytes sent and lag of WebSocket viewers of `belfort serve`.

A GStreamer RTSP server serves cameras of a 1280x720, 20 fps, about 3 Mbit/s H.264 clip
(GOP 1 s). `belfort serve` runs as its own process on a seeded data folder (a police
zone, an operator, the cameras enabled), so it ingests and records every camera. Two
server runs, one after the other:

- 1 camera: 0 viewers (the baseline: ingest + recording only), then 1, 10 and 50 viewers
  of that camera;
- 16 cameras: 0 viewers, then 1 viewer per camera (16 connections).

Viewers are WebSocket connections to `/api/live/{camera}/ws` (bearer token of the
operator, purpose in the query), opened by a separate client process so that its CPU is
not counted. Each case warms up, then is measured for a fixed window:

- server CPU: user + system time of the `belfort serve` process (all threads, and any
  child processes) from /proc, as % of one core, and its ratio to the 0-viewer case of
  the same server; memory as PSS at the end of the window;
- sent: WebSocket payload bytes the viewers received in the window (all connections);
- lag: for every media fragment, client receipt time minus the time the frame's first
  packet reached the server (the `arrival` field of the live header; same machine, same
  clock), p50 / p95 / max over all fragments of all viewers. It includes the client's own
  scheduling, which grows with the number of connections it serves;
- skipped: frames missing from a viewer's sequence numbers (the server skips a viewer that
  falls more than about a second behind to the next keyframe).

The acceptance line compares the server CPU of 50 viewers of one camera with 1 viewer
(target: less than 2x). Problems seen (failed or dropped connections, skipped frames,
growing lag, warnings and errors in the server log) are listed after the table.

Run: `.venv/bin/python bench/live.py [--seconds S] [--viewers 1 10 50] [--cameras 16]`
(`--cameras 0` skips the multi-camera run). Needs the test dependencies (GStreamer's RTSP
server): `scripts/install-test-deps.sh`. The default run takes about 4 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from benchkit import ServeProcess, cpu_seconds, machine_busy_seconds, pss_mb  # noqa: E402

ORGANISATION = "PZ Bench"
USERNAME = "bench-operator"
PASSWORD = "bench-password-0123"  # noqa: S105 - a throwaway account
QUERY = "?purpose=administrative&justification=Benchmark+of+live+view"


# -- measuring processes -------------------------------------------------------


@dataclass
class Sample:
    server_cpu: float
    machine: float
    at: float

    @classmethod
    def now(cls, pid: int) -> Sample:
        return cls(cpu_seconds(pid), machine_busy_seconds(), time.monotonic())


# -- one case ------------------------------------------------------------------


@dataclass
class Case:
    name: str
    cameras: int
    viewers: int
    cpu_percent: float
    machine_percent: float
    pss_mb: float
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def sent_bytes(self) -> int:
        return int(self.result.get("bytes", 0))


# -- the server ------------------------------------------------------------------


def seed(data: Path, urls: list[str]) -> None:
    from belfort.app import build_services
    from belfort.cameras.service import CameraSpec
    from belfort.policy.model import system_actor
    from belfort.settings import load_settings

    services = build_services(load_settings(data_dir=data, environ={}))
    actor = system_actor("bench")
    try:
        with services.db.session() as session:
            services.accounts.add_organisation(session, actor, ORGANISATION, "police_zone")
            services.accounts.add_user(
                session, actor, username=USERNAME, role="operator", organisation=ORGANISATION, password=PASSWORD
            )
            for i, url in enumerate(urls):
                services.cameras.add(
                    session,
                    actor,
                    CameraSpec(
                        name=f"cam{i:03d}",
                        organisation=ORGANISATION,
                        main_url=url,
                        council_consent_ref="bench",
                        enabled=True,
                    ),
                )
    finally:
        services.close()


def http_json(url: str, body: dict[str, Any] | None = None, token: str = "") -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own http:// URL
        return json.loads(response.read())


class Server(ServeProcess):
    """`belfort serve` on a seeded data folder, with its log kept in that folder."""

    def __init__(self, folder: Path, urls: list[str]) -> None:
        super().__init__(folder / "belfort", folder / "serve.log")
        self.base = f"http://127.0.0.1:{self.port}"
        self.urls = urls
        self.token = ""
        self.camera_ids: list[str] = []

    def __enter__(self) -> Server:
        seed(self.data, self.urls)
        self.start()
        self._wait_until_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_until_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            self.check_running()
            try:
                if not self.token:
                    http_json(f"{self.base}/api/health")
                    login = {"username": USERNAME, "password": PASSWORD}
                    self.token = http_json(f"{self.base}/api/auth/login", login)["token"]
                cameras = http_json(f"{self.base}/api/live/cameras", token=self.token)
                states = {camera["id"]: camera["state"] for camera in cameras}
                if len(states) == len(self.urls) and all(state == "online" for state in states.values()):
                    self.camera_ids = [c["id"] for c in sorted(cameras, key=lambda c: c["name"])]
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"cameras not online within {timeout:g} s: {states}\n{self.log_tail()}")

    def ws_url(self, camera_id: str) -> str:
        return f"ws://127.0.0.1:{self.port}/api/live/{camera_id}/ws{QUERY}"


def measure_idle(server: Server, name: str, warmup: float, seconds: float) -> Case:
    time.sleep(warmup)
    start = Sample.now(server.pid)
    time.sleep(seconds)
    end = Sample.now(server.pid)
    elapsed = end.at - start.at
    return Case(
        name,
        len(server.camera_ids),
        0,
        (end.server_cpu - start.server_cpu) / elapsed * 100,
        (end.machine - start.machine) / elapsed * 100,
        pss_mb(server.pid),
        {"bytes": 0, "fragments": 0, "window": elapsed},
    )


def measure_viewers(
    server: Server, name: str, camera_ids: list[str], per_camera: int, warmup: float, seconds: float, folder: Path
) -> Case:
    config = {
        "urls": [server.ws_url(camera_id) for camera_id in camera_ids for _ in range(per_camera)],
        "token": server.token,
        "warmup": warmup,
        "seconds": seconds,
    }
    stderr = folder / f"client-{len(config['urls'])}.log"
    with stderr.open("wb") as errors:
        client = subprocess.Popen(
            [sys.executable, __file__, "--client", json.dumps(config)],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    assert client.stdout is not None
    start = end = None
    result: dict[str, Any] = {}
    for line in client.stdout:
        if line.startswith("start"):
            start = Sample.now(server.pid)
        elif line.startswith("result "):
            end = Sample.now(server.pid)
            result = json.loads(line.split(" ", 1)[1])
    memory = pss_mb(server.pid)
    client.wait(60)
    if start is None or end is None:
        raise RuntimeError(f"the viewer client failed:\n{stderr.read_text(errors='replace')[-4000:]}")
    elapsed = end.at - start.at
    return Case(
        name,
        len(camera_ids),
        len(config["urls"]),
        (end.server_cpu - start.server_cpu) / elapsed * 100,
        (end.machine - start.machine) / elapsed * 100,
        memory,
        result,
    )


# -- the viewer client (its own process) ---------------------------------------


@dataclass
class Connection:
    url: str
    failed: str = ""
    closed_during_window: str = ""
    last_seq: int | None = None
    bytes: int = 0
    fragments: int = 0
    skipped: int = 0
    events: list[str] = field(default_factory=list)


async def run_client(config: dict[str, Any]) -> dict[str, Any]:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    from belfort.media.live import HEADER, KIND_MEDIA

    window = {"measuring": False}
    lags: list[tuple[float, float]] = []  # (monotonic receipt time, lag in ms)
    connections = [Connection(url) for url in config["urls"]]
    headers = {"Authorization": f"Bearer {config['token']}"}

    async def watch(connection: Connection, ready: asyncio.Future[None]) -> None:
        try:
            socket = await connect(
                connection.url, additional_headers=headers, max_size=None, compression=None, open_timeout=60
            )
        except Exception as exc:
            connection.failed = f"connect: {exc!r}"
            ready.set_result(None)
            return
        try:
            first = await asyncio.wait_for(socket.recv(), 60)
            hello = json.loads(first) if isinstance(first, str) else {}
            if hello.get("type") != "hello":
                connection.failed = f"no hello: {str(first)[:200]}"
                ready.set_result(None)
                return
            ready.set_result(None)
            async for message in socket:
                now_ms = time.time() * 1000
                measuring = window["measuring"]
                if isinstance(message, bytes):
                    kind, _, _, seq, arrival_ms, _ = HEADER.unpack_from(message)
                    if kind == KIND_MEDIA:
                        if connection.last_seq is not None and seq > connection.last_seq + 1 and measuring:
                            connection.skipped += seq - connection.last_seq - 1
                        connection.last_seq = seq
                        if measuring:
                            connection.fragments += 1
                            lags.append((time.monotonic(), now_ms - arrival_ms))
                    if measuring:
                        connection.bytes += len(message)
                else:
                    if measuring:
                        connection.bytes += len(message.encode())
                    text = json.loads(message)
                    if text.get("type") == "error" or (text.get("type") == "state" and text.get("state") != "online"):
                        connection.events.append(message[:200])
            if window["measuring"]:
                connection.closed_during_window = f"closed by the server: {socket.close_code} {socket.close_reason}"
        except ConnectionClosed as exc:
            if window["measuring"]:
                connection.closed_during_window = f"connection lost: {exc!r}"
        except Exception as exc:
            if not ready.done():
                connection.failed = repr(exc)
                ready.set_result(None)
            elif window["measuring"]:
                connection.closed_during_window = repr(exc)
        finally:
            await socket.close()

    loop = asyncio.get_running_loop()
    readies = [loop.create_future() for _ in connections]
    tasks = [asyncio.create_task(watch(c, r)) for c, r in zip(connections, readies, strict=True)]
    await asyncio.gather(*readies)
    await asyncio.sleep(config["warmup"])
    cpu_start = sum(os.times()[:2])
    started = time.monotonic()
    window["measuring"] = True
    print("start", flush=True)
    await asyncio.sleep(config["seconds"])
    window["measuring"] = False
    ended = time.monotonic()
    client_cpu = (sum(os.times()[:2]) - cpu_start) / (ended - started) * 100
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    values = sorted(lag for _, lag in lags)
    quarter = (ended - started) / 4
    first_quarter = [lag for at, lag in lags if at < started + quarter]
    last_quarter = [lag for at, lag in lags if at >= ended - quarter]

    def percentile(fraction: float) -> float | None:
        return values[min(len(values) - 1, int(fraction * len(values)))] if values else None

    return {
        "window": ended - started,
        "connections": len(connections),
        "failed": [c.failed for c in connections if c.failed],
        "dropped": [c.closed_during_window for c in connections if c.closed_during_window],
        "events": [e for c in connections for e in c.events],
        "bytes": sum(c.bytes for c in connections),
        "fragments": sum(c.fragments for c in connections),
        "skipped": sum(c.skipped for c in connections),
        "viewers_without_fragments": sum(1 for c in connections if not c.failed and not c.fragments),
        "lag_p50": percentile(0.5),
        "lag_p95": percentile(0.95),
        "lag_max": values[-1] if values else None,
        "lag_p50_first_quarter": statistics.median(first_quarter) if first_quarter else None,
        "lag_p50_last_quarter": statistics.median(last_quarter) if last_quarter else None,
        "client_cpu": client_cpu,
    }


# -- report ------------------------------------------------------------------------


def milliseconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def table(cases: list[Case], baselines: dict[int, Case]) -> str:
    rows = [
        "| case | cameras | viewers | server CPU % | x 0 viewers | extra CPU per viewer % | server PSS MB "
        "| sent MB | sent Mbit/s | fragments | lag p50 / p95 / max ms | skipped frames | failed | client CPU % "
        "| machine CPU % |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for case in cases:
        base = baselines[case.cameras]
        result = case.result
        window = result.get("window") or 1
        cells = [
            case.name,
            str(case.cameras),
            str(case.viewers),
            f"{case.cpu_percent:.1f}",
            f"{case.cpu_percent / base.cpu_percent:.2f}x",
            "-",
            f"{case.pss_mb:.0f}",
            f"{case.sent_bytes / 1e6:.1f}",
            f"{case.sent_bytes * 8 / window / 1e6:.1f}",
            str(result.get("fragments", 0)),
            "-",
            "-",
            "-",
            "-",
            f"{case.machine_percent:.0f}",
        ]
        if case.viewers:
            cells[5] = f"{(case.cpu_percent - base.cpu_percent) / case.viewers:.2f}"
            cells[10] = " / ".join(milliseconds(result.get(k)) for k in ("lag_p50", "lag_p95", "lag_max"))
            cells[11] = str(result.get("skipped", 0))
            cells[12] = str(len(result.get("failed", [])))
            cells[13] = f"{result.get('client_cpu', 0):.1f}"
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def problems_of(case: Case) -> list[str]:
    result = case.result
    found = []
    for key, what in (("failed", "failed to connect"), ("dropped", "closed during the window")):
        if result.get(key):
            found.append(f"{case.name}: {len(result[key])} connections {what}, e.g. {result[key][0]}")
    if result.get("skipped"):
        found.append(f"{case.name}: {result['skipped']} frames skipped by the server (viewers behind)")
    if result.get("viewers_without_fragments"):
        found.append(f"{case.name}: {result['viewers_without_fragments']} viewers received no fragment in the window")
    if result.get("events"):
        found.append(f"{case.name}: {len(result['events'])} error/state messages, e.g. {result['events'][0]}")
    first, last = result.get("lag_p50_first_quarter"), result.get("lag_p50_last_quarter")
    if first is not None and last is not None and last > 2 * first + 50:
        found.append(f"{case.name}: lag grew during the window (p50 {first:.0f} ms -> {last:.0f} ms)")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measurement window per case")
    parser.add_argument("--warmup", type=float, default=5.0, help="after the viewers connected, before the window")
    parser.add_argument("--viewers", type=int, nargs="+", default=[1, 10, 50], help="viewer counts of one camera")
    parser.add_argument("--cameras", type=int, default=16, help="cameras of the multi-camera run (0: skip it)")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        print("result " + json.dumps(asyncio.run(run_client(json.loads(args.client)))), flush=True)
        return

    from tests.support.cameras import RtspCameraServer, cached_clip

    began = time.monotonic()
    clip = cached_clip(width=1280, height=720, fps=20, seconds=10, bitrate=3_000_000, gop_seconds=1)
    print(
        f"clip: {clip.width}x{clip.height} {clip.fps} fps ~{clip.bitrate // 1000} kbit/s, GOP {clip.gop_seconds:g} s;"
        f" window {args.seconds:g} s after {args.warmup:g} s warm-up; CPU in % of one core ({os.cpu_count()} cores)",
        flush=True,
    )
    runs = [(1, args.viewers)] + ([(args.cameras, [1])] if args.cameras else [])
    cases: list[Case] = []
    baselines: dict[int, Case] = {}
    problems: list[str] = []
    with RtspCameraServer({f"cam{i:03d}": clip for i in range(max(c for c, _ in runs))}) as cameras:
        for count, viewer_counts in runs:
            with tempfile.TemporaryDirectory(prefix="belfort-bench-live-") as tmp:
                folder = Path(tmp)
                urls = [cameras.url(f"cam{i:03d}") for i in range(count)]
                with Server(folder, urls) as server:
                    base = measure_idle(server, f"{count} cam, 0 viewers", args.warmup, args.seconds)
                    baselines[count] = base
                    cases.append(base)
                    print(f"  {base.name}: server CPU {base.cpu_percent:.1f} %", flush=True)
                    for viewers in viewer_counts:
                        if count == 1:
                            name, ids, per_camera = f"1 cam → {viewers}", server.camera_ids, viewers
                        else:
                            name, ids, per_camera = f"{count} cams → 1 each", server.camera_ids, 1
                        case = measure_viewers(server, name, ids, per_camera, args.warmup, args.seconds, folder)
                        cases.append(case)
                        problems += problems_of(case)
                        print(f"  {case.name}: server CPU {case.cpu_percent:.1f} %", flush=True)
                        time.sleep(2)  # let the closed streams' audit records land
                    problems += [f"server log ({count} cam): {line}" for line in server.problems()[:10]]
                    if server.process is not None and server.process.poll() is not None:
                        problems.append(f"belfort serve exited with {server.process.returncode} during the run")
        dropped = cameras.mounts_that_dropped_frames()
        if dropped:
            problems.append(f"the camera server dropped frames of {sorted(dropped)} (a reader fell behind)")

    print()
    print(table(cases, baselines))
    by_viewers = {c.viewers: c for c in cases if c.cameras == 1}
    if 1 in by_viewers and 50 in by_viewers:
        ratio = by_viewers[50].cpu_percent / by_viewers[1].cpu_percent
        print(f"\n50 viewers / 1 viewer server CPU: {ratio:.2f}x (acceptance: < 2x)")
    print(f"\nrun time {time.monotonic() - began:.0f} s")
    if problems:
        print("\nproblems:")
        for problem in problems:
            print(f"- {problem}")


if __name__ == "__main__":
    main()
