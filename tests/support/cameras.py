"""Real RTSP test cameras for recording tests and benchmarks, seen from the pyenv side.

`cached_clip()` encodes (once, cached) a synthetic moving picture with PyAV into a raw Annex B
H.264/H.265 file; `RtspCameraServer` serves clips through GStreamer's RTSP server, run as a
separate process under Debian's /usr/bin/python3 (tests/support/rtsp_camera_server.py);
`read_frame_counters()` reads back the frame counter that server puts in every access unit, so a
test can prove that no frame went missing between the camera and the recording. Nothing here
may be imported by belfort itself.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

from tests.support.rtsp_camera_server import (
    FRAME_COUNTER_UUID,
    H264,
    H265,
    frame_counter_of,
    split_annexb,
)

__all__ = [
    "FRAME_COUNTER_UUID",
    "H264",
    "H265",
    "CameraServerError",
    "Clip",
    "ReceivedFrame",
    "RtspCameraServer",
    "cached_clip",
    "encode_clip",
    "merge_by_timestamp",
    "read_frame_counters",
]

SERVER_SCRIPT = Path(__file__).resolve().with_name("rtsp_camera_server.py")
SYSTEM_PYTHON = "/usr/bin/python3"
REPOSITORY = Path(__file__).resolve().parents[2]
# Bump when the picture or the encoder settings change, so that cached clips are made again.
_CLIP_VERSION = 2
_ENCODERS = {H264: "libx264", H265: "libx265"}
_SUFFIXES = {H264: ".h264", H265: ".h265"}


@dataclass(frozen=True)
class Clip:
    """A raw Annex B elementary stream that starts with a keyframe and holds whole GOPs."""

    path: Path
    codec: str
    width: int
    height: int
    fps: int
    frames: int
    gop_frames: int
    bitrate: int
    slices: int

    @property
    def gop_seconds(self) -> float:
        return self.gop_frames / self.fps


def clip_cache_dir() -> Path:
    """Where encoded clips are kept: $BELFORT_TEST_CLIPS, else pytest's cache folder (git-ignored)."""
    folder = Path(os.environ.get("BELFORT_TEST_CLIPS") or REPOSITORY / ".pytest_cache" / "d" / "belfort-test-clips")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cached_clip(
    *,
    codec: str = H264,
    width: int = 1280,
    height: int = 720,
    fps: int = 20,
    seconds: float = 10.0,
    bitrate: int = 3_000_000,
    gop_seconds: float = 2.0,
    slices: int = 1,
) -> Clip:
    """The clip for these parameters from the cache folder, encoded on first use."""
    parameters = {
        "codec": codec,
        "width": width,
        "height": height,
        "fps": fps,
        "seconds": seconds,
        "bitrate": bitrate,
        "gop_seconds": gop_seconds,
        "slices": slices,
    }
    clip = _checked_clip(Path(), **parameters)  # checks the parameters before anything is encoded
    name = (
        f"{codec}-{width}x{height}-{fps}fps-{seconds:g}s-{bitrate // 1000}k-gop{gop_seconds:g}s-"
        f"{slices}slice-v{_CLIP_VERSION}{_SUFFIXES[codec]}"
    )
    path = clip_cache_dir() / name
    if not path.is_file():
        # Encode beside the target and rename, so that concurrent test runs never see half a file.
        handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".partial")
        os.close(handle)
        try:
            encode_clip(Path(partial), **parameters)
            os.replace(partial, path)
        finally:
            Path(partial).unlink(missing_ok=True)
    return dataclasses.replace(clip, path=path)


def _checked_clip(
    path: Path,
    *,
    codec: str,
    width: int,
    height: int,
    fps: int,
    seconds: float,
    bitrate: int,
    gop_seconds: float,
    slices: int,
) -> Clip:
    frames, gop_frames = round(seconds * fps), round(gop_seconds * fps)
    if codec not in _ENCODERS:
        raise ValueError(f"codec must be one of {sorted(_ENCODERS)}, not {codec!r}")
    if width % 2 or height % 2:
        raise ValueError(f"width and height must be even for 4:2:0 video, not {width}x{height}")
    if slices < 1:
        raise ValueError(f"a frame holds at least one slice, not {slices}")
    if gop_frames < 1 or frames < gop_frames or frames % gop_frames:
        raise ValueError(
            f"the clip must hold whole GOPs so that it loops on a keyframe: {seconds} s at {fps} fps "
            f"is {frames} frames, not a multiple of the {gop_frames}-frame GOP"
        )
    return Clip(path, codec, width, height, fps, frames, gop_frames, bitrate, slices)


