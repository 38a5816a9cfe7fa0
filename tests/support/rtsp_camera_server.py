#!/usr/bin/python3
"""Test cameras: GStreamer's RTSP server serving pre-encoded H.264/H.265 clips at real-time pace.

Runs under Debian's /usr/bin/python3 (GStreamer's bindings exist only there) and imports only the
standard library and `gi` (inside `serve()`, so that tests/support/cameras.py can reuse the pure
bitstream helpers below). It must never import belfort or anything from the virtualenv.

    /usr/bin/python3 tests/support/rtsp_camera_server.py --port 8554 --fps 20 \
        --clip front=clips/a.h264 --clip back=clips/b.h265:h265:25 [--control-stdin]

Each mount (rtsp://HOST:PORT/NAME) is one shared live stream, like a camera: on every tick of
its frame clock a feeder thread pushes one access unit (all its slices) into
`appsrc do-timestamp=true`, looping the clip; the clock runs whether or not anyone watches.
Every access unit carries, just before its first slice, a user_data_unregistered SEI:
`FRAME_COUNTER_UUID` then the frame counter, 8 bytes big-endian. The counter is the frame index
since the Unix epoch, so it increases across restarts and a camera that was away leaves a gap.
The feeder never skips a counter (when late it catches up); frames are dropped only while no
reader plays the mount, or when `--max-queue-seconds` of video waits unread (said on stderr).

Prints `READY port=P mounts=a,b,c` once serving; SIGTERM/SIGINT stop it cleanly. With
`--control-stdin` it answers `OK <command>` or `ERROR <why>` to `offline NAME` (unmount NAME and
drop its readers, like a camera leaving the network) and `online NAME`, and exits on EOF, so a
test that dies leaves no server behind.
"""

from __future__ import annotations

import argparse
import heapq
import math
import re
import signal
import sys
import threading
import time
import traceback
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

H264 = "h264"
H265 = "h265"
# Identifies Belfort's frame-counter SEI (user_data_unregistered, payload type 5).
FRAME_COUNTER_UUID = bytes.fromhex("b3e1f0a4c2d94e6e8a7f5b1c0d2e3f41")
_SEI_PAYLOAD_TYPE_USER_DATA_UNREGISTERED = 5
_START_CODE = b"\x00\x00\x00\x01"
CLIENT_THREADS = 16  # threads serving RTSP clients (DESCRIBE blocks one until the media prerolls)
PHASES = 8  # mounts tick in this many groups spread over the frame period

# NAL unit types: H.264 (nal_unit_type, 5 bits) and H.265 (6 bits after the forbidden bit).
_H264_SEI, _H264_SPS, _H264_PPS, _H264_IDR = 6, 7, 8, 5
_H264_VCL = frozenset(range(1, 6))
# Non-VCL units that, after a slice, start a new access unit (H.264 7.4.1.2.3, H.265 7.4.2.4.4).
_H264_AU_STARTERS = frozenset({6, 7, 8, 9, *range(14, 19)})
_H265_VPS, _H265_SPS, _H265_PPS, _H265_PREFIX_SEI = 32, 33, 34, 39
_H265_VCL = frozenset(range(32))
_H265_IRAP = frozenset(range(16, 24))
_H265_AU_STARTERS = frozenset({32, 33, 34, 35, 39, 41, 42, 43, 44, *range(48, 56)})


# ---------------------------------------------------------------------------------------------
# Pure bitstream helpers (no gi): shared with tests/support/cameras.py.


def split_annexb(data: bytes) -> list[bytes]:
    """NAL units of an Annex B stream, without their start codes (3- or 4-byte)."""
    nals: list[bytes] = []
    start = data.find(b"\x00\x00\x01")
    while start >= 0:
        begin = start + 3
        nxt = data.find(b"\x00\x00\x01", begin)
        end = len(data) if nxt < 0 else nxt
        nal = data[begin:end].rstrip(b"\x00") if nxt >= 0 else data[begin:end]
        if nal:
            nals.append(nal)
        start = nxt
    return nals


def nal_type(codec: str, nal: bytes) -> int:
    return nal[0] & 0x1F if codec == H264 else (nal[0] >> 1) & 0x3F


def is_vcl(codec: str, nal: bytes) -> bool:
    return nal_type(codec, nal) in (_H264_VCL if codec == H264 else _H265_VCL)


def is_parameter_set(codec: str, nal: bytes) -> bool:
    kind = nal_type(codec, nal)
    return kind in ((_H264_SPS, _H264_PPS) if codec == H264 else (_H265_VPS, _H265_SPS, _H265_PPS))


