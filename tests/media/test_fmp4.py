"""The fragmented MP4 muxer and scanner, proven with real codecs: clips encoded by the libx264
and libx265 bundled with PyAV are muxed one fragment per GOP (recording) or per frame (live
view), then decoded by FFmpeg through PyAV; decoder configurations are compared byte for
byte with FFmpeg's own MP4 muxer; and files cut or damaged anywhere still scan."""

from __future__ import annotations

import io
import itertools
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from belfort.media import nal
from belfort.media.fmp4 import (
    NON_SYNC_SAMPLE_FLAGS,
    SYNC_SAMPLE_FLAGS,
    FragmentInfo,
    Sample,
    ScanResult,
    TrackInfo,
    init_segment,
    media_fragment,
    scan,
    single_sample,
    track_of_init,
)

FPS = 10
TICKS = 90_000 // FPS
FRAME_COUNT = 40
GOP = 10
WIDTH, HEIGHT = 320, 240

# --- encoding clips ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    data: bytes
    """AVCC, parameter sets stripped."""
    dts: int
    pts: int
    keyframe: bool
    slices: int


@dataclass(frozen=True)
class Clip:
    track: TrackInfo
    frames: list[Frame]


def pictures(count: int, width: int, height: int, pix_fmt: str) -> list[av.VideoFrame]:
    """A bright square moving over a gradient: every frame differs, so P-frames carry data."""
    ramp = np.linspace(0, 255, width, dtype=np.uint8)
    out = []
    for index in range(count):
        image = np.empty((height, width, 3), np.uint8)
        image[:] = ramp[None, :, None]
        x, y = (index * 7) % (width - 40), (index * 3) % (height - 40)
        image[y : y + 40, x : x + 40] = (250, 40, 40)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format=pix_fmt)
        frame.pts = index
        out.append(frame)
    return out


def encode(
    encoder: str,
    options: dict[str, str],
    count: int,
    width: int = WIDTH,
    height: int = HEIGHT,
    pix_fmt: str = "yuv420p",
) -> list[av.Packet]:
    context = av.CodecContext.create(encoder, "w")
    context.width, context.height, context.pix_fmt = width, height, pix_fmt
    context.time_base = Fraction(1, FPS)
    context.framerate = Fraction(FPS)
    context.options = options
    packets: list[av.Packet] = []
    for picture in pictures(count, width, height, pix_fmt):
        packets += context.encode(picture)
    packets += context.encode(None)
    return packets


def encode_clip(codec: str, encoder: str, options: dict[str, str]) -> Clip:
    """Annex B packets as an RTSP camera sends them, turned into samples as ingest does."""
    packets = encode(encoder, options, FRAME_COUNT)
    units = [nal.split_annexb(bytes(packet)) for packet in packets]
    assert all(units), "packets must be Annex B"
    track = TrackInfo.from_nals(codec, units[0])
    frames = []
    for packet, nals in zip(packets, units, strict=True):
        assert packet.pts is not None and packet.dts is not None
        picture = [u for u in nals if not nal.is_parameter_set(codec, u) and not nal.is_access_unit_delimiter(codec, u)]
        keyframe = any(nal.is_keyframe_nal(codec, u) for u in picture)
        assert keyframe == packet.is_keyframe
        slices = sum(1 for u in picture if nal.nal_type(codec, u) < (6 if codec == "h264" else 32))
        frames.append(Frame(nal.to_avcc(picture), packet.dts * TICKS, packet.pts * TICKS, keyframe, slices))
    return Clip(track, frames)


X264 = {
    "preset": "ultrafast",
    "tune": "zerolatency",
    "x264-params": f"keyint={GOP}:min-keyint={GOP}:scenecut=0:sliced-threads=0",
}
X265 = {"preset": "ultrafast", "x265-params": f"keyint={GOP}:min-keyint={GOP}:scenecut=0:bframes=0:log-level=none"}
CLIPS: dict[str, tuple[str, str, dict[str, str]]] = {
    "h264": ("h264", "libx264", X264),
    "h264-slices": ("h264", "libx264", {**X264, "x264-params": X264["x264-params"] + ":slices=4"}),
    "h264-bframes": (
        "h264",
        "libx264",
        {"preset": "veryfast", "x264-params": f"keyint={GOP}:min-keyint={GOP}:scenecut=0:bframes=2:b-adapt=0"},
    ),
    "h265": ("h265", "libx265", X265),
}


