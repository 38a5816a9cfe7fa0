"""Playback from a one-year index: time to first byte and throughput of clips over HTTP.

The claim under test: any range plays as one MP4 built from the segments without
transcoding, served with HTTP ranges, and the first byte of a range inside one day of a
one-year index arrives in under 100 ms. So the index must be a year long:

- Seeding (SQLite, default settings): a police zone, an inspector, one police camera
  registered with its council consent reference (disabled once its index is written, so
  nothing tries to reach it), and 525,600 segment rows of 60 s (SQLAlchemy Core, batches
  of 20,000) ending at seeding time, with four camera_offline gaps (7 min to 27 h), so
  the year spans 365 days and 32 hours.
- Files: one real 60-s segment, 1280x720, 20 fps, about 3 Mbit/s H.264 (GOP 2 s, so 30
  fragments), encoded once with PyAV and written with Belfort's own fMP4 writer as the
  recorder writes it (22.6 MB); every row's path is a hard link to it (one copy per
  60,000 links: ext4 allows 65,000 per file). Real bytes rather than a sparse file, so
  the clips decode and are checked; the price is that the server reads every segment
  from the page cache: the figures are software cost, not disk cost.
- The seeded folder is cached in the temp folder, keyed by a version string, for 2 days
  (older footage would pass the police 12-month limit); `--fresh` seeds again. Seeding
  takes about 50 s (plus 16 s to encode the minute of video the first time).

`belfort serve` runs as its own process on a free loopback port with recording off
(`recording.autostart=false`: the retention sweeper would otherwise erase the oldest
minutes of the cached year as they pass 365 days). The inspector signs in and asks
`POST /api/recordings/playback` for one day at three places in the year (its 5th day,
its middle, its last day; judicial purpose with the prosecutor's decision reference).
Then, over raw loopback sockets, from the request sent to the first body byte received:

- `GET /api/auth/me`: the floor of any signed-in request;
- `GET /api/recordings/clip` of a 1-hour range of each day, and of a whole day (1,440
  segments), the connection dropped after the first byte: first for ranges never asked
  for before (the server lays each clip out), then for one range asked again (the
  browser's range requests of one clip reuse its layout, kept 20 s);
- a `Range: bytes=X-Y` request of 1 MiB at a random place in the middle half of those
  clips, as a browser's player sends them (first byte and whole response);
- the same range request while another client reads a clip slowly (a player buffering
  ahead, a download on a thin line);
- throughput of reading a whole 1-hour clip (1.35 GB) in 1 MiB reads.

Baseline, same run: the 1-hour clip as Belfort served it (checked: one fMP4 on one
timeline that decodes), written once to a plain file on the same disk and read with the
same 1 MiB reads: open and read the first chunk (against first byte), open and pread
1 MiB at the same kind of offsets (against range requests), read it all; once cold (its
pages dropped with posix_fadvise; the virtual disk may still cache) and then hot.
Ratios are Belfort against the hot file. Last, in this process: where the time of a
clip goes (index query, and the plain overlap filter it replaced; laying out the clip;
reading 1 MiB of it).

The acceptance line gives the worst p95 first byte of ranges inside one day: 1-hour
ranges and whole days apart (target < 100 ms). Run from the repository root:
`.venv/bin/python bench/playback.py [--requests N] [--fresh] [--cache DIR]`; about
70 s with the year cached, 2 minutes without.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import av
from sqlalchemy import insert, select

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from benchkit import ServeProcess, markdown  # noqa: E402
from tests.support.cameras import cached_clip  # noqa: E402

from belfort.app import build_services  # noqa: E402
from belfort.cameras.service import CameraSpec  # noqa: E402
from belfort.db import Database  # noqa: E402
from belfort.media import fmp4, nal  # noqa: E402
from belfort.media.clips import plan_clip, read_clip  # noqa: E402
from belfort.media.frames import TICKS_PER_SECOND  # noqa: E402
from belfort.media.index import FragmentEntry, pack_fragments  # noqa: E402
from belfort.media.models import Gap, Segment  # noqa: E402
from belfort.media.recordings import MAX_ROWS, segments_overlapping  # noqa: E402
from belfort.media.service import open_storage  # noqa: E402
from belfort.media.storage import Storage  # noqa: E402
from belfort.policy.model import system_actor  # noqa: E402
from belfort.settings import load_settings  # noqa: E402
from belfort.timeutil import iso_utc  # noqa: E402

SEED_VERSION = "1"
"""Bump when the seeded folder changes, so cached folders are seeded again."""
CACHE_DAYS = 2
SEGMENTS = 525_600
SEGMENT_SECONDS = 60
LINKS_PER_FILE = 60_000
GAPS = {60_000: 47, 200_000: 250, 400_000: 27 * 60, 500_000: 7}
"""Segment number -> minutes of camera_offline gap before it."""
BATCH = 20_000
CHUNK = 1 << 20
SLOW_BYTES = 50 * 10**6
SLOW_RATE = 25e6
"""A client reading a clip slowly: a player buffering ahead, or a download on a thin line."""
ORGANISATION = "PZ Bench"
CAMERA = "bench-playback"
USERNAME = "bench-inspector"
PASSWORD = "bench-password-0123"  # noqa: S105 - a throwaway account
PURPOSE = {
    "kind": "judicial",
    "justification": "Benchmark of playback over a one-year index",
    "legal_basis_ref": "Prosecutor's decision BENCH/2026/0001",
}


# -- the segment file -----------------------------------------------------------


@dataclass(frozen=True)
class SegmentFile:
    size: int
    frames: int
    keyframes: int
    fragments: bytes
    codec: str
    width: int
    height: int


def write_segment(path: Path) -> SegmentFile:
    """One minute of 720p20 H.264 as the recorder writes it: init segment, one fragment per GOP."""
    clip = cached_clip(width=1280, height=720, fps=20, seconds=SEGMENT_SECONDS, bitrate=3_000_000, gop_seconds=2)
    with av.open(str(clip.path), format="h264") as container:
        units = [nal.split_annexb(bytes(packet)) for packet in container.demux(video=0) if packet.size]
    track = fmp4.TrackInfo.from_nals("h264", units[0])
    pictures = [
        [u for u in nals if not nal.is_parameter_set("h264", u) and not nal.is_access_unit_delimiter("h264", u)]
        for nals in units
    ]
    duration = TICKS_PER_SECOND // clip.fps
    entries: list[FragmentEntry] = []
    with path.open("wb") as out:
        offset = out.write(fmp4.init_segment(track))
        for first in range(0, len(pictures), clip.gop_frames):
            gop = pictures[first : first + clip.gop_frames]
            samples = [
                fmp4.Sample(nal.to_avcc(p), duration, any(nal.is_keyframe_nal("h264", u) for u in p)) for p in gop
            ]
            fragment = fmp4.media_fragment(len(entries) + 1, first * duration, samples)
            entries.append(FragmentEntry(offset, len(fragment), first * 1000 // clip.fps, len(gop)))
            offset += out.write(fragment)
    with path.open("rb") as written:
        scanned = fmp4.scan(written)
    if [(f.offset, f.size) for f in scanned.fragments] != [(e.offset, e.size) for e in entries]:
        raise RuntimeError(f"{path} does not scan as the fragments written")
    return SegmentFile(
        offset,
        len(pictures),
        len(entries),
        pack_fragments(entries),
        track.codec_string(),
        track.width,
        track.height,
    )


# -- seeding the year --------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    folder: Path
    camera_id: str
    first: datetime
    """Start of the oldest segment."""
    last: datetime
    """End of the newest segment: the seeding time, to the minute."""
    seeded_at: datetime
    seconds: float
    codec: str
    segment_bytes: int

    @property
    def data(self) -> Path:
        return self.folder / "belfort"

    def as_json(self) -> str:
        fields = {**vars(self), "folder": str(self.folder)}
        return json.dumps({k: iso_utc(v) if isinstance(v, datetime) else v for k, v in fields.items()})

    @classmethod
    def from_json(cls, text: str) -> Seeded:
        raw = json.loads(text)
        for key in ("first", "last", "seeded_at"):
            raw[key] = datetime.fromisoformat(raw[key])
        return cls(**{**raw, "folder": Path(raw["folder"])})


def year_rows(camera_id: uuid.UUID, storage: Storage, segment: SegmentFile, end: datetime) -> Iterator[dict[str, Any]]:
    length = timedelta(seconds=SEGMENT_SECONDS)
    start = end - length * SEGMENTS - timedelta(minutes=sum(GAPS.values()))
    for number in range(SEGMENTS):
        start += timedelta(minutes=GAPS.get(number, 0))
        segment_id = uuid.uuid4()
        yield {
            "id": segment_id,
            "camera_id": camera_id,
            "storage_id": storage.id,
            "path": Storage.relative_path(camera_id, segment_id, start),
            "state": "complete",
            "start_time": start,
            "end_time": start + length,
            "bytes": segment.size,
            "frames": segment.frames,
            "keyframes": segment.keyframes,
            "codec": segment.codec,
            "width": segment.width,
            "height": segment.height,
            "fragments": segment.fragments,
        }
        start += length


def seed(folder: Path) -> Seeded:
    began = time.monotonic()
    seeded_at = datetime.now(UTC)
    end = seeded_at.replace(second=0, microsecond=0)
    settings = load_settings(data_dir=folder / "belfort", environ={})
    services = build_services(settings)
    actor = system_actor("bench")
    try:
        with services.db.session() as session:
            services.accounts.add_organisation(session, actor, ORGANISATION, "police_zone")
            services.accounts.add_user(
                session, actor, username=USERNAME, role="inspector", organisation=ORGANISATION, password=PASSWORD
            )
            camera = services.cameras.add(
                session,
                actor,
                CameraSpec(
                    name=CAMERA,
                    organisation=ORGANISATION,
                    main_url="rtsp://camera.invalid/stream",
                    council_consent_ref="Council decision BENCH-2025-117",
                    enabled=True,
                ),
            )
            camera_id = camera.id
        storage = open_storage(services.db, settings.storage_dir)
        templates = folder / "segment-files"
        templates.mkdir()
        segment = write_segment(templates / "segment-0.mp4")
        for copy in range(1, -(-SEGMENTS // LINKS_PER_FILE)):
            shutil.copyfile(templates / "segment-0.mp4", templates / f"segment-{copy}.mp4")
        rows = year_rows(camera_id, storage, segment, end)
        made_days: set[str] = set()
        gaps: list[Gap] = []
        first = previous_end = None
        number = 0
        while batch := [row for _, row in zip(range(BATCH), rows, strict=False)]:
            for row in batch:
                day = row["path"].rsplit("/", 1)[0]
                if day not in made_days:
                    storage.path(day).mkdir(parents=True)
                    made_days.add(day)
                os.link(templates / f"segment-{number // LINKS_PER_FILE}.mp4", storage.path(row["path"]))
                if previous_end is not None and row["start_time"] > previous_end:
                    gaps.append(
                        Gap(
                            camera_id=camera_id,
                            start_time=previous_end,
                            end_time=row["start_time"],
                            reason="camera_offline",
                            detail="bench: the camera was away",
                        )
                    )
                first = first or row["start_time"]
                previous_end = row["end_time"]
                number += 1
            with services.db.engine.begin() as connection:
                connection.execute(insert(Segment), batch)
            if number == BATCH or number % 100_000 < BATCH:
                print(f"  seeded {number:,} segments in {time.monotonic() - began:.0f} s", flush=True)
        with services.db.session() as session:
            session.add_all(gaps)
            services.cameras.update(session, actor, CAMERA, CameraSpec(enabled=False))
    finally:
        services.close()
    assert first is not None
    return Seeded(folder, str(camera_id), first, end, seeded_at, time.monotonic() - began, segment.codec, segment.size)


def seeded_folder(cache: Path, fresh: bool) -> tuple[Seeded, bool]:
    """The cached seeded folder when it is recent enough, else a newly seeded one; and whether it was cached."""
    folder = cache / f"belfort-bench-playback-v{SEED_VERSION}"
    marker = folder / "seeded.json"
    if not fresh and marker.is_file():
        seeded = Seeded.from_json(marker.read_text())
        if datetime.now(UTC) - seeded.seeded_at < timedelta(days=CACHE_DAYS):
            return seeded, True
    if folder.exists():
        print(f"removing the old seeded folder {folder}", flush=True)
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    print(f"seeding a one-year index into {folder}", flush=True)
    seeded = seed(folder)
    marker.write_text(seeded.as_json())
    return seeded, False


# -- the server and its clients ---------------------------------------------------------


class Server(ServeProcess):
    """`belfort serve` on the seeded folder with recording off, writing its log to `log`."""

    def __init__(self, data: Path, log: Path) -> None:
        super().__init__(data, log, recording=False)
        self.token = ""
        self.api = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def __enter__(self) -> Server:
        self.start()
        deadline = time.monotonic() + 90
        while not self.token:
            self.check_running()
            if time.monotonic() > deadline:
                raise RuntimeError(f"belfort serve did not answer within 90 s:\n{self.log_tail()}")
            try:
                self.token = self.call("POST", "/api/auth/login", {"username": USERNAME, "password": PASSWORD})["token"]
            except OSError:
                self.api.close()
                time.sleep(0.3)
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.close()
        self.stop()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        self.api.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = self.api.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:500]!r}")
        return json.loads(data)


@dataclass
class Fetch:
    first_byte: float
    total: float
    status: int
    headers: dict[str, str]
    body: int


def fetch(
    port: int,
    target: str,
    token: str,
    byte_range: tuple[int, int] | None = None,
    whole: bool = True,
    sink: Callable[[memoryview], object] | None = None,
    pace: float = 0.0,
) -> Fetch:
    """GET over a fresh loopback connection: first byte measured from the request being sent.

    `whole=False` drops the connection after the first body byte; `sink` gets the body;
    `pace` (bytes/s) reads slowly, like a client on a thin line.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        lines = [f"GET {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Authorization: Bearer {token}"]
        if byte_range:
            lines.append(f"Range: bytes={byte_range[0]}-{byte_range[1]}")
        request = ("\r\n".join([*lines, "Connection: close", "", ""])).encode()
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        head = bytearray()
        started = time.perf_counter()
        sock.sendall(request)
        while (end := head.find(b"\r\n\r\n")) < 0 or len(head) == end + 4:
            count = sock.recv_into(view)
            if not count:
                raise RuntimeError(f"GET {target[:80]}: connection closed after {bytes(head[:300])!r}")
            head += view[:count]
        first_byte = time.perf_counter() - started
        status_line, *header_lines = head[:end].decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
        status = int(status_line.split()[1])
        body = len(head) - end - 4
        if sink is not None:
            sink(memoryview(head)[end + 4 :])
        length = int(headers.get("content-length", body))
        while whole and body < length:
            count = sock.recv_into(view, min(CHUNK, length - body))
            if not count:
                break
            body += count
            if sink is not None:
                sink(view[:count])
            if pace:
                time.sleep(count / pace)
        return Fetch(first_byte, time.perf_counter() - started, status, headers, body)


