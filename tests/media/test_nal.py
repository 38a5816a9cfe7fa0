"""NAL framing and SPS parsing: round trips on arbitrary input, synthetic SPS covering every
branch of the syntax, and SPS written by the libx264/libx265 bundled with PyAV, checked
against the size FFmpeg's decoder reports."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from belfort.media import nal

# --- helpers: the inverse operations, written the plain way ---------------------------------


def escape(rbsp: bytes) -> bytes:
    """Insert emulation prevention bytes (7.4.1): 0x03 after two zeros when a byte <= 3 follows."""
    out = bytearray()
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


class BitWriter:
    def __init__(self) -> None:
        self.bits: list[str] = []

    def u(self, count: int, value: int) -> None:
        assert 0 <= value < (1 << count) or count == 0 == value
        if count:
            self.bits.append(format(value, f"0{count}b"))

    def flag(self, value: bool) -> None:
        self.u(1, int(value))

    def ue(self, value: int) -> None:
        code = value + 1
        self.u(code.bit_length() - 1, 0)
        self.u(code.bit_length(), code)

    def se(self, value: int) -> None:
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def rbsp(self) -> bytes:
        """With rbsp_trailing_bits: a one, then zeros to the byte boundary."""
        text = "".join(self.bits) + "1"
        text += "0" * (-len(text) % 8)
        return int(text, 2).to_bytes(len(text) // 8, "big")


nal_payloads = st.binary(min_size=1, max_size=64).map(lambda b: escape(b"\x41" + b + b"\x80"))
"""Valid escaped NAL units: non-zero header, no start code inside, never ending in a zero byte."""


# --- framing --------------------------------------------------------------------------------


def test_split_annexb_handles_both_start_codes_and_stray_zeros() -> None:
    data = b"\x00\x00\x00\x01\x67\x42\x00\x00\x01\x68\xce\x00\x00\x00\x00\x01\x65\x88\x84\x00"
    assert nal.split_annexb(data) == [b"\x67\x42", b"\x68\xce", b"\x65\x88\x84"]


def test_split_annexb_ignores_bytes_before_the_first_start_code_and_empty_units() -> None:
    assert nal.split_annexb(b"\x09\x10\x00\x00\x01\x00\x00\x01\x41\x9a") == [b"\x41\x9a"]
    assert nal.split_annexb(b"") == []
    assert nal.split_annexb(b"\x41\x9a\x00\x02") == []


@given(
    st.lists(st.tuples(nal_payloads, st.sampled_from([b"\x00\x00\x01", b"\x00\x00\x00\x01"])), max_size=12),
    st.integers(0, 3),
)
def test_split_annexb_recovers_the_units_it_was_given(units: list[tuple[bytes, bytes]], trailing: int) -> None:
    stream = b"".join(code + unit for unit, code in units) + b"\x00" * trailing
    assert nal.split_annexb(stream) == [unit for unit, _ in units]


@given(st.lists(st.binary(max_size=300), max_size=10))
def test_avcc_round_trip(units: list[bytes]) -> None:
    data = nal.to_avcc(units)
    assert len(data) == sum(4 + len(u) for u in units)
    assert nal.split_avcc(data) == units


@pytest.mark.parametrize("length_size", [1, 2])
def test_split_avcc_with_short_lengths(length_size: int) -> None:
    data = b"".join(len(u).to_bytes(length_size, "big") + u for u in (b"\x67\x42", b"\x68"))
    assert nal.split_avcc(data, length_size) == [b"\x67\x42", b"\x68"]


@pytest.mark.parametrize("data", [b"\x00\x00\x00\x05\x65\x88", b"\x00\x00", b"\x00\x00\x00\x01\x65\x00"])
def test_split_avcc_refuses_lengths_that_overrun(data: bytes) -> None:
    with pytest.raises(ValueError, match="NAL"):
        nal.split_avcc(data)


def test_split_avcc_refuses_odd_length_sizes() -> None:
    with pytest.raises(ValueError, match="1, 2 or 4"):
        nal.split_avcc(b"", 3)


def test_remove_emulation_prevention_known_example() -> None:
    escaped = b"\x00\x00\x03\x01\x00\x00\x03\x00\x00\x03"
    assert nal.remove_emulation_prevention(escaped) == b"\x00\x00\x01\x00\x00\x00\x00"
    assert nal.remove_emulation_prevention(b"\x00\x00\x03\x03") == b"\x00\x00\x03"


@given(st.binary(max_size=200))
def test_remove_emulation_prevention_undoes_escaping(rbsp: bytes) -> None:
    escaped = escape(rbsp)
    assert b"\x00\x00\x00" not in escaped[:-2] and b"\x00\x00\x01" not in escaped
    assert nal.remove_emulation_prevention(escaped) == rbsp


# --- NAL unit types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "header", "kind", "parameter_set", "keyframe", "delimiter"),
    [
        ("h264", b"\x67", 7, True, False, False),
        ("h264", b"\x68", 8, True, False, False),
        ("h264", b"\x65", 5, False, True, False),
        ("h264", b"\x41", 1, False, False, False),
        ("h264", b"\x06", 6, False, False, False),
        ("h264", b"\x09", 9, False, False, True),
        ("h265", b"\x40\x01", 32, True, False, False),
        ("h265", b"\x42\x01", 33, True, False, False),
        ("h265", b"\x44\x01", 34, True, False, False),
        ("h265", b"\x26\x01", 19, False, True, False),
        ("h265", b"\x2a\x01", 21, False, True, False),
        ("h265", b"\x20\x01", 16, False, True, False),
        ("h265", b"\x2e\x01", 23, False, True, False),
        ("h265", b"\x30\x01", 24, False, False, False),
        ("h265", b"\x02\x01", 1, False, False, False),
        ("h265", b"\x4e\x01", 39, False, False, False),
        ("h265", b"\x46\x01", 35, False, False, True),
    ],
)
def test_nal_unit_types(
    codec: str, header: bytes, kind: int, parameter_set: bool, keyframe: bool, delimiter: bool
) -> None:
    unit = header + b"\xaf\xfe"
    assert nal.nal_type(codec, unit) == kind
    assert nal.is_parameter_set(codec, unit) is parameter_set
    assert nal.is_keyframe_nal(codec, unit) is keyframe
    assert nal.is_access_unit_delimiter(codec, unit) is delimiter


def test_unknown_codec_is_refused() -> None:
    with pytest.raises(ValueError, match="vp8"):
        nal.nal_type("vp8", b"\x67")
    with pytest.raises(ValueError, match="vp8"):
        nal.parse_sps_dimensions("vp8", b"\x67\x42\x00\x1e")


# --- exp-Golomb ----------------------------------------------------------------------------------


def test_exp_golomb_known_codes() -> None:
    codes = "1" + "010" + "011" + "00100" + "1" + "00101" + "011"
    reader = nal.BitReader(int(codes.ljust(24, "0"), 2).to_bytes(3, "big"))
    assert [reader.ue(), reader.ue(), reader.ue(), reader.ue()] == [0, 1, 2, 3]
    assert [reader.se(), reader.se(), reader.se()] == [0, -2, -1]


@given(st.lists(st.tuples(st.sampled_from(["u", "ue", "se"]), st.integers(0, 2**31 - 2)), max_size=30))
def test_bit_reader_reads_what_was_written(fields: list[tuple[str, int]]) -> None:
    writer = BitWriter()
    expected: list[int] = []
    for kind, raw in fields:
        if kind == "u":
            value = raw & 0x1FFF
            writer.u(13, value)
        elif kind == "ue":
            value = raw
            writer.ue(value)
        else:
            value = raw // 2 - 2**29
            writer.se(value)
        expected.append(value)
    reader = nal.BitReader(writer.rbsp())
    got = [reader.bits(13) if kind == "u" else reader.ue() if kind == "ue" else reader.se() for kind, _ in fields]
    assert got == expected


def test_bit_reader_stops_at_the_end() -> None:
    reader = nal.BitReader(b"\x00\x00\x01")
    with pytest.raises(ValueError, match="truncated or corrupt"):
        reader.ue()
    with pytest.raises(ValueError, match="longer than 32 bits"):
        nal.BitReader(b"\x00" * 5 + b"\xff").ue()


# --- synthetic SPS: every branch of the syntax ----------------------------------------------------


@dataclass(frozen=True)
class Expected:
    sps: bytes
    width: int
    height: int
    chroma_format_idc: int
    bit_depth_luma: int
    bit_depth_chroma: int


SUB_WIDTH_HEIGHT = {0: (1, 1), 1: (2, 2), 2: (2, 1), 3: (1, 1)}
"""Table 6-1 of both standards: SubWidthC, SubHeightC by chroma_format_idc (monochrome: 1, 1)."""


@st.composite
def h264_sps(draw: st.DrawFn) -> Expected:
    w = BitWriter()
    profile = draw(st.sampled_from([66, 77, 88, 100, 110, 122, 244, 44, 118, 128]))
    level = draw(st.integers(9, 62))
    w.u(8, profile)
    w.u(8, draw(st.integers(0, 255)))
    w.u(8, level)
    w.ue(draw(st.integers(0, 31)))
    chroma, separate, depth_luma, depth_chroma = 1, False, 8, 8
    if profile not in (66, 77, 88):
        chroma = draw(st.integers(0, 3))
        w.ue(chroma)
        if chroma == 3:
            separate = draw(st.booleans())
            w.flag(separate)
        depth_luma, depth_chroma = draw(st.integers(8, 14)), draw(st.integers(8, 14))
        w.ue(depth_luma - 8)
        w.ue(depth_chroma - 8)
        w.flag(draw(st.booleans()))
        matrix = draw(st.booleans())
        w.flag(matrix)
        if matrix:
            for index in range(8 if chroma != 3 else 12):
                present = draw(st.booleans())
                w.flag(present)
                if present:
                    # delta_scale values; a run ends early once nextScale reaches 0.
                    last = following = 8
                    for _ in range(16 if index < 6 else 64):
                        if following:
                            delta = draw(st.integers(-128, 127))
                            w.se(delta)
                            following = (last + delta + 256) % 256
                        last = following or last
    w.ue(draw(st.integers(0, 12)))
    poc_type = draw(st.integers(0, 2))
    w.ue(poc_type)
    if poc_type == 0:
        w.ue(draw(st.integers(0, 12)))
    elif poc_type == 1:
        w.flag(draw(st.booleans()))
        w.se(draw(st.integers(-1000, 1000)))
        w.se(draw(st.integers(-1000, 1000)))
        cycle = draw(st.lists(st.integers(-1000, 1000), max_size=8))
        w.ue(len(cycle))
        for value in cycle:
            w.se(value)
    w.ue(draw(st.integers(0, 16)))
    w.flag(draw(st.booleans()))
    width_mbs, height_units = draw(st.integers(1, 240)), draw(st.integers(1, 135))
    w.ue(width_mbs - 1)
    w.ue(height_units - 1)
    frame_mbs_only = draw(st.booleans())
    w.flag(frame_mbs_only)
    if not frame_mbs_only:
        w.flag(draw(st.booleans()))
    w.flag(True)
    fields = 1 if frame_mbs_only else 2
    width, height = width_mbs * 16, height_units * 16 * fields
    if chroma == 0 or separate:
        unit_x, unit_y = 1, fields
    else:
        unit_x, unit_y = SUB_WIDTH_HEIGHT[chroma][0], SUB_WIDTH_HEIGHT[chroma][1] * fields
    crop = draw(st.booleans())
    w.flag(crop)
    if crop:
        left = draw(st.integers(0, (width // unit_x - 1) // 2))
        right = draw(st.integers(0, (width // unit_x - 1) // 2))
        top = draw(st.integers(0, (height // unit_y - 1) // 2))
        bottom = draw(st.integers(0, (height // unit_y - 1) // 2))
        for value in (left, right, top, bottom):
            w.ue(value)
        width -= unit_x * (left + right)
        height -= unit_y * (top + bottom)
    w.flag(False)  # vui_parameters_present_flag
    return Expected(b"\x67" + escape(w.rbsp()), width, height, chroma, depth_luma, depth_chroma)


@given(h264_sps())
def test_h264_sps_fields_and_size(expected: Expected) -> None:
    sps = nal.parse_h264_sps(expected.sps)
    assert (sps.width, sps.height) == (expected.width, expected.height)
    assert (sps.chroma_format_idc, sps.bit_depth_luma, sps.bit_depth_chroma) == (
        expected.chroma_format_idc,
        expected.bit_depth_luma,
        expected.bit_depth_chroma,
    )
    header = nal.remove_emulation_prevention(expected.sps)[1:4]
    assert (sps.profile_idc, sps.constraint_flags, sps.level_idc) == tuple(header)
    assert nal.parse_sps_dimensions("h264", expected.sps) == (expected.width, expected.height)


@st.composite
def h265_sps(draw: st.DrawFn) -> tuple[Expected, nal.H265Sps]:
    w = BitWriter()
    w.u(4, draw(st.integers(0, 15)))
    sub_layers_minus1 = draw(st.integers(0, 6))
    w.u(3, sub_layers_minus1)
    nested = draw(st.booleans())
    w.flag(nested)
    space, tier, profile = draw(st.integers(0, 3)), draw(st.integers(0, 1)), draw(st.integers(0, 31))
    compatibility = draw(st.integers(0, 2**32 - 1))
    constraints = draw(st.integers(0, 2**48 - 1))
    level = draw(st.integers(0, 255))
    w.u(2, space)
    w.u(1, tier)
    w.u(5, profile)
    w.u(32, compatibility)
    w.u(48, constraints)
    w.u(8, level)
    present = [(draw(st.booleans()), draw(st.booleans())) for _ in range(sub_layers_minus1)]
    for profile_present, level_present in present:
        w.flag(profile_present)
        w.flag(level_present)
    if sub_layers_minus1:
        for _ in range(sub_layers_minus1, 8):
            w.u(2, 0)
    for profile_present, level_present in present:
        if profile_present:
            w.u(88, draw(st.integers(0, 2**88 - 1)))
        if level_present:
            w.u(8, draw(st.integers(0, 255)))
    w.ue(draw(st.integers(0, 15)))
    chroma = draw(st.integers(0, 3))
    w.ue(chroma)
    separate = chroma == 3 and draw(st.booleans())
    if chroma == 3:
        w.flag(separate)
    unit_x, unit_y = (1, 1) if separate else SUB_WIDTH_HEIGHT[chroma]
    width, height = draw(st.integers(1, 512)) * 8, draw(st.integers(1, 512)) * 8
    w.ue(width)
    w.ue(height)
    window = draw(st.booleans())
    w.flag(window)
    if window:
        left = draw(st.integers(0, (width // unit_x - 1) // 2))
        right = draw(st.integers(0, (width // unit_x - 1) // 2))
        top = draw(st.integers(0, (height // unit_y - 1) // 2))
        bottom = draw(st.integers(0, (height // unit_y - 1) // 2))
        for value in (left, right, top, bottom):
            w.ue(value)
        width -= unit_x * (left + right)
        height -= unit_y * (top + bottom)
    depth_luma, depth_chroma = draw(st.integers(8, 16)), draw(st.integers(8, 16))
    w.ue(depth_luma - 8)
    w.ue(depth_chroma - 8)
    w.ue(draw(st.integers(0, 12)))  # log2_max_pic_order_cnt_lsb_minus4: the parser stops before it
    fields = nal.H265Sps(
        space,
        tier,
        profile,
        compatibility,
        constraints,
        level,
        sub_layers_minus1 + 1,
        nested,
        chroma,
        depth_luma,
        depth_chroma,
        width,
        height,
    )
    expected = Expected(b"\x42\x01" + escape(w.rbsp()), width, height, chroma, depth_luma, depth_chroma)
    return expected, fields


@given(h265_sps())
def test_h265_sps_fields_and_size(case: tuple[Expected, nal.H265Sps]) -> None:
    expected, fields = case
    assert nal.parse_h265_sps(expected.sps) == fields
    assert nal.parse_sps_dimensions("h265", expected.sps) == (expected.width, expected.height)


@pytest.mark.parametrize("codec", ["h264", "h265"])
@given(data=st.binary(max_size=40))
def test_garbage_sps_raises_value_error_only(codec: str, data: bytes) -> None:
    header = b"\x67" if codec == "h264" else b"\x42\x01"
    for candidate in (data, header + data):
        try:
            width, height = nal.parse_sps_dimensions(codec, candidate)
        except ValueError:
            continue
        assert width > 0 and height > 0


def test_not_an_sps_is_refused() -> None:
    with pytest.raises(ValueError, match=r"not an H\.264 sequence parameter set"):
        nal.parse_h264_sps(b"\x68\xce\x3c\x80")
    with pytest.raises(ValueError, match=r"not an H\.265 sequence parameter set"):
        nal.parse_h265_sps(b"\x40\x01\x0c\x01\xff")


# --- SPS written by real encoders -----------------------------------------------------------------
# Cropped sizes, 4:2:2, 4:4:4, 10-bit and interlaced (frame_mbs_only_flag = 0) streams. x264
# sends scaling matrices in the PPS, never the SPS: the synthetic SPS above cover those.


def first_access_unit(encoder: str, width: int, height: int, pix_fmt: str, params: str) -> bytes:
    """The first packet (Annex B, with in-band parameter sets) of a one-frame encode."""
    context = av.CodecContext.create(encoder, "w")
    context.width, context.height, context.pix_fmt = width, height, pix_fmt
    context.time_base = Fraction(1, 25)
    key = "x264-params" if encoder == "libx264" else "x265-params"
    context.options = {"preset": "ultrafast", key: params}
    picture = np.zeros((height, width, 3), np.uint8)
    picture[:, : width // 2] = (200, 60, 20)
    frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format=pix_fmt)
    frame.pts = 0
    packets = [*context.encode(frame), *context.encode(None)]
    return bytes(packets[0])


def decoded_size(codec: str, access_unit: bytes) -> tuple[int, int]:
    decoder = av.CodecContext.create("h264" if codec == "h264" else "hevc", "r")
    frames = [*decoder.decode(av.Packet(access_unit)), *decoder.decode(None)]
    return frames[0].width, frames[0].height


ENCODED_SIZES = [
    ("libx264", 1280, 720, "yuv420p", ""),
    ("libx264", 1920, 1080, "yuv420p", ""),
    ("libx264", 640, 360, "yuv420p", ""),
    ("libx264", 1918, 1078, "yuv420p", ""),
    ("libx264", 354, 290, "yuv420p", ""),
    ("libx264", 1920, 1080, "yuv420p", "interlaced=1"),
    ("libx264", 322, 242, "yuv422p", ""),
    ("libx264", 330, 250, "yuv444p", ""),
    ("libx264", 640, 360, "yuv420p10le", ""),
    ("libx265", 1280, 720, "yuv420p", "log-level=none"),
    ("libx265", 1920, 1080, "yuv420p", "log-level=none"),
    ("libx265", 640, 360, "yuv420p", "log-level=none"),
    ("libx265", 1918, 1078, "yuv420p", "log-level=none"),
    ("libx265", 354, 290, "yuv444p", "log-level=none"),
    ("libx265", 640, 360, "yuv420p10le", "log-level=none"),
]


@pytest.mark.parametrize(("encoder", "width", "height", "pix_fmt", "params"), ENCODED_SIZES)
def test_sps_from_encoders(encoder: str, width: int, height: int, pix_fmt: str, params: str) -> None:
    codec = "h264" if encoder == "libx264" else "h265"
    access_unit = first_access_unit(encoder, width, height, pix_fmt, params)
    sps = next(unit for unit in nal.split_annexb(access_unit) if nal.is_sps(codec, unit))
    assert nal.parse_sps_dimensions(codec, sps) == (width, height) == decoded_size(codec, access_unit)
    parsed = nal.parse_h264_sps(sps) if codec == "h264" else nal.parse_h265_sps(sps)
    expected_chroma = {"yuv420p": 1, "yuv420p10le": 1, "yuv422p": 2, "yuv444p": 3}[pix_fmt]
    expected_depth = 10 if pix_fmt.endswith("10le") else 8
    assert parsed.chroma_format_idc == expected_chroma
    assert parsed.bit_depth_luma == parsed.bit_depth_chroma == expected_depth