@pytest.fixture(scope="module")
def clips() -> dict[str, Clip]:
    return {name: encode_clip(*spec) for name, spec in CLIPS.items()}


# --- muxing and decoding helpers -----------------------------------------------------------------


def gops(frames: Sequence[Frame]) -> list[list[Frame]]:
    groups: list[list[Frame]] = []
    for frame in frames:
        if frame.keyframe or not groups:
            groups.append([])
        groups[-1].append(frame)
    return groups


def one_per_fragment(frames: Sequence[Frame]) -> list[list[Frame]]:
    return [[frame] for frame in frames]


def record(
    clip: Clip, grouping: Callable[[Sequence[Frame]], list[list[Frame]]] = gops, negative_offsets: bool = False
) -> tuple[bytes, list[FragmentInfo]]:
    """The segment file the recorder writes, and the fragments scan should find in it.

    Decode times start at 0. Composition offsets are pts - dts (never negative), or, with
    `negative_offsets`, shifted so the first frame's is 0 (B-frames then get negative ones).
    """
    base = clip.frames[0].dts
    shift = clip.frames[0].pts - clip.frames[0].dts if negative_offsets else 0
    next_dts = {id(f): n.dts for f, n in zip(clip.frames, clip.frames[1:], strict=False)}
    parts = [init_segment(clip.track)]
    offset = len(parts[0])
    expected = []
    for sequence, group in enumerate(grouping(clip.frames), start=1):
        samples = [
            Sample(f.data, next_dts.get(id(f), f.dts + TICKS) - f.dts, f.keyframe, f.pts - f.dts - shift) for f in group
        ]
        fragment = media_fragment(sequence, group[0].dts - base, samples)
        expected.append(
            FragmentInfo(
                offset,
                len(fragment),
                sequence,
                group[0].dts - base,
                sum(s.duration for s in samples),
                len(samples),
                group[0].keyframe,
            )
        )
        parts.append(fragment)
        offset += len(fragment)
    return b"".join(parts), expected


def decode(data: bytes) -> list[av.VideoFrame]:
    with av.open(io.BytesIO(data), format="mp4") as container:
        return list(container.decode(video=0))


def scan_bytes(data: bytes) -> ScanResult:
    return scan(io.BytesIO(data))


def boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    """(kind, offset, size) of the boxes in data[start:end] (plain 32-bit sizes only)."""
    end = len(data) if end is None else end
    found = []
    while start < end:
        size, kind = struct.unpack_from(">I4s", data, start)
        found.append((kind, start, size))
        start += size
    return found


# --- recordings decode -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["h264", "h264-slices", "h265"])
def test_one_fragment_per_gop_decodes_frame_for_frame(clips: dict[str, Clip], name: str) -> None:
    clip = clips[name]
    data, expected = record(clip)
    assert len(expected) == FRAME_COUNT // GOP
    frames = decode(data)
    assert len(frames) == FRAME_COUNT
    assert {(f.width, f.height) for f in frames} == {(WIDTH, HEIGHT)}
    assert [f.pts for f in frames] == [index * TICKS for index in range(FRAME_COUNT)]
    assert frames[0].time_base == Fraction(1, 90_000)


def test_the_sliced_clip_has_several_slices_per_frame(clips: dict[str, Clip]) -> None:
    assert min(f.slices for f in clips["h264-slices"].frames) > 1
    assert max(f.slices for f in clips["h264"].frames) == 1


@pytest.mark.parametrize("negative_offsets", [False, True])
def test_b_frames_come_out_in_presentation_order(clips: dict[str, Clip], negative_offsets: bool) -> None:
    clip = clips["h264-bframes"]
    assert any(f.pts != f.dts + (clip.frames[0].pts - clip.frames[0].dts) for f in clip.frames), "no B-frames"
    data, _ = record(clip, negative_offsets=negative_offsets)
    trun = data.index(b"trun")
    version, flags = data[trun + 4], int.from_bytes(data[trun + 5 : trun + 8], "big")
    assert (version, flags & 0x800) == (int(negative_offsets), 0x800)
    frames = decode(data)
    assert len(frames) == FRAME_COUNT
    pts = [f.pts for f in frames]
    assert [b - a for a, b in itertools.pairwise(pts)] == [TICKS] * (FRAME_COUNT - 1)