# -- measuring ---------------------------------------------------------------------


@dataclass
class Place:
    name: str
    day: tuple[datetime, datetime]
    hour: tuple[datetime, datetime]
    grant: str = ""


def places_in(seeded: Seeded) -> list[Place]:
    day, hour = timedelta(days=1), timedelta(hours=1)
    middle = seeded.first + (seeded.last - seeded.first) / 2
    starts = [("5th day", seeded.first + 4 * day), ("middle", middle), ("last day", seeded.last - day)]
    return [Place(name, (start, start + day), (start + 10 * hour, start + 11 * hour)) for name, start in starts]


def clip_target(seeded: Seeded, place: Place, span: tuple[datetime, datetime]) -> str:
    query = {"camera": seeded.camera_id, "start": iso_utc(span[0]), "end": iso_utc(span[1]), "grant": place.grant}
    return f"/api/recordings/clip?{urlencode(query)}"


@dataclass
class Row:
    case: str
    unit: str
    values: list[float]
    baseline: str = ""
    """Which plain-file figure compares: `open` (open + first chunk), `pread` or `read` (whole file)."""
    target: str = ""
    """`hour` or `day` when the row counts toward the acceptance line (a range inside one day)."""
    note: str = ""
    plain: float | None = None

    def cells(self) -> list[str]:
        if self.unit == "MB/s":
            shown = f"{statistics.median(self.values):,.0f} MB/s"
            ratio = f"{statistics.median(self.values) / self.plain:.2f}x" if self.plain else ""
            plain = f"{self.plain:,.0f} MB/s" if self.plain else ""
        else:
            ms = sorted(v * 1000 for v in self.values)
            shown = f"{ms[len(ms) // 2]:.1f} / {p95(ms):.1f} / {ms[-1]:.1f}"
            ratio = f"{ms[len(ms) // 2] / (self.plain * 1000):,.0f}x" if self.plain else ""
            plain = f"{self.plain * 1000:.2f}" if self.plain else ""
        return [self.case, self.unit, str(len(self.values)), shown, plain, ratio, self.note]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ask_playback(server: Server, seeded: Seeded, span: tuple[datetime, datetime]) -> tuple[float, str, int]:
    body = {"camera": seeded.camera_id, "start": iso_utc(span[0]), "end": iso_utc(span[1]), "purpose": PURPOSE}
    started = time.perf_counter()
    answer = server.call("POST", "/api/recordings/playback", body)
    elapsed = time.perf_counter() - started
    grant = answer["clip_url"].rsplit("grant=", 1)[1]
    return elapsed, grant, len(answer["segments"])