def is_keyframe(codec: str, nals: list[bytes]) -> bool:
    kinds = {nal_type(codec, nal) for nal in nals}
    return _H264_IDR in kinds if codec == H264 else bool(kinds & _H265_IRAP)


def _first_slice_of_picture(codec: str, nal: bytes) -> bool:
    # H.264: first_mb_in_slice is ue(v) and equals 0 exactly when its first bit is 1.
    # H.265: first_slice_segment_in_pic_flag is the first bit after the 2-byte header.
    return bool(nal[1] & 0x80) if codec == H264 else bool(nal[2] & 0x80)


def access_units(codec: str, nals: list[bytes]) -> list[list[bytes]]:
    """Group NAL units into access units (one picture each, all its slices included)."""
    starters = _H264_AU_STARTERS if codec == H264 else _H265_AU_STARTERS
    units: list[list[bytes]] = []
    current: list[bytes] = []
    seen_slice = False
    for nal in nals:
        vcl = is_vcl(codec, nal)
        new_unit = seen_slice and (
            (vcl and _first_slice_of_picture(codec, nal)) or (not vcl and nal_type(codec, nal) in starters)
        )
        if new_unit:
            units.append(current)
            current, seen_slice = [], False
        current.append(nal)
        seen_slice = seen_slice or vcl
    if current and seen_slice:
        units.append(current)
    return units


def add_emulation_prevention(rbsp: bytes) -> bytes:
    """Insert 0x03 after every two zero bytes that precede a byte <= 0x03 (H.264 7.4.1)."""
    out = bytearray()
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def remove_emulation_prevention(data: bytes) -> bytes:
    if b"\x00\x00\x03" not in data:
        return data
    out = bytearray()
    zeros = 0
    for byte in data:
        if zeros >= 2 and byte == 3:
            zeros = 0
            continue
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def counter_sei(codec: str, counter: int) -> bytes:
    """The frame-counter SEI NAL unit (no start code): payload type 5, size 24, UUID, counter."""
    payload = FRAME_COUNTER_UUID + counter.to_bytes(8, "big")
    rbsp = bytes([_SEI_PAYLOAD_TYPE_USER_DATA_UNREGISTERED, len(payload)]) + payload + b"\x80"
    header = bytes([_H264_SEI]) if codec == H264 else bytes([_H265_PREFIX_SEI << 1, 1])
    return header + add_emulation_prevention(rbsp)


def frame_counter_of(codec: str, nal: bytes) -> int | None:
    """The counter carried by a frame-counter SEI NAL unit, or None for any other unit."""
    sei_type = _H264_SEI if codec == H264 else _H265_PREFIX_SEI
    if nal_type(codec, nal) != sei_type:
        return None
    rbsp = remove_emulation_prevention(nal[1 if codec == H264 else 2 :])
    position = 0
    while position + 2 <= len(rbsp) and rbsp[position] != 0x80:
        payload_type = payload_size = 0
        while rbsp[position] == 0xFF:
            payload_type += 255
            position += 1
        payload_type += rbsp[position]
        position += 1
        while rbsp[position] == 0xFF:
            payload_size += 255
            position += 1
        payload_size += rbsp[position]
        position += 1
        payload = rbsp[position : position + payload_size]
        if payload_type == _SEI_PAYLOAD_TYPE_USER_DATA_UNREGISTERED and payload[:16] == FRAME_COUNTER_UUID:
            return int.from_bytes(payload[16:24], "big")
        position += payload_size
    return None


# ---------------------------------------------------------------------------------------------
# Clips and their access units, prepared once per file.


@dataclass(frozen=True)
class Frame:
    """One access unit split where the counter SEI goes: before the first slice."""

    head: bytes
    tail: bytes
    has_parameter_sets: bool


@dataclass(frozen=True)
class Clip:
    path: Path
    codec: str
    frames: list[Frame]
    parameter_sets: bytes

    def access_unit(self, counter: int, *, with_parameter_sets: bool = False) -> bytes:
        frame = self.frames[counter % len(self.frames)]
        head = frame.head
        if with_parameter_sets and not frame.has_parameter_sets:
            head = self.parameter_sets + head
        return b"".join((head, _START_CODE, counter_sei(self.codec, counter), frame.tail))