@pytest.mark.parametrize("name", ["h264", "h265"])
def test_one_fragment_per_frame_decodes_for_live_view(clips: dict[str, Clip], name: str) -> None:
    clip = clips[name]
    data, expected = record(clip, one_per_fragment)
    frames = decode(data)
    assert [f.pts for f in frames] == [index * TICKS for index in range(FRAME_COUNT)]
    result = scan_bytes(data)
    assert result.fragments == expected
    assert [f.starts_with_keyframe for f in result.fragments] == [f.keyframe for f in clip.frames]


def test_h265_uses_hvc1_with_parameter_sets_only_in_hvcc(clips: dict[str, Clip]) -> None:
    clip = clips["h265"]
    data, _ = record(clip)
    init = init_segment(clip.track)
    assert b"hvc1" in init and b"hvcC" in init and b"hev1" not in init
    assert not any(nal.is_parameter_set("h265", u) for f in clip.frames for u in nal.split_avcc(f.data))
    with av.open(io.BytesIO(data), format="mp4") as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "hevc"
        assert stream.codec_tag == "hvc1"
        assert (stream.codec_context.width, stream.codec_context.height) == (WIDTH, HEIGHT)


# --- scanning ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CLIPS))
def test_scan_finds_every_fragment_and_the_track(clips: dict[str, Clip], name: str) -> None:
    clip = clips[name]
    data, expected = record(clip)
    assert scan_bytes(data) == ScanResult(len(init_segment(clip.track)), expected, len(data), False, clip.track)


def test_scan_reads_a_file_on_disk(clips: dict[str, Clip], tmp_path: Path) -> None:
    data, expected = record(clips["h265"])
    path = tmp_path / "segment.mp4"
    path.write_bytes(data)
    with path.open("rb") as handle:
        result = scan(handle)
    assert (result.fragments, result.valid_length, result.truncated) == (expected, len(data), False)