def encode_clip(
    path: Path,
    *,
    codec: str = H264,
    width: int = 1280,
    height: int = 720,
    fps: int = 20,
    seconds: float = 10.0,
    bitrate: int = 3_000_000,
    gop_seconds: float = 2.0,
    slices: int = 1,
) -> Clip:
    """Encode the synthetic picture into `path`: no B-frames, a fixed GOP, `slices` slices per frame.

    The stream is Annex B with the parameter sets repeated before every keyframe, as cameras send it.
    `slices > 1` uses x264's sliced threads, so every frame holds that many slices.
    """
    clip = _checked_clip(
        path,
        codec=codec,
        width=width,
        height=height,
        fps=fps,
        seconds=seconds,
        bitrate=bitrate,
        gop_seconds=gop_seconds,
        slices=slices,
    )
    context = av.CodecContext.create(_ENCODERS[codec], "w")
    context.width, context.height, context.pix_fmt = width, height, "yuv420p"
    context.time_base = Fraction(1, fps)
    context.framerate = Fraction(fps)
    context.bit_rate = bitrate
    context.gop_size = clip.gop_frames
    context.max_b_frames = 0
    # Like a camera: constant bit rate within one second (VBV), a keyframe every GOP, no scene cuts.
    gop, kbps = clip.gop_frames, bitrate // 1000
    rate_control = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0:vbv-maxrate={kbps}:vbv-bufsize={kbps}"
    if codec == H264:
        threading_params = f"slices={slices}:sliced-threads=1:threads={slices}" if slices > 1 else "sliced-threads=0"
        context.options = {
            "preset": "veryfast",
            "x264-params": f"{rate_control}:{threading_params}",
        }
    else:
        context.options = {
            "preset": "veryfast",
            "x265-params": f"{rate_control}:slices={slices}:log-level=error",
        }
    with path.open("wb") as out:
        for index, picture in enumerate(_synthetic_pictures(width, height, clip.frames)):
            frame = av.VideoFrame.from_ndarray(picture, format="yuv420p")
            frame.pts = index
            for packet in context.encode(frame):
                out.write(bytes(packet))
        for packet in context.encode(None):
            out.write(bytes(packet))
    return clip