def load_clip(path: Path, codec: str) -> Clip:
    units = access_units(codec, split_annexb(path.read_bytes()))
    if not units:
        raise SystemExit(f"{path}: no {codec} access unit found (expected a raw Annex B elementary stream)")
    if not is_keyframe(codec, units[0]):
        raise SystemExit(f"{path}: the clip must start with a keyframe, so that it loops cleanly")
    frames = []
    parameter_sets: dict[int, bytes] = {}
    for nals in units:
        first_slice = next(index for index, nal in enumerate(nals) if is_vcl(codec, nal))
        for nal in nals:
            if is_parameter_set(codec, nal):
                parameter_sets.setdefault(nal_type(codec, nal), nal)
        frames.append(
            Frame(
                head=b"".join(_START_CODE + nal for nal in nals[:first_slice]),
                tail=b"".join(_START_CODE + nal for nal in nals[first_slice:]),
                has_parameter_sets=any(is_parameter_set(codec, nal) for nal in nals),
            )
        )
    return Clip(path, codec, frames, b"".join(_START_CODE + parameter_sets[kind] for kind in sorted(parameter_sets)))


@dataclass(frozen=True)
class MountSpec:
    name: str
    path: Path
    codec: str
    fps: float


_CLIP_ARGUMENT = re.compile(
    r"^(?P<name>[A-Za-z0-9_.-]+)=(?P<path>.+?)(?::(?P<codec>h264|h265)(?::(?P<fps>[0-9.]+))?)?$"
)


def parse_clip_argument(text: str, default_fps: float) -> MountSpec:
    match = _CLIP_ARGUMENT.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"--clip {text!r}: expected NAME=PATH[:h264|h265[:FPS]]")
    path = Path(match["path"])
    codec = match["codec"] or (H265 if path.suffix.lower() in (".h265", ".hevc", ".265") else H264)
    fps = float(match["fps"]) if match["fps"] else default_fps
    if fps <= 0:
        raise argparse.ArgumentTypeError(f"--clip {text!r}: the frame rate must be positive")
    return MountSpec(match["name"], path, codec, fps)


# ---------------------------------------------------------------------------------------------
# The server (GStreamer).


@dataclass
class Mount:
    """A live camera: its frame clock, and the appsrc of the media being watched (if any)."""

    spec: MountSpec
    clip: Clip
    max_queue_bytes: int
    appsrc: Any = None
    fresh: bool = False
    online: bool = True
    dropped_slow: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        # Not all at once, like real cameras, yet in few enough groups that one thread feeds
        # 100 mounts with few wake-ups.
        self.phase = (zlib.crc32(self.spec.name.encode()) % PHASES) / PHASES / self.spec.fps

    def counter_at(self, unix_time: float) -> int:
        """The frame counter of the last tick at or before `unix_time`."""
        return math.floor((unix_time - self.phase) * self.spec.fps)

    def tick_time(self, counter: int) -> float:
        """The Unix time at which frame `counter` is due."""
        return counter / self.spec.fps + self.phase

    def attach(self, appsrc: Any) -> None:
        with self.lock:
            self.appsrc, self.fresh = appsrc, True

    def detach(self, appsrc: Any) -> None:
        with self.lock:
            if self.appsrc is appsrc:
                self.appsrc = None

    def push(self, gst: Any, counter: int) -> None:
        with self.lock:
            appsrc, fresh = self.appsrc, self.fresh
            # Until its pipeline plays, appsrc would stamp a frame with a stale running time, and
            # the sink of gst-rtsp-server would wait for that time: the stream would stall for good.
            if appsrc is None or appsrc.current_state != gst.State.PLAYING:
                return
            self.fresh = False
        if appsrc.get_property("current-level-bytes") > self.max_queue_bytes:
            self.dropped_slow += 1
            if self.dropped_slow == 1 or self.dropped_slow % 100 == 0:
                print(
                    f"mount {self.spec.name}: its queue is full (a reader too slow, or one that never played), "
                    f"dropped frame {counter} ({self.dropped_slow} so far)",
                    file=sys.stderr,
                    flush=True,
                )
            return
        data = self.clip.access_unit(counter, with_parameter_sets=fresh)
        appsrc.push_buffer(gst.Buffer.new_wrapped(data))


def feed(mounts: list[Mount], gst: Any, stop: threading.Event) -> None:
    """Push every mount's frames when its frame clock ticks, until `stop` is set.

    One thread serves all mounts (a thread per mount costs several times the CPU at 100 mounts,
    in wake-ups and GIL hand-offs). It never skips a counter: when late, it catches up in a burst.
    """
    origin = time.monotonic() - time.time()  # Unix time + origin = monotonic time
    due = []  # a heap of (monotonic deadline, mount index, counter)
    for index, mount in enumerate(mounts):
        counter = mount.counter_at(time.time()) + 1
        due.append((mount.tick_time(counter) + origin, index, counter))
    heapq.heapify(due)
    while due:
        deadline, index, counter = due[0]
        delay = deadline - time.monotonic()
        if delay > 0 and stop.wait(delay):
            return
        mount = mounts[index]
        heapq.heapreplace(due, (mount.tick_time(counter + 1) + origin, index, counter + 1))
        mount.push(gst, counter)