def test_a_cut_inside_the_last_fragment_leaves_the_complete_ones_playable(clips: dict[str, Clip]) -> None:
    data, expected = record(clips["h264"])
    last = expected[-1]
    cut = data[: last.offset + last.size // 2]
    result = scan_bytes(cut)
    assert result.fragments == expected[:-1]
    assert (result.valid_length, result.truncated) == (last.offset, True)
    frames = decode(cut[: result.valid_length])
    assert [f.pts for f in frames] == [index * TICKS for index in range(FRAME_COUNT - GOP)]


def test_zeros_left_by_a_crash_are_not_a_fragment(clips: dict[str, Clip]) -> None:
    data, expected = record(clips["h264"])
    result = scan_bytes(data + bytes(4096))
    assert (result.fragments, result.valid_length, result.truncated) == (expected, len(data), True)


def check_cut(data: bytes, full: ScanResult, cut: int) -> None:
    """What scanning data[:cut] must give, knowing what the whole file gives."""
    result = scan_bytes(data[:cut])
    if cut < full.init_size:
        assert result == ScanResult(0, [], 0, cut > 0, None)
        return
    complete = [f for f in full.fragments if f.offset + f.size <= cut]
    assert result.init_size == full.init_size
    assert result.track == full.track
    assert result.fragments == complete
    assert result.valid_length == (complete[-1].offset + complete[-1].size if complete else full.init_size)
    assert result.truncated == (cut > result.valid_length)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_real_recording_cut_anywhere_scans(clips: dict[str, Clip], data: st.DataObject) -> None:
    recording, _ = record(clips["h265"])
    full = scan_bytes(recording)
    boundaries = [f.offset for f in full.fragments] + [full.init_size]
    near = st.sampled_from(boundaries).flatmap(lambda b: st.integers(max(0, b - 20), min(len(recording), b + 20)))
    check_cut(recording, full, data.draw(st.integers(0, len(recording)) | near))


def test_a_small_recording_cut_at_every_byte_scans(clips: dict[str, Clip]) -> None:
    track = clips["h264"].track
    parts = [init_segment(track)]
    for sequence in range(1, 5):
        samples = [Sample(bytes([sequence, index]) * (index + 1), 3000, index == 0) for index in range(sequence)]
        parts.append(media_fragment(sequence, sequence * 10_000, samples))
    recording = b"".join(parts)
    full = scan_bytes(recording)
    assert [f.sample_count for f in full.fragments] == [1, 2, 3, 4]
    for cut in range(len(recording) + 1):
        check_cut(recording, full, cut)


def assert_consistent(result: ScanResult, file_size: int) -> None:
    """Fragments tile the file from the end of the init segment up to valid_length."""
    end = result.init_size
    for fragment in result.fragments:
        assert fragment.offset == end
        end += fragment.size
    assert result.valid_length == end <= file_size
    assert result.truncated == (file_size > result.valid_length)
    assert result.init_size or (result.track, result.fragments) == (None, [])


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_damaged_recordings_scan_without_raising(clips: dict[str, Clip], data: st.DataObject) -> None:
    recording, _ = record(clips["h264"], one_per_fragment)
    position = data.draw(st.integers(0, len(recording) - 1))
    damage = data.draw(st.binary(min_size=1, max_size=16))
    damaged = recording[:position] + damage + recording[position + len(damage) :]
    assert_consistent(scan_bytes(damaged), len(damaged))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_damaged_init_segment_scans_without_raising(clips: dict[str, Clip], data: st.DataObject) -> None:
    clip = clips[data.draw(st.sampled_from(["h264", "h265"]))]
    recording, expected = record(clip)
    init_size = expected[0].offset
    damage = data.draw(st.binary(min_size=1, max_size=8))
    position = data.draw(st.integers(0, init_size - len(damage)))
    damaged = recording[:position] + damage + recording[position + len(damage) :]
    result = scan_bytes(damaged)
    assert_consistent(result, len(damaged))
    if result.init_size == init_size:
        assert result.fragments == expected


def test_an_empty_or_foreign_file_has_no_init_segment() -> None:
    assert scan_bytes(b"") == ScanResult(0, [], 0, False, None)
    assert scan_bytes(b"\x00\x00\x00\x10moov" + bytes(8)) == ScanResult(0, [], 0, True, None)


def test_large_decode_times_and_sequence_numbers_survive_a_scan(clips: dict[str, Clip]) -> None:
    track = clips["h264"].track
    fragment = media_fragment(2**32 - 1, 2**40 + 5, [Sample(b"\x00\x00\x00\x01\x65", 3000, True)])
    result = scan_bytes(init_segment(track) + fragment)
    assert (result.fragments[0].sequence_number, result.fragments[0].base_decode_time) == (2**32 - 1, 2**40 + 5)


# --- box layout --------------------------------------------------------------------------------------------


def test_init_segment_layout(clips: dict[str, Clip]) -> None:
    init = init_segment(clips["h264"].track)
    assert [kind for kind, _, _ in boxes(init)] == [b"ftyp", b"moov"]
    ftyp_size = boxes(init)[0][2]
    assert init[8:12] == b"iso5"
    brands = {init[i : i + 4] for i in range(16, ftyp_size, 4)}
    assert brands == {b"iso5", b"iso6", b"mp41", b"avc1"}
    moov = boxes(init)[1]
    assert [kind for kind, _, _ in boxes(init, moov[1] + 8, moov[1] + moov[2])] == [b"mvhd", b"trak", b"mvex"]
    for kind in (b"tkhd", b"mdhd", b"hdlr", b"vide", b"vmhd", b"dref", b"stsd", b"avcC", b"stts", b"stco", b"trex"):
        assert kind in init


def test_media_fragment_layout() -> None:
    payloads = [b"\x00\x00\x00\x02\x65\x88", b"\x00\x00\x00\x01\x41", b"\x00\x00\x00\x03\x41\x9a\x02"]
    samples = [Sample(payloads[0], 3000, True), Sample(payloads[1], 3001, False), Sample(payloads[2], 2999, False)]
    fragment = media_fragment(7, 123_456, samples)
    moof_size = 8 + 16 + 8 + 16 + 20 + 20 + 3 * 12
    assert [(kind, size) for kind, _, size in boxes(fragment)] == [(b"moof", moof_size), (b"mdat", 8 + 18)]
    assert struct.unpack_from(">I4sII", fragment, 8) == (16, b"mfhd", 0, 7)
    assert struct.unpack_from(">I4sII", fragment, 32) == (16, b"tfhd", 0x020000, 1)
    assert struct.unpack_from(">I4sIQ", fragment, 48) == (20, b"tfdt", 1 << 24, 123_456)
    assert struct.unpack_from(">I4sIIi", fragment, 68) == (20 + 36, b"trun", 0x000701, 3, moof_size + 8)
    table = struct.unpack_from(">9I", fragment, 88)
    assert table == (3000, 6, SYNC_SAMPLE_FLAGS, 3001, 5, NON_SYNC_SAMPLE_FLAGS, 2999, 7, NON_SYNC_SAMPLE_FLAGS)
    assert (SYNC_SAMPLE_FLAGS, NON_SYNC_SAMPLE_FLAGS) == (0x02000000, 0x01010000)
    assert fragment[moof_size + 8 :] == b"".join(payloads)


@pytest.mark.parametrize(("offsets", "version"), [((0, 6000, 3000), 0), ((0, -3000, 3000), 1)])
def test_composition_offsets_are_written_only_when_present(offsets: tuple[int, ...], version: int) -> None:
    samples = [Sample(b"\x00\x00\x00\x01\x65", 3000, i == 0, offset) for i, offset in enumerate(offsets)]
    fragment = media_fragment(1, 0, samples)
    assert struct.unpack_from(">BxxxI", fragment, 76)[0] == version
    assert fragment[79] == 0x01 and fragment[78] == 0x0F  # data offset, duration, size, flags, offset
    table = struct.unpack_from(">12i", fragment, 88)
    assert table[3::4] == offsets


def test_media_fragment_refuses_what_no_player_could_use() -> None:
    with pytest.raises(ValueError, match="at least one sample"):
        media_fragment(1, 0, [])
    with pytest.raises(ValueError, match="positive"):
        media_fragment(1, 0, [Sample(b"\x00\x00\x00\x01\x65", 0, True)])


# --- decoder configuration and codec strings -------------------------------------------------------


def ffmpeg_decoder_config(annexb: bytes, codec: str) -> bytes:
    """The avcC or hvcC box FFmpeg's own MP4 muxer writes for the same stream."""
    kind = b"avcC" if codec == "h264" else b"hvcC"
    output = io.BytesIO()
    with (
        av.open(io.BytesIO(annexb), format="h264" if codec == "h264" else "hevc") as source,
        av.open(output, "w", format="mp4") as sink,
    ):
        stream = sink.add_stream_from_template(source.streams.video[0])
        if codec == "h265":
            stream.codec_tag = "hvc1"
        for index, packet in enumerate(p for p in source.demux() if p.size):
            packet.stream = stream
            packet.time_base = stream.time_base
            packet.pts = packet.dts = index * 1000
            sink.mux(packet)
    data = output.getvalue()
    start = data.index(kind) - 4
    return data[start : start + int.from_bytes(data[start : start + 4], "big")]


def our_decoder_config(track: TrackInfo) -> bytes:
    init = init_segment(track)
    start = init.index(b"avcC" if track.codec == "h264" else b"hvcC") - 4
    return init[start : start + int.from_bytes(init[start : start + 4], "big")]


@pytest.mark.parametrize(
    ("encoder", "pix_fmt", "options", "codec_string"),
    [
        ("libx264", "yuv420p", {"profile": "baseline"}, "avc1.42C00B"),
        ("libx264", "yuv420p", {"preset": "veryfast", "profile": "main"}, "avc1.4D400C"),
        ("libx264", "yuv420p", {"preset": "veryfast", "profile": "high"}, "avc1.64000C"),
        ("libx264", "yuv422p", {"profile": "high422"}, "avc1.7A000B"),
        ("libx264", "yuv444p", {"profile": "high444"}, "avc1.F4000B"),
        ("libx264", "yuv420p10le", {"profile": "high10"}, "avc1.6E000B"),
        ("libx265", "yuv420p", {"x265-params": "log-level=none"}, "hvc1.1.6.L60.90"),
        ("libx265", "yuv420p10le", {"x265-params": "log-level=none"}, "hvc1.2.4.L60.90"),
        ("libx265", "yuv444p", {"x265-params": "log-level=none"}, "hvc1.4.10.L60.9E.08"),
    ],
)
def test_decoder_config_matches_ffmpeg_and_codec_string_matches_sps(
    encoder: str, pix_fmt: str, options: dict[str, str], codec_string: str
) -> None:
    codec = "h264" if encoder == "libx264" else "h265"
    packets = encode(encoder, {"preset": "ultrafast", **options}, 2, pix_fmt=pix_fmt)
    annexb = b"".join(bytes(p) for p in packets)
    track = TrackInfo.from_nals(codec, nal.split_annexb(bytes(packets[0])))
    assert our_decoder_config(track) == ffmpeg_decoder_config(annexb, codec)
    assert track.codec_string() == codec_string
    if codec == "h264":
        assert track.codec_string() == "avc1." + track.sps[1:4].hex().upper()


def h265_sps_with(profile_byte: int, compatibility: int, constraints: bytes, level: int) -> bytes:
    """A minimal 64x64 Main SPS: the profile_tier_level fields as given, then a bare tail."""

    def ue(value: int) -> str:
        code = value + 1
        return "0" * (code.bit_length() - 1) + format(code, "b")

    tail = "1" + ue(1) + ue(64) + ue(64) + "0" + ue(0) + ue(0) + "1"
    tail += "0" * (-len(tail) % 8)
    return (
        b"\x42\x01\x01"
        + bytes([profile_byte])
        + compatibility.to_bytes(4, "big")
        + constraints
        + bytes([level])
        + int(tail, 2).to_bytes(len(tail) // 8, "big")
    )


@pytest.mark.parametrize(
    ("profile_byte", "compatibility", "constraints", "level", "expected"),
    [
        (0x01, 0x60000000, b"\xb0" + bytes(5), 93, "hvc1.1.6.L93.B0"),  # the example of ISO/IEC 14496-15 E.3
        (0x21, 0x40000000, b"\xb0" + bytes(5), 120, "hvc1.1.2.H120.B0"),
        (0x42, 0x20000000, bytes(6), 153, "hvc1.A2.4.L153"),
        (0x01, 0x60000000, b"\x90\x00\x00\x00\x00\x01", 90, "hvc1.1.6.L90.90.00.00.00.00.01"),
    ],
)
def test_hevc_codec_strings(
    profile_byte: int, compatibility: int, constraints: bytes, level: int, expected: str
) -> None:
    sps = h265_sps_with(profile_byte, compatibility, constraints, level)
    assert nal.parse_sps_dimensions("h265", sps) == (64, 64)
    track = TrackInfo("h265", 64, 64, (b"\x40\x01\x0c", sps, b"\x44\x01\xc1"))
    assert track.codec_string() == expected


# --- TrackInfo ----------------------------------------------------------------------------------------


def test_track_from_a_keyframe_picks_parameter_sets_in_order(clips: dict[str, Clip]) -> None:
    vps, sps, pps = clips["h265"].track.parameter_sets
    keyframe = [b"\x46\x01\x10", pps, b"\x4e\x01\x05", sps, vps, sps, b"\x26\x01\xaf"]
    track = TrackInfo.from_nals("h265", keyframe)
    assert track.parameter_sets == (vps, sps, pps)
    assert (track.width, track.height, track.timescale) == (WIDTH, HEIGHT, 90_000)
    assert TrackInfo.from_nals("h265", keyframe, 1280, 720).width == 1280


@pytest.mark.parametrize(
    ("codec", "units", "message"),
    [
        ("h264", [b"\x67\x42\xc0\x1e\xda"], "lacks its PPS"),
        ("h264", [b"\x68\xce\x3c\x80", b"\x65\x88"], "lacks its SPS"),
        ("h265", [b"\x44\x01\xc1"], "lacks its VPS and SPS"),
        ("vp8", [b"\x67"], "unknown codec"),
    ],
)
def test_track_without_its_parameter_sets_is_refused(codec: str, units: list[bytes], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrackInfo.from_nals(codec, units)


def test_track_refuses_what_mp4_cannot_describe(clips: dict[str, Clip]) -> None:
    sets = clips["h264"].track.parameter_sets
    with pytest.raises(ValueError, match="does not fit"):
        TrackInfo("h264", 70_000, 480, sets)
    with pytest.raises(ValueError, match="parameter sets must be"):
        TrackInfo("h264", 640, 480, (*sets, b"\x65\x88"))
    with pytest.raises(ValueError, match="lacks its VPS"):
        TrackInfo("h265", 640, 480, clips["h265"].track.parameter_sets[1:])


@pytest.mark.parametrize("name", ["h264", "h264-bframes", "h265"])
def test_a_live_fragment_reads_back_as_the_frame_it_was_made_of(clips: dict[str, Clip], name: str) -> None:
    """What a node relays of another node's live stream: init segment and one-frame fragments back to frames."""
    clip = clips[name]
    assert track_of_init(init_segment(clip.track)) == clip.track
    for number, frame in enumerate(clip.frames[:12], start=1):
        sample = Sample(frame.data, TICKS, frame.keyframe, frame.pts - frame.dts)
        fragment = media_fragment(number, number * TICKS, [sample])
        assert single_sample(fragment) == (number * TICKS, TICKS, frame.keyframe, frame.pts - frame.dts, frame.data)
    with pytest.raises(ValueError, match="not an init segment"):
        track_of_init(b"\x00\x00\x00\x08free")
    with pytest.raises(ValueError):
        single_sample(b"\x00\x00\x00\x08moof")
