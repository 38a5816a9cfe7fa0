"""Recording cost: Belfort's recorder against one `ffmpeg -c copy` process per camera.

For each N (default 10, 50, 100) the same GStreamer RTSP server serves N cameras of a
1280x720, 20 fps, about 3 Mbit/s H.264 clip, each frame carrying a counter. Then, one
after the other in the same run:

- Belfort: `belfort record` (one process for all cameras) records them;
- baseline: one `ffmpeg -rtsp_transport tcp -i URL -c copy -f segment` per camera.

Each side warms up, then is measured for a fixed window: CPU time of all its processes
(user + system, from /proc) per stream as % of one core, and memory as PSS (proportional
set size, from /proc/<pid>/smaps_rollup, so shared libraries are not counted N times).
Frames: for every camera, the counters found in the files; "served" is the span from the
first to the last counter, "lost" what is missing inside it.

Run: `.venv/bin/python bench/recording.py [N ...] [--seconds S]`. Needs the test
dependencies (GStreamer's RTSP server, ffmpeg): `scripts/install-test-deps.sh`.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import av

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from tests.support.cameras import RtspCameraServer, cached_clip, read_frame_counters  # noqa: E402

from belfort.app import build_services  # noqa: E402
from belfort.cameras.service import CameraSpec  # noqa: E402
from belfort.policy.model import system_actor  # noqa: E402
from belfort.settings import load_settings  # noqa: E402

BELFORT = str(Path(sys.executable).parent / "belfort")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Side:
    name: str
    cpu_percent_per_stream: float
    pss_mb: float
    recorded: int
    served: int
    spans: list[int]
    """Frames recorded of each camera that has any footage (how long each was recorded)."""

    @property
    def lost(self) -> int:
        return self.served - self.recorded


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def measure(pids: list[int], warmup: float, seconds: float, streams: int) -> tuple[float, float]:
    time.sleep(warmup)
    start_cpu, start = cpu_seconds(pids), time.monotonic()
    time.sleep(seconds)
    used = cpu_seconds(pids) - start_cpu
    elapsed = time.monotonic() - start
    return used / elapsed / streams * 100, pss_mb(pids)


def counters_in(paths: list[Path]) -> list[int]:
    found: list[int] = []
    for path in sorted(paths):
        try:
            with av.open(str(path)) as container:
                for packet in container.demux(video=0):
                    if packet.size:
                        found.extend(read_frame_counters(bytes(packet)))
        except (av.error.InvalidDataError, OSError):
            continue
    return found


def frame_totals(per_camera: list[list[int]]) -> tuple[int, int, list[int]]:
    recorded = served = 0
    spans = []
    for counters in per_camera:
        if counters:
            unique = set(counters)
            recorded += len(unique)
            served += max(unique) - min(unique) + 1
            spans.append(len(unique))
    return recorded, served, spans


def spread(values: list[int]) -> tuple[int, int, int]:
    """Smallest, median and largest."""
    ordered = sorted(values) or [0]
    return ordered[0], ordered[len(ordered) // 2], ordered[-1]


def run_belfort(urls: list[str], folder: Path, warmup: float, seconds: float) -> Side:
    data = folder / "belfort"
    settings = load_settings(data_dir=data, environ={})
    services = build_services(settings)
    actor = system_actor("bench")
    with services.db.session() as session:
        services.accounts.add_organisation(session, actor, "PZ Bench", "police_zone")
        for i, url in enumerate(urls):
            services.cameras.add(
                session,
                actor,
                CameraSpec(
                    name=f"cam{i:03d}", organisation="PZ Bench", main_url=url, council_consent_ref="bench", enabled=True
                ),
            )
    services.close()
    env = {**os.environ, "BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}
    with (folder / "belfort.log").open("wb") as log:
        node = subprocess.Popen([BELFORT, "record", "--data", str(data)], env=env, stdout=log, stderr=log)
    try:
        cpu, memory = measure([node.pid], warmup, seconds, len(urls))
    finally:
        node.send_signal(signal.SIGTERM)
        node.wait(60)
    complaints = [
        line
        for line in (folder / "belfort.log").read_text(errors="replace").splitlines()
        if " WARNING " in line or " ERROR " in line
    ]
    if complaints:
        print(f"  belfort's log: {len(complaints)} warnings or errors, the last: {complaints[-1][:300]}")
    storage = settings.storage_dir
    per_camera = [counters_in(list(d.glob("*/*.mp4"))) for d in storage.iterdir() if d.is_dir()]
    return Side("belfort record (1 process)", cpu, memory, *frame_totals(per_camera))


def run_ffmpeg(urls: list[str], folder: Path, warmup: float, seconds: float) -> Side:
    processes = []
    for i, url in enumerate(urls):
        out = folder / "ffmpeg" / f"cam{i:03d}"
        out.mkdir(parents=True)
        processes.append(
            subprocess.Popen(
                [
                    "ffmpeg",
                    "-hide_banner",
                    "-loglevel",
                    "error",
                    "-nostdin",
                    "-rtsp_transport",
                    "tcp",
                    "-i",
                    url,
                    "-c",
                    "copy",
                    "-f",
                    "segment",
                    "-segment_time",
                    "60",
                    "-reset_timestamps",
                    "1",
                    str(out / "%05d.mkv"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    try:
        cpu, memory = measure([p.pid for p in processes], warmup, seconds, len(urls))
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    per_camera = [counters_in(list((folder / "ffmpeg" / f"cam{i:03d}").glob("*.mkv"))) for i in range(len(urls))]
    return Side("ffmpeg -c copy (1 process per camera)", cpu, memory, *frame_totals(per_camera))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[10, 50, 100])
    parser.add_argument("--seconds", type=float, default=30.0, help="measurement window per side")
    parser.add_argument("--warmup", type=float, default=10.0)
    args = parser.parse_args()
    clip = cached_clip(width=1280, height=720, fps=20, seconds=10, bitrate=3_000_000, gop_seconds=2)
    print(
        f"clip: {clip.width}x{clip.height} {clip.fps} fps ~{clip.bitrate // 1000} kbit/s, GOP {clip.gop_seconds:g} s;"
        f" window {args.seconds:g} s after {args.warmup:g} s warm-up; CPU in % of one core; memory as PSS"
    )
    for count in args.counts:
        with (
            tempfile.TemporaryDirectory(prefix="belfort-bench-") as tmp,
            RtspCameraServer({f"cam{i:03d}": clip for i in range(count)}) as server,
        ):
            urls = [server.url(f"cam{i:03d}") for i in range(count)]
            folder = Path(tmp)
            belfort = run_belfort(urls, folder, args.warmup, args.seconds)
            ffmpeg = run_ffmpeg(urls, folder, args.warmup, args.seconds)
        print(f"\nN = {count}")
        for side in (belfort, ffmpeg):
            print(
                f"  {side.name:<40} CPU/stream {side.cpu_percent_per_stream:6.2f} %   PSS {side.pss_mb:8.1f} MB   "
                f"frames recorded {side.recorded} of {side.served} served (lost {side.lost})"
            )
            low, middle, high = (frames / clip.fps for frames in spread(side.spans))
            print(
                f"  {'':<40} cameras with footage {len(side.spans)} of {count}; seconds recorded per camera:"
                f" min {low:.1f}, median {middle:.1f}, max {high:.1f}"
            )
        cpu_ratio = belfort.cpu_percent_per_stream / ffmpeg.cpu_percent_per_stream
        mem_ratio = belfort.pss_mb / ffmpeg.pss_mb
        print(f"  ratio belfort/ffmpeg: CPU per stream {cpu_ratio:.2f}x, memory {mem_ratio:.2f}x")


if __name__ == "__main__":
    main()