_PIPELINES = {
    H264: "appsrc name=src is-live=true do-timestamp=true format=time "
    "caps=video/x-h264,stream-format=byte-stream,alignment=au ! h264parse ! "
    "rtph264pay name=pay0 pt=96 config-interval=-1 mtu={mtu}",
    H265: "appsrc name=src is-live=true do-timestamp=true format=time "
    "caps=video/x-h265,stream-format=byte-stream,alignment=au ! h265parse ! "
    "rtph265pay name=pay0 pt=96 config-interval=-1 mtu={mtu}",
}


class CameraServer:
    """The RTSP server, its mounts and their feeder thread."""

    def __init__(self, args: argparse.Namespace, gst: Any, glib: Any, rtsp: Any) -> None:
        self.gst, self.glib, self.rtsp = gst, glib, rtsp
        self.stop = threading.Event()
        self.failed = threading.Event()
        self.loop = glib.MainLoop()
        self.mounts = self._mounts(args)
        self.server = rtsp.RTSPServer()
        self.server.set_address(args.host)
        self.server.set_service(str(args.port))
        # A burst of clients (a recorder starting 100 cameras) must neither overflow the listen queue
        # (default 5) nor wait in line: each DESCRIBE blocks its thread until the media has prerolled.
        self.server.set_backlog(1024)
        self.server.get_thread_pool().set_max_threads(CLIENT_THREADS)
        self.mount_points = self.server.get_mount_points()
        self.factories = {name: self._factory(mount, args.mtu) for name, mount in self.mounts.items()}
        for name, factory in self.factories.items():
            self.mount_points.add_factory(f"/{name}", factory)
        # Which mounts each client asked for, so that `offline NAME` drops exactly its clients.
        # Clients run in the pool's threads, hence the lock.
        self.client_mounts: dict[Any, set[str]] = {}
        self.clients_lock = threading.Lock()
        self.server.connect("client-connected", self._on_client_connected)

    def _mounts(self, args: argparse.Namespace) -> dict[str, Mount]:
        clips: dict[tuple[Path, str], Clip] = {}
        mounts: dict[str, Mount] = {}
        for spec in args.clip:
            if spec.name in mounts:
                raise SystemExit(f"mount {spec.name!r} is given twice")
            if not spec.path.is_file():
                raise SystemExit(f"--clip {spec.name}: no such file {spec.path}")
            clip = clips.get((spec.path, spec.codec)) or load_clip(spec.path, spec.codec)
            clips[(spec.path, spec.codec)] = clip
            bytes_per_second = sum(len(f.head) + len(f.tail) for f in clip.frames) / len(clip.frames) * spec.fps
            mounts[spec.name] = Mount(spec, clip, int(bytes_per_second * args.max_queue_seconds))
        return mounts

    def _factory(self, mount: Mount, mtu: int) -> Any:
        factory = self.rtsp.RTSPMediaFactory()
        factory.set_launch(f"( {_PIPELINES[mount.spec.codec].format(mtu=mtu)} )")
        factory.set_shared(True)
        factory.connect("media-configure", self._on_media_configure, mount)
        return factory

    @staticmethod
    def _on_media_configure(_factory: Any, media: Any, mount: Mount) -> None:
        appsrc = media.get_element().get_by_name_recurse_up("src")
        media.connect("unprepared", lambda _media: mount.detach(appsrc))
        mount.attach(appsrc)

    def _on_client_connected(self, _server: Any, client: Any) -> None:
        client.connect("describe-request", self._on_request)
        client.connect("setup-request", self._on_request)
        client.connect("closed", self._on_client_closed)

    def _on_request(self, client: Any, context: Any) -> None:
        name = context.uri.abspath.strip("/").split("/", 1)[0]
        with self.clients_lock:
            self.client_mounts.setdefault(client, set()).add(name)

    def _on_client_closed(self, client: Any) -> None:
        with self.clients_lock:
            self.client_mounts.pop(client, None)

    def control(self, line: str) -> str:
        """Answer one control command: `offline NAME` or `online NAME`."""
        words = line.split()
        if len(words) != 2 or words[0] not in ("offline", "online") or words[1] not in self.mounts:
            return f"ERROR expected 'offline NAME' or 'online NAME' with NAME one of {','.join(self.mounts)}"
        command, name = words
        mount = self.mounts[name]
        if command == "offline" and mount.online:
            mount.online = False
            self.mount_points.remove_factory(f"/{name}")
            with self.clients_lock:
                watching = {client for client, names in self.client_mounts.items() if name in names}
            self.server.client_filter(
                lambda _server, client: (
                    self.rtsp.RTSPFilterResult.REMOVE if client in watching else self.rtsp.RTSPFilterResult.KEEP
                )
            )
        elif command == "online" and not mount.online:
            mount.online = True
            self.mount_points.add_factory(f"/{name}", self.factories[name])
        return f"OK {command} {name}"

    def _on_stdin(self, channel: Any, condition: Any) -> bool:
        line = channel.readline() if condition & self.glib.IOCondition.IN else ""
        if not line:  # the test that started us is gone
            self.loop.quit()
            return self.glib.SOURCE_REMOVE
        if line.strip():
            print(self.control(line.strip()), flush=True)
        return self.glib.SOURCE_CONTINUE

    def _quit(self) -> bool:
        self.loop.quit()
        return self.glib.SOURCE_REMOVE

    def _feed(self) -> None:
        try:
            feed(list(self.mounts.values()), self.gst, self.stop)
        except Exception:
            traceback.print_exc()
            self.failed.set()
            self.glib.idle_add(self._quit)

    def run(self, *, control_stdin: bool) -> int:
        glib = self.glib
        if self.server.attach(None) == 0:
            print(f"cannot listen on port {self.server.get_service()} (in use?)", file=sys.stderr, flush=True)
            return 2
        glib.unix_signal_add(glib.PRIORITY_DEFAULT, signal.SIGTERM, self._quit)
        glib.unix_signal_add(glib.PRIORITY_DEFAULT, signal.SIGINT, self._quit)
        if control_stdin:
            condition = glib.IOCondition.IN | glib.IOCondition.HUP | glib.IOCondition.ERR
            glib.io_add_watch(
                glib.IOChannel.unix_new(sys.stdin.fileno()), glib.PRIORITY_DEFAULT, condition, self._on_stdin
            )
        feeder = threading.Thread(target=self._feed, name="feeder", daemon=True)
        feeder.start()
        print(f"READY port={self.server.get_bound_port()} mounts={','.join(self.mounts)}", flush=True)
        self.loop.run()
        self.stop.set()
        feeder.join(timeout=2)
        return 1 if self.failed.is_set() else 0