def _synthetic_pictures(width: int, height: int, count: int) -> Iterator[np.ndarray]:
    """yuv420p pictures: a panning textured scene, sensor noise, moving blocks, a frame bar code.

    The mix makes the encoder spend its bit rate the way a street camera does (keyframes about
    12 times the size of the other frames at 720p and 3 Mbit/s). The bar code (16 bits, top left)
    shows a person looking at a decoded frame where in the clip it is.
    """
    rng = np.random.default_rng(20240601)
    scene_h, scene_w = height + count // 2 + 8, width + 2 * count + 8
    coarse = rng.integers(0, 160, (scene_h // 8 + 1, scene_w // 8 + 1), dtype=np.uint8)
    scene = np.kron(coarse, np.ones((8, 8), np.uint8))[:scene_h, :scene_w]
    scene = ((scene[:-1, :-1].astype(np.uint16) + scene[1:, 1:]) // 2).astype(np.uint8)
    scene += rng.integers(0, 16, scene.shape, dtype=np.uint8)
    chroma_u = np.full((height // 2, width // 2), 128, np.uint8)
    block_w, block_h = max(2, width // 20), max(2, height // 18)
    bit = max(2, min(width, height) // 40)
    for index in range(count):
        luma = scene[index // 2 : index // 2 + height, 2 * index : 2 * index + width].copy()
        luma += rng.integers(0, 24, (height, width), dtype=np.uint8)
        for k in range(5):
            cx = int(width / 2 + width / 3 * np.sin(index / 15 + k))
            cy = int(height / 2 + height / 3 * np.cos(index / 11 + 2 * k))
            luma[max(0, cy - block_h) : cy + block_h, max(0, cx - block_w) : cx + block_w] = 30 + 40 * k
        for position in range(16):
            luma[bit : 2 * bit, (position + 1) * bit : (position + 2) * bit] = (
                235 if index >> (15 - position) & 1 else 16
            )
        chroma_v = np.full((height // 2, width // 2), (index * 2) % 256, np.uint8)
        yield np.concatenate([luma, chroma_u.reshape(-1, width), chroma_v.reshape(-1, width)])


# ---------------------------------------------------------------------------------------------
# Reading the frame counter back.


def _nal_units(data: bytes) -> list[bytes]:
    """NAL units of one access unit in Annex B (start codes) or AVCC (4-byte lengths)."""
    if data.startswith((b"\x00\x00\x01", b"\x00\x00\x00\x01")):
        return split_annexb(data)
    nals, position = [], 0
    while position + 4 <= len(data):
        size = int.from_bytes(data[position : position + 4], "big")
        nals.append(data[position + 4 : position + 4 + size])
        position += 4 + size
    return nals


def read_frame_counters(
    data: bytes | bytearray | memoryview | av.Packet | Iterable[bytes | av.Packet], codec: str = H264
) -> list[int]:
    """The frame counters found in one access unit or in a sequence of them, in order.

    Accepts Annex B and AVCC (4-byte length-prefixed) data; a packet without a counter adds
    nothing, so a caller checks continuity with `counters == list(range(counters[0], ...))`.
    """
    chunks = [data] if isinstance(data, bytes | bytearray | memoryview | av.Packet) else data
    counters = []
    for chunk in chunks:
        for nal in _nal_units(bytes(chunk)):
            counter = frame_counter_of(codec, nal) if nal else None
            if counter is not None:
                counters.append(counter)
    return counters


@dataclass(frozen=True)
class ReceivedFrame:
    """The packets FFmpeg's RTSP reader handed over for one timestamp, joined into one access unit."""

    pts: int
    data: bytes
    keyframe: bool
    packets: int
    received: float


def merge_by_timestamp(packets: Iterable[tuple[int | None, bytes, bool, float]]) -> list[ReceivedFrame]:
    """Join consecutive (pts, data, keyframe, monotonic arrival) packets that share a timestamp.

    Packets without a timestamp (FFmpeg's RTSP reader may hand over one at the start) are dropped.
    """
    frames: list[ReceivedFrame] = []
    for pts, data, keyframe, received in packets:
        if pts is None:
            continue
        if frames and frames[-1].pts == pts:
            last = frames[-1]
            frames[-1] = ReceivedFrame(
                pts, last.data + data, last.keyframe or keyframe, last.packets + 1, last.received
            )
        else:
            frames.append(ReceivedFrame(pts, data, keyframe, 1, received))
    return frames


# ---------------------------------------------------------------------------------------------
# The server process.


class CameraServerError(RuntimeError):
    pass


class RtspCameraServer:
    """GStreamer's RTSP server in its own process, one mount per clip; a context manager.

    The first start takes a free port from the kernel; `restart()` comes back on the same port
    (a camera that rebooted). `set_offline(name)` / `set_online(name)` make one mount vanish and
    return while the others keep streaming (the server drops that mount's clients and answers
    404 until it is back). Frame counters follow the wall clock, so they keep increasing across
    restarts, with a gap for the time the camera was away.
    """

    def __init__(
        self,
        clips: Mapping[str, Clip],
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        mtu: int = 1400,
        startup_timeout: float = 20.0,
    ) -> None:
        if not clips:
            raise ValueError("give at least one clip to serve")
        self.clips = dict(clips)
        self.host = host
        self.port = port
        self.mtu = mtu
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: tempfile._TemporaryFileWrapper[bytes] | None = None

    def __enter__(self) -> RtspCameraServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        if self.process is None:
            raise CameraServerError("the camera server is not running")
        return self.process.pid

    def url(self, name: str) -> str:
        if name not in self.clips:
            raise KeyError(f"no camera named {name!r}; this server has {', '.join(self.clips)}")
        return f"rtsp://{self.host}:{self.port}/{name}"

    def command(self) -> list[str]:
        arguments = [SYSTEM_PYTHON, str(SERVER_SCRIPT), "--port", str(self.port), "--host", self.host]
        arguments += ["--mtu", str(self.mtu), "--control-stdin"]
        for name, clip in self.clips.items():
            arguments += ["--clip", f"{name}={clip.path}:{clip.codec}:{clip.fps}"]
        return arguments

    def start(self) -> None:
        if self.process is not None:
            raise CameraServerError("the camera server is already running")
        if not Path(SYSTEM_PYTHON).exists():
            raise CameraServerError(f"{SYSTEM_PYTHON} is missing: run scripts/install-test-deps.sh")
        self._stderr = tempfile.NamedTemporaryFile(prefix="belfort-rtsp-", suffix=".log")  # noqa: SIM115
        self._lines = queue.Queue()
        self.process = subprocess.Popen(
            self.command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._read_stdout, args=(self.process, self._lines), daemon=True).start()
        line = self._next_line(self.startup_timeout, "start")
        if not line.startswith("READY "):
            self._fail(f"the camera server said {line!r} instead of READY")
        fields = dict(item.split("=", 1) for item in line.split()[1:])
        self.port = int(fields["port"])

    def stop(self) -> None:
        """Stop the server; one that had stopped by itself under a test is an error naming why."""
        if self.process is not None and self.process.poll() is not None:
            self._fail("the camera server had stopped by itself")
        self._halt()

    def _halt(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def restart(self, *, down_seconds: float = 0.0) -> None:
        """Stop, stay away `down_seconds`, and start again on the same port."""
        if self.port == 0:
            raise CameraServerError("restart() needs a server that has started once")
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def set_offline(self, name: str) -> None:
        self._control(f"offline {self._known(name)}")

    def set_online(self, name: str) -> None:
        self._control(f"online {self._known(name)}")

    def mounts_that_dropped_frames(self) -> set[str]:
        """Mounts that dropped frames because their server-side queue overflowed.

        That happens when a reader falls more than 5 s behind: the counter gaps it then sees are
        the reader's slowness, not frames lost after they were received.
        """
        return set(re.findall(r"^mount (\S+): its queue is full", self.stderr_text(), flags=re.MULTILINE))

    def stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        return Path(self._stderr.name).read_text(errors="replace")

    def _known(self, name: str) -> str:
        if name not in self.clips:
            raise KeyError(f"no camera named {name!r}; this server has {', '.join(self.clips)}")
        return name

    def _control(self, command: str) -> None:
        if self.process is None or self.process.stdin is None:
            raise CameraServerError("the camera server is not running")
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self._next_line(10.0, command)
        if answer != f"OK {command}":
            self._fail(f"the camera server answered {answer!r} to {command!r}")

    @staticmethod
    def _read_stdout(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    def _next_line(self, timeout: float, waiting_for: str) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self._fail(f"the camera server did not answer within {timeout:g} s ({waiting_for})")
        if line is None:
            self._fail(f"the camera server exited during {waiting_for}")
        return line

    def _fail(self, message: str) -> None:
        stderr = self.stderr_text().strip()
        returncode = self.process.poll() if self.process is not None else None
        self._halt()
        details = f" (exit status {returncode})" if returncode is not None else ""
        raise CameraServerError(
            f"{message}{details}; command: {' '.join(self.command())}\nserver stderr:\n{stderr[-4000:] or '(empty)'}"
        )


def main() -> None:
    """`python -m tests.support.cameras [seconds]`: serve a 720p H.264 camera and print its URL."""
    clip = cached_clip()
    with RtspCameraServer({"camera": clip}) as server:
        print(server.url("camera"), flush=True)
        time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 3600)


if __name__ == "__main__":
    main()