def middle_ranges(size: int, count: int, chance: random.Random) -> list[tuple[int, int]]:
    starts = [chance.randrange(size // 4, 3 * size // 4) for _ in range(count)]
    return [(start, start + CHUNK - 1) for start in starts]


def measure_server(seeded: Seeded, server: Server, requests: int, plain_path: Path) -> tuple[list[Row], int]:
    """Every HTTP figure; writes the middle place's 1-hour clip to `plain_path`. Returns rows and clip size."""
    chance = random.Random(20261201)
    places = places_in(seeded)
    rows: list[Row] = []
    day_asks: list[float] = []
    hour_asks: list[float] = []
    listed = 0
    for place in places:
        for _ in range(max(2, requests // 6)):
            elapsed, place.grant, listed = ask_playback(server, seeded, place.day)
            day_asks.append(elapsed)
            hour_asks.append(ask_playback(server, seeded, place.hour)[0])
    rows.append(Row(f"POST playback, 1 day ({listed:,} segments listed)", "ms, whole response", day_asks))
    rows.append(Row("POST playback, 1 hour", "ms, whole response", hour_asks))

    def get(target: str, **options: Any) -> Fetch:
        result = fetch(server.port, target, server.token, **options)
        if result.status not in (200, 206):
            raise RuntimeError(f"GET {target[:100]}: {result.status}")
        return result

    floor = [get("/api/auth/me").first_byte for _ in range(requests)]
    rows.append(Row("GET /api/auth/me (a signed-in request that reads no footage): first byte", "ms", floor))

    middle = places[1]
    hour_target = clip_target(seeded, middle, middle.hour)
    with plain_path.open("wb") as plain:
        written = get(hour_target, sink=plain.write)
        plain.flush()
        os.fsync(plain.fileno())
    size = int(written.headers["content-length"])
    if written.body != size or plain_path.stat().st_size != size:
        raise RuntimeError(f"the 1-hour clip came short: {written.body} of {size} bytes")
    check_clip(plain_path, written.headers)

    cases = [(f"1-hour clip, {p.name}", p, p.hour, "hour") for p in places]
    cases.append(("whole-day clip, middle", middle, middle.day, "day"))
    sizes: dict[str, int] = {}
    for name, place, span, kind in cases:
        fresh = []  # ranges never asked for before: the server lays each one out
        for shift in range(1, max(3, requests // 3) + 1):
            moved = (span[0] + timedelta(seconds=shift), span[1] - timedelta(seconds=shift))
            fresh.append(get(clip_target(seeded, place, moved), whole=False).first_byte)
            time.sleep(0.02)
        rows.append(Row(f"GET {name}, a range not asked for before: first byte", "ms", fresh, "open", kind))
        target = clip_target(seeded, place, span)
        for _ in range(3):
            get(target, whole=False)
        samples = []
        for _ in range(requests):
            samples.append(get(target, whole=False).first_byte)
            time.sleep(0.02)  # let the server notice the dropped connection
        sizes[name] = int(get(target, whole=False).headers["content-length"])
        rows.append(Row(f"GET {name}: first byte", "ms", samples, "open", kind))
    for name, place, span, kind in cases:
        target = clip_target(seeded, place, span)
        fetched = [get(target, byte_range=r) for r in middle_ranges(sizes[name], requests, chance)]
        if any(f.status != 206 or f.body != CHUNK for f in fetched):
            raise RuntimeError(f"{name}: a range request did not answer 206 with {CHUNK} bytes")
        rows.append(Row(f"Range 1 MiB of the {name}: first byte", "ms", [f.first_byte for f in fetched], "pread", kind))
        rows.append(Row(f"Range 1 MiB of the {name}: whole response", "ms", [f.total for f in fetched]))

    during = []
    for start, end in middle_ranges(size, 3, chance):
        busy = threading.Thread(
            target=get, args=(hour_target,), kwargs={"byte_range": (0, SLOW_BYTES - 1), "pace": SLOW_RATE}
        )
        busy.start()
        time.sleep(0.5)
        during.append(get(hour_target, byte_range=(start, end)).first_byte)
        busy.join()
    waited = sum(1 for value in during if value > 1)
    rows.append(
        Row(
            f"Range 1 MiB of the 1-hour clip, sent 0.5 s after another client began reading {SLOW_BYTES // 10**6} MB "
            f"of it at {SLOW_RATE / 1e6:.0f} MB/s: first byte",
            "ms",
            during,
            "pread",
            note=f"{waited} of {len(during)} waited for the other response to end" if waited else "",
        )
    )

    throughput = []
    for _ in range(3):
        whole = get(hour_target)
        throughput.append(whole.body / whole.total / 1e6)
    rows.append(Row(f"GET 1-hour clip, whole ({size / 1e9:.2f} GB)", "MB/s", throughput, "read"))
    return rows, size


def check_clip(path: Path, headers: dict[str, str]) -> None:
    """The clip is one fMP4 on one timeline, and its pictures decode."""
    with path.open("rb") as handle:
        scanned = fmp4.scan(handle)
    if scanned.truncated or [f.sequence_number for f in scanned.fragments] != list(
        range(1, len(scanned.fragments) + 1)
    ):
        raise RuntimeError(f"the clip is not one well-formed fMP4 ({len(scanned.fragments)} fragments)")
    if int(headers["x-clip-frames"]) != sum(f.sample_count for f in scanned.fragments):
        raise RuntimeError("X-Clip-Frames does not match the clip")
    with av.open(str(path)) as container:
        decoded = [frame.time for _, frame in zip(range(60), container.decode(video=0), strict=False)]
    if len(decoded) < 60:
        raise RuntimeError("the clip does not decode")


@dataclass
class PlainFigures:
    cold_first_byte: float
    cold_mb_s: float
    first_byte: float
    pread: float
    mb_s: float


def read_plain(path: Path, requests: int, size: int) -> PlainFigures:
    """The same bytes as a plain file: first 1 MiB, a 1 MiB pread in the middle, all of it."""
    buffer = bytearray(CHUNK)

    def first_chunk() -> float:
        started = time.perf_counter()
        with path.open("rb", buffering=0) as handle:
            handle.readinto(buffer)
        return time.perf_counter() - started

    def read_all() -> float:
        started = time.perf_counter()
        total = 0
        with path.open("rb", buffering=0) as handle:
            while count := handle.readinto(buffer):
                total += count
        return total / (time.perf_counter() - started) / 1e6

    def drop_cache() -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)

    drop_cache()
    cold_first = first_chunk()
    drop_cache()
    cold_rate = read_all()
    hot_rate = statistics.median([read_all() for _ in range(3)])
    hot_first = statistics.median([first_chunk() for _ in range(requests)])
    preads = []
    for start, _ in middle_ranges(size, requests, random.Random(7)):
        began = time.perf_counter()
        fd = os.open(path, os.O_RDONLY)
        try:
            os.pread(fd, CHUNK, start)
        finally:
            os.close(fd)
        preads.append(time.perf_counter() - began)
    return PlainFigures(cold_first, cold_rate, hot_first, statistics.median(preads), hot_rate)


def with_plain(rows: list[Row], plain: PlainFigures) -> None:
    figures = {"open": plain.first_byte, "pread": plain.pread, "read": plain.mb_s}
    for row in rows:
        row.plain = figures.get(row.baseline)


def naive_overlapping(session: Any, camera_id: uuid.UUID, start: datetime, end: datetime) -> list[Segment]:
    """The query `segments_overlapping` replaced: correct, but it walks every earlier index entry."""
    return list(
        session.scalars(
            select(Segment)
            .where(Segment.camera_id == camera_id, Segment.start_time < end, Segment.end_time > start)
            .order_by(Segment.start_time)
            .limit(MAX_ROWS)
        )
    )


def breakdown(seeded: Seeded) -> list[list[str]]:
    """Where the time of a clip goes, measured in this process on the same database (median of 5)."""
    settings = load_settings(data_dir=seeded.data, environ={})
    db = Database(settings.database_url)
    camera_id = uuid.UUID(seeded.camera_id)
    places = places_in(seeded)
    spans = [(f"1 hour, {p.name}", p.hour) for p in places] + [(f"whole day, {places[1].name}", places[1].day)]
    table = []
    try:
        with db.session() as session:
            storage_id = session.scalar(select(Segment.storage_id).limit(1))
        storage = Storage(settings.storage_dir, str(storage_id))
        for name, span in spans:
            timings: dict[str, list[float]] = {"seek": [], "naive": [], "plan": [], "range": []}
            for _ in range(5):
                with db.session() as session:
                    began = time.perf_counter()
                    segments = segments_overlapping(session, camera_id, *span)
                    timings["seek"].append(time.perf_counter() - began)
                    began = time.perf_counter()
                    naive = naive_overlapping(session, camera_id, *span)
                    timings["naive"].append(time.perf_counter() - began)
                if [s.id for s in naive] != [s.id for s in segments]:
                    raise RuntimeError(f"{name}: the two queries disagree")
                began = time.perf_counter()
                plan = plan_clip([(s, storage.path(s.path)) for s in segments], *span)
                timings["plan"].append(time.perf_counter() - began)
                began = time.perf_counter()
                b"".join(read_clip(plan, plan.size // 2, plan.size // 2 + CHUNK - 1))
                timings["range"].append(time.perf_counter() - began)
            ms = {k: f"{statistics.median(v) * 1000:.1f}" for k, v in timings.items()}
            table.append([name, f"{len(segments):,}", ms["seek"], ms["naive"], ms["plan"], ms["range"]])
    finally:
        db.dispose()
    return table


# -- report ------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="requests per first-byte case")
    parser.add_argument("--fresh", action="store_true", help="seed the year again even if a recent one is cached")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()), help="where the seeded year is kept")
    args = parser.parse_args()

    began = time.monotonic()
    seeded, cached = seeded_folder(args.cache, args.fresh)
    how = f"cached, seeded {seeded.seeded_at:%Y-%m-%d %H:%M} UTC in" if cached else "seeded in"
    print(
        f"index: {SEGMENTS:,} segments of {SEGMENT_SECONDS} s from {seeded.first:%Y-%m-%d %H:%M} to "
        f"{seeded.last:%Y-%m-%d %H:%M} UTC, {len(GAPS)} gaps ({how} {seeded.seconds:.0f} s); "
        f"files: hard links to one {seeded.segment_bytes / 1e6:.1f} MB segment ({seeded.codec})",
        flush=True,
    )
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="belfort-bench-playback-", dir=args.cache) as tmp:
        plain_path = Path(tmp) / "clip.mp4"
        with Server(seeded.data, Path(tmp) / "serve.log") as server:
            rows, size = measure_server(seeded, server, args.requests, plain_path)
            problems += [f"server log: {line}" for line in server.problems()[:10]]
            problems += [f"{row.case}: {row.note}" for row in rows if row.note]
            if server.process is not None and server.process.poll() is not None:
                problems.append(f"belfort serve exited with {server.process.returncode} during the run")
        plain = read_plain(plain_path, args.requests, size)
    with_plain(rows, plain)
    parts = breakdown(seeded)

    print()
    print(
        markdown(
            ["case", "unit", "n", "Belfort p50 / p95 / max", "plain file, hot", "Belfort / plain", "note"],
            [row.cells() for row in rows],
            "--- --- --: --: --: --: ---",
        )
    )
    print(
        f"\nplain file, cold (pages dropped): first 1 MiB {plain.cold_first_byte * 1000:.1f} ms, "
        f"whole file {plain.cold_mb_s:,.0f} MB/s"
    )
    print("\nwhere the time of a clip goes, in-process (median of 5, ms):\n")
    print(
        markdown(
            ["range", "segments", "index query", "plain overlap filter (before)", "lay out the clip", "read 1 MiB"],
            parts,
            "--- --: --: --: --: --:",
        )
    )
    worst = {kind: max(p95(r.values) for r in rows if r.target == kind) * 1000 for kind in ("hour", "day")}
    print(
        f"\nfirst byte of a range inside one day of a one-year index: p95 {worst['hour']:.0f} ms for 1-hour ranges, "
        f"{worst['day']:.0f} ms for a whole day (target < 100 ms)"
    )
    print(f"\nrun time {time.monotonic() - began:.0f} s")
    if problems:
        print("\nproblems:")
        for problem in problems:
            print(f"- {problem}")


if __name__ == "__main__":
    main()
