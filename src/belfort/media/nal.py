"""H.264 and H.265 bitstream helpers: NAL unit framing, types and the few SPS fields we need.

Cameras send Annex B (start codes); MP4 stores AVCC (4-byte big-endian lengths). Belfort
copies NAL units between the two without touching their payload, and reads only what the
MP4 headers need from the SPS: picture size, profile, level, chroma format, bit depth.
Everything here is pure and must stay fast on the packet path: framing uses C searches (a
compiled regex, `bytes.find`), never a Python loop per byte. Nothing here decodes pictures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

H264 = "h264"
H265 = "h265"

_START_CODE = re.compile(b"\x00\x00\x01")
_EMULATION_PREVENTION = b"\x00\x00\x03"

H264_IDR = 5
H264_SPS = 7
H264_PPS = 8
H264_AUD = 9
H265_VPS = 32
H265_SPS = 33
H265_PPS = 34
H265_AUD = 35
_H265_IRAP = range(16, 24)

_H264_HIGH_PROFILES = frozenset({100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135})
"""Profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices (7.3.2.1.1)."""


def split_annexb(data: bytes) -> list[bytes]:
    """NAL units of an Annex B byte stream, without start codes; bytes before the first start code are ignored.

    Zero bytes before a start code (the first byte of a 4-byte start code, or trailing_zero_8bits)
    are not part of the NAL unit before it: a NAL unit never ends in a zero byte. Start codes
    are found by the regex engine's C search, about twice as fast as `bytes.find` for this
    three-byte pattern (measured: 150 KB keyframe, 50 against 100 µs).
    """
    starts = [match.end() for match in _START_CODE.finditer(data)]
    units: list[bytes] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 3 if index + 1 < len(starts) else len(data)
        while end > start and data[end - 1] == 0:
            end -= 1
        if end > start:
            units.append(data[start:end])
    return units


def split_avcc(data: bytes, length_size: int = 4) -> list[bytes]:
    """NAL units of length-prefixed data (MP4 samples); raises ValueError when a length overruns the data."""
    if length_size not in (1, 2, 4):
        raise ValueError(f"NAL length size must be 1, 2 or 4 bytes, not {length_size}")
    units: list[bytes] = []
    pos = 0
    size = len(data)
    while pos < size:
        if pos + length_size > size:
            raise ValueError(f"truncated NAL length at byte {pos} of {size}")
        length = int.from_bytes(data[pos : pos + length_size], "big")
        pos += length_size
        if pos + length > size:
            raise ValueError(f"NAL unit of {length} bytes at byte {pos} overruns the {size}-byte sample")
        units.append(data[pos : pos + length])
        pos += length
    return units


def to_avcc(nals: Iterable[bytes]) -> bytes:
    """Length-prefixed (4-byte big-endian) form of NAL units, as MP4 samples store them."""
    parts: list[bytes] = []
    for unit in nals:
        parts.append(len(unit).to_bytes(4, "big"))
        parts.append(unit)
    return b"".join(parts)


def nal_type(codec: str, nal: bytes) -> int:
    """nal_unit_type from the NAL header (5 bits for H.264, 6 bits for H.265)."""
    if codec == H264:
        return nal[0] & 0x1F
    if codec == H265:
        return (nal[0] >> 1) & 0x3F
    raise ValueError(f"unknown codec {codec!r}: expected 'h264' or 'h265'")


def is_parameter_set(codec: str, nal: bytes) -> bool:
    """SPS or PPS (H.264); VPS, SPS or PPS (H.265)."""
    kind = nal_type(codec, nal)
    return kind in (H264_SPS, H264_PPS) if codec == H264 else kind in (H265_VPS, H265_SPS, H265_PPS)


def is_sps(codec: str, nal: bytes) -> bool:
    return nal_type(codec, nal) == (H264_SPS if codec == H264 else H265_SPS)


def is_keyframe_nal(codec: str, nal: bytes) -> bool:
    """A slice a decoder can start from: IDR (H.264) or IRAP, i.e. BLA, IDR or CRA (H.265)."""
    kind = nal_type(codec, nal)
    return kind == H264_IDR if codec == H264 else kind in _H265_IRAP


def is_access_unit_delimiter(codec: str, nal: bytes) -> bool:
    return nal_type(codec, nal) == (H264_AUD if codec == H264 else H265_AUD)


def remove_emulation_prevention(data: bytes) -> bytes:
    """The RBSP of a NAL unit: every 0x03 of a 0x000003 sequence removed (7.4.1 / 7.4.2)."""
    found = data.find(_EMULATION_PREVENTION)
    if found < 0:
        return data
    parts: list[bytes] = []
    pos = 0
    while found >= 0:
        parts.append(data[pos : found + 2])
        pos = found + 3
        found = data.find(_EMULATION_PREVENTION, pos)
    parts.append(data[pos:])
    return b"".join(parts)


class BitReader:
    """Reads fixed-width and exp-Golomb fields MSB first; ValueError past the end."""

    def __init__(self, data: bytes) -> None:
        self._value = int.from_bytes(data, "big")
        self._size = len(data) * 8
        self._pos = 0

    def bits(self, count: int) -> int:
        end = self._pos + count
        if end > self._size:
            raise ValueError("SPS ends early: the parameter set is truncated or corrupt")
        self._pos = end
        return (self._value >> (self._size - end)) & ((1 << count) - 1)

    def flag(self) -> bool:
        return self.bits(1) == 1

    def ue(self) -> int:
        """Unsigned exp-Golomb code (9.1)."""
        zeros = 0
        while self.bits(1) == 0:
            zeros += 1
            if zeros > 31:
                raise ValueError("exp-Golomb code longer than 32 bits: the SPS is corrupt")
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        """Signed exp-Golomb code (9.1.1)."""
        code = self.ue()
        return (code + 1) // 2 if code & 1 else -(code // 2)


@dataclass(frozen=True)
class H264Sps:
    profile_idc: int
    constraint_flags: int
    level_idc: int
    chroma_format_idc: int
    bit_depth_luma: int
    bit_depth_chroma: int
    width: int
    height: int
    """Displayed size, after cropping."""


@dataclass(frozen=True)
class H265Sps:
    profile_space: int
    tier_flag: int
    profile_idc: int
    profile_compatibility_flags: int
    """32 bits, general_profile_compatibility_flag[0] being the most significant."""
    constraint_indicator_flags: int
    """48 bits, as they appear in profile_tier_level."""
    level_idc: int
    max_sub_layers: int
    temporal_id_nested: bool
    chroma_format_idc: int
    bit_depth_luma: int
    bit_depth_chroma: int
    width: int
    height: int
    """Displayed size, after the conformance window."""


def _skip_scaling_list(reader: BitReader, size: int) -> None:
    last_scale = next_scale = 8
    for _ in range(size):
        if next_scale != 0:
            next_scale = (last_scale + reader.se() + 256) % 256
        if next_scale != 0:
            last_scale = next_scale


def parse_h264_sps(sps: bytes) -> H264Sps:
    """The fields of an H.264 SPS NAL unit (with its header) that MP4 needs (7.3.2.1.1)."""
    if len(sps) < 4 or sps[0] & 0x1F != H264_SPS:
        raise ValueError("not an H.264 sequence parameter set")
    reader = BitReader(remove_emulation_prevention(sps[1:]))
    profile_idc = reader.bits(8)
    constraint_flags = reader.bits(8)
    level_idc = reader.bits(8)
    reader.ue()  # seq_parameter_set_id
    chroma_format_idc, separate_colour_plane, depth_luma, depth_chroma = 1, False, 8, 8
    if profile_idc in _H264_HIGH_PROFILES:
        chroma_format_idc = reader.ue()
        if chroma_format_idc > 3:
            raise ValueError(f"chroma_format_idc {chroma_format_idc} is out of range: the SPS is corrupt")
        if chroma_format_idc == 3:
            separate_colour_plane = reader.flag()
        depth_luma = reader.ue() + 8
        depth_chroma = reader.ue() + 8
        reader.flag()  # qpprime_y_zero_transform_bypass_flag
        if reader.flag():  # seq_scaling_matrix_present_flag
            for index in range(8 if chroma_format_idc != 3 else 12):
                if reader.flag():
                    _skip_scaling_list(reader, 16 if index < 6 else 64)
    reader.ue()  # log2_max_frame_num_minus4
    pic_order_cnt_type = reader.ue()
    if pic_order_cnt_type == 0:
        reader.ue()  # log2_max_pic_order_cnt_lsb_minus4
    elif pic_order_cnt_type == 1:
        reader.flag()  # delta_pic_order_always_zero_flag
        reader.se()  # offset_for_non_ref_pic
        reader.se()  # offset_for_top_to_bottom_field
        for _ in range(reader.ue()):  # num_ref_frames_in_pic_order_cnt_cycle
            reader.se()
    elif pic_order_cnt_type != 2:
        raise ValueError(f"pic_order_cnt_type {pic_order_cnt_type} is out of range: the SPS is corrupt")
    reader.ue()  # max_num_ref_frames
    reader.flag()  # gaps_in_frame_num_value_allowed_flag
    width_mbs = reader.ue() + 1
    height_map_units = reader.ue() + 1
    frame_mbs_only = reader.flag()
    if not frame_mbs_only:
        reader.flag()  # mb_adaptive_frame_field_flag
    reader.flag()  # direct_8x8_inference_flag
    field_factor = 1 if frame_mbs_only else 2
    width = width_mbs * 16
    height = height_map_units * 16 * field_factor
    if reader.flag():  # frame_cropping_flag
        left, right, top, bottom = reader.ue(), reader.ue(), reader.ue(), reader.ue()
        if separate_colour_plane or chroma_format_idc == 0:
            crop_x, crop_y = 1, field_factor
        else:
            crop_x = 1 if chroma_format_idc == 3 else 2
            crop_y = (2 if chroma_format_idc == 1 else 1) * field_factor
        width -= crop_x * (left + right)
        height -= crop_y * (top + bottom)
    if width <= 0 or height <= 0:
        raise ValueError(f"SPS describes an empty picture ({width}x{height}): it is corrupt")
    return H264Sps(profile_idc, constraint_flags, level_idc, chroma_format_idc, depth_luma, depth_chroma, width, height)


def parse_h265_sps(sps: bytes) -> H265Sps:
    """The fields of an H.265 SPS NAL unit (with its header) that MP4 needs (7.3.2.2, 7.3.3)."""
    if len(sps) < 4 or (sps[0] >> 1) & 0x3F != H265_SPS:
        raise ValueError("not an H.265 sequence parameter set")
    reader = BitReader(remove_emulation_prevention(sps[2:]))
    reader.bits(4)  # sps_video_parameter_set_id
    sub_layers_minus1 = reader.bits(3)
    temporal_id_nested = reader.flag()
    profile_space = reader.bits(2)
    tier_flag = reader.bits(1)
    profile_idc = reader.bits(5)
    compatibility = reader.bits(32)
    constraints = reader.bits(48)
    level_idc = reader.bits(8)
    present = [(reader.flag(), reader.flag()) for _ in range(sub_layers_minus1)]
    if sub_layers_minus1 > 0:
        reader.bits(2 * (8 - sub_layers_minus1))  # reserved_zero_2bits
    for profile_present, level_present in present:
        if profile_present:
            reader.bits(88)
        if level_present:
            reader.bits(8)
    reader.ue()  # sps_seq_parameter_set_id
    chroma_format_idc = reader.ue()
    if chroma_format_idc > 3:
        raise ValueError(f"chroma_format_idc {chroma_format_idc} is out of range: the SPS is corrupt")
    separate_colour_plane = chroma_format_idc == 3 and reader.flag()
    width = reader.ue()
    height = reader.ue()
    if reader.flag():  # conformance_window_flag
        left, right, top, bottom = reader.ue(), reader.ue(), reader.ue(), reader.ue()
        if separate_colour_plane or chroma_format_idc == 0:
            sub_width, sub_height = 1, 1
        else:
            sub_width = 1 if chroma_format_idc == 3 else 2
            sub_height = 2 if chroma_format_idc == 1 else 1
        width -= sub_width * (left + right)
        height -= sub_height * (top + bottom)
    depth_luma = reader.ue() + 8
    depth_chroma = reader.ue() + 8
    if width <= 0 or height <= 0:
        raise ValueError(f"SPS describes an empty picture ({width}x{height}): it is corrupt")
    return H265Sps(
        profile_space,
        tier_flag,
        profile_idc,
        compatibility,
        constraints,
        level_idc,
        sub_layers_minus1 + 1,
        temporal_id_nested,
        chroma_format_idc,
        depth_luma,
        depth_chroma,
        width,
        height,
    )


def parse_sps_dimensions(codec: str, sps: bytes) -> tuple[int, int]:
    """Displayed (width, height) from an SPS NAL unit; ValueError if it is not one or is corrupt."""
    if codec == H264:
        parsed_264 = parse_h264_sps(sps)
        return parsed_264.width, parsed_264.height
    if codec == H265:
        parsed_265 = parse_h265_sps(sps)
        return parsed_265.width, parsed_265.height
    raise ValueError(f"unknown codec {codec!r}: expected 'h264' or 'h265'")