def _warm_up(gst: Any) -> None:
    """Touch, in this thread and before any other starts, what the feeder uses of an appsrc.

    PyGObject builds a class's attributes on first use and that is not thread-safe: when the
    feeder's first `appsrc.current_state` raced the main loop wrapping the media's appsrc, it
    failed with "argument 1: Must be Gst.Element, not AppSrc" and the server stopped."""
    appsrc = gst.ElementFactory.make("appsrc", None)
    _ = appsrc.current_state, gst.State.PLAYING, appsrc.push_buffer
    appsrc.get_property("current-level-bytes")
    gst.Buffer.new_wrapped(b"\0")


def serve(args: argparse.Namespace) -> int:
    import gi

    gi.require_version("Gst", "1.0")
    gi.require_version("GstApp", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    # GstApp is imported for its side effect: appsrc elements come back as GstApp.AppSrc, with push_buffer().
    from gi.repository import GLib, Gst, GstApp, GstRtspServer  # noqa: F401

    Gst.init(None)
    _warm_up(Gst)
    return CameraServer(args, Gst, GLib, GstRtspServer).run(control_stdin=args.control_stdin)


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8554, help="TCP port to listen on (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--fps", type=float, default=20.0, help="frame rate of clips that do not give their own")
    parser.add_argument("--mtu", type=int, default=1400, help="largest RTP packet the payloaders make")
    parser.add_argument(
        "--max-queue-seconds", type=float, default=5.0, help="video a slow reader may leave queued before frames drop"
    )
    parser.add_argument("--control-stdin", action="store_true", help="read offline/online commands; exit on EOF")
    parser.add_argument(
        "--clip",
        action="append",
        default=[],
        metavar="NAME=PATH[:CODEC[:FPS]]",
        required=True,
        help="serve PATH (raw Annex B) at rtsp://HOST:PORT/NAME; repeat for more mounts",
    )
    args = parser.parse_args(argv)
    try:
        args.clip = [parse_clip_argument(text, args.fps) for text in args.clip]
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    return args


if __name__ == "__main__":
    sys.exit(serve(parse_arguments(sys.argv[1:])))
