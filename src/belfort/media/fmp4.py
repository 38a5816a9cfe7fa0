"""Fragmented MP4, written and read by Belfort itself: init segment, media fragments, scanner.

A recording is `ftyp+moov` (one video track, no samples) followed by one `moof+mdat` per
GOP; live view sends the same init segment and one fragment per frame to the browser's
Media Source Extensions. Writing the boxes ourselves (as Moonfire NVR does) gives exact
byte offsets for the index, no muxer on the packet path, and crash recovery by `scan`: a
file is valid up to the end of its last complete fragment, whatever was cut after it.
Samples are copied, never decoded or re-encoded. Building is pure; `scan` only reads box
headers and `moof` boxes from the file it is given and never writes to it.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Literal, NamedTuple

from belfort.media import nal

Codec = Literal["h264", "h265"]

TRACK_ID = 1
SYNC_SAMPLE_FLAGS = 0x02000000
"""sample_depends_on = 2 (depends on no other sample), sample_is_non_sync_sample = 0."""
NON_SYNC_SAMPLE_FLAGS = 0x01010000
"""sample_depends_on = 1 (depends on others), sample_is_non_sync_sample = 1."""
_NON_SYNC_BIT = 0x00010000

_MAX_HEADER_BOX = 64 << 20
"""`moov` and `moof` are read into memory; a larger one is not ours (a corrupt size field)."""

_PARAMETER_SET_ORDER = {
    "h264": (nal.H264_SPS, nal.H264_PPS),
    "h265": (nal.H265_VPS, nal.H265_SPS, nal.H265_PPS),
}
_PARAMETER_SET_NAMES = {
    nal.H264_SPS: "SPS",
    nal.H264_PPS: "PPS",
    nal.H265_VPS: "VPS",
    nal.H265_SPS: "SPS",
    nal.H265_PPS: "PPS",
}
_AVCC_WITHOUT_TRAILER = (66, 77, 88)
"""Baseline, Main, Extended: the profiles whose avcC has no chroma/bit-depth trailer (ISO/IEC 14496-15, 5.3.3.1)."""

_UNITY_MATRIX = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
_LANGUAGE_UND = 0x55C4


@dataclass(frozen=True)
class TrackInfo:
    """What a decoder needs before the first sample: codec, displayed size and parameter sets.

    Parameter sets are raw NAL units without start codes or lengths: SPS and PPS for H.264;
    VPS, SPS and PPS for H.265, in that order. Construction checks they are all there and
    that the SPS parses, so `init_segment` and `codec_string` cannot fail later. Two tracks
    are equal when all of this is equal: a changed parameter set means a new init segment.
    """

    codec: Codec
    width: int
    height: int
    parameter_sets: tuple[bytes, ...]
    timescale: int = 90_000

    def __post_init__(self) -> None:
        if self.codec not in _PARAMETER_SET_ORDER:
            raise ValueError(f"unknown codec {self.codec!r}: expected 'h264' or 'h265'")
        if not (0 < self.width <= 0xFFFF and 0 < self.height <= 0xFFFF):
            raise ValueError(f"picture size {self.width}x{self.height} does not fit an MP4 sample entry")
        if not 0 < self.timescale <= 0xFFFFFFFF:
            raise ValueError(f"timescale {self.timescale} must be a positive 32-bit number")
        _check_parameter_sets(self.codec, self.parameter_sets)
        nal.parse_sps_dimensions(self.codec, self.sps)  # so init_segment and codec_string cannot fail later

    @classmethod
    def from_nals(
        cls, codec: str, nals: Iterable[bytes], width: int | None = None, height: int | None = None
    ) -> TrackInfo:
        """The track described by the parameter sets among `nals` (e.g. a keyframe's NAL units).

        Other NAL units are ignored; duplicates are dropped. The size is read from the SPS
        unless both `width` and `height` are given. Raises ValueError when a parameter set is
        missing or the SPS cannot be parsed.
        """
        if codec not in _PARAMETER_SET_ORDER:
            raise ValueError(f"unknown codec {codec!r}: expected 'h264' or 'h265'")
        checked: Codec = "h264" if codec == "h264" else "h265"
        by_kind: dict[int, list[bytes]] = {kind: [] for kind in _PARAMETER_SET_ORDER[checked]}
        for unit in nals:
            if unit and nal.is_parameter_set(checked, unit):
                found = by_kind[nal.nal_type(checked, unit)]
                if unit not in found:
                    found.append(bytes(unit))
        sets = tuple(unit for kind in _PARAMETER_SET_ORDER[checked] for unit in by_kind[kind])
        _check_parameter_sets(checked, sets)
        if not width or not height:
            width, height = nal.parse_sps_dimensions(checked, _first_sps(checked, sets))
        return cls(checked, width, height, sets)

    @property
    def sps(self) -> bytes:
        return _first_sps(self.codec, self.parameter_sets)

    def codec_string(self) -> str:
        """RFC 6381 codec string for MSE `addSourceBuffer` (ISO/IEC 14496-15 Annex E for H.265)."""
        if self.codec == "h264":
            return "avc1." + self.sps[1:4].hex().upper()
        sps = nal.parse_h265_sps(self.sps)
        compatibility = int(f"{sps.profile_compatibility_flags:032b}"[::-1], 2)
        constraints = sps.constraint_indicator_flags.to_bytes(6, "big").rstrip(b"\x00")
        return "".join(
            (
                "hvc1.",
                ("", "A", "B", "C")[sps.profile_space],
                f"{sps.profile_idc}.{compatibility:X}.",
                f"{'H' if sps.tier_flag else 'L'}{sps.level_idc}",
                *(f".{byte:02X}" for byte in constraints),
            )
        )


def _check_parameter_sets(codec: Codec, units: tuple[bytes, ...]) -> None:
    kinds = set()
    for unit in units:
        if not unit or not nal.is_parameter_set(codec, unit):
            raise ValueError(f"{codec} parameter sets must be non-empty VPS/SPS/PPS NAL units")
        kinds.add(nal.nal_type(codec, unit))
    missing = [_PARAMETER_SET_NAMES[k] for k in _PARAMETER_SET_ORDER[codec] if k not in kinds]
    if missing:
        raise ValueError(f"{codec} track lacks its {' and '.join(missing)}: wait for a keyframe with them")


def _first_sps(codec: str, units: Iterable[bytes]) -> bytes:
    for unit in units:
        if nal.is_sps(codec, unit):
            return unit
    raise ValueError(f"{codec} track lacks its SPS: wait for a keyframe with it")


@dataclass(frozen=True, slots=True)
class Sample:
    """One access unit: all NAL units of one picture in AVCC form (4-byte lengths).

    Parameter sets belong in the track's init segment and should be stripped from samples.
    `duration` is in timescale ticks (the time to the next sample's decode time) and must
    be positive; `composition_offset` is presentation minus decode time (0 without B-frames).
    """

    data: bytes
    duration: int
    keyframe: bool
    composition_offset: int = 0


def _box(kind: bytes, *payload: bytes) -> bytes:
    return b"".join((struct.pack(">I4s", 8 + sum(len(part) for part in payload), kind), *payload))


def _full_box(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *payload)


def _avcc(track: TrackInfo) -> bytes:
    sps_list = [ps for ps in track.parameter_sets if nal.nal_type("h264", ps) == nal.H264_SPS]
    pps_list = [ps for ps in track.parameter_sets if nal.nal_type("h264", ps) == nal.H264_PPS]
    first = sps_list[0]
    parts = [bytes((1, first[1], first[2], first[3], 0xFC | 3, 0xE0 | len(sps_list)))]  # 4-byte NAL lengths
    for unit in sps_list:
        parts += (struct.pack(">H", len(unit)), unit)
    parts.append(bytes((len(pps_list),)))
    for unit in pps_list:
        parts += (struct.pack(">H", len(unit)), unit)
    if first[1] not in _AVCC_WITHOUT_TRAILER:
        sps = nal.parse_h264_sps(first)
        parts.append(
            bytes((0xFC | sps.chroma_format_idc, 0xF8 | (sps.bit_depth_luma - 8), 0xF8 | (sps.bit_depth_chroma - 8), 0))
        )
    return _box(b"avcC", *parts)


def _hvcc(track: TrackInfo) -> bytes:
    sps = nal.parse_h265_sps(track.sps)
    arrays: list[bytes] = []
    for kind in _PARAMETER_SET_ORDER["h265"]:
        units = [ps for ps in track.parameter_sets if nal.nal_type("h265", ps) == kind]
        arrays.append(struct.pack(">BH", 0x80 | kind, len(units)))  # array_completeness = 1 (hvc1)
        for unit in units:
            arrays += (struct.pack(">H", len(unit)), unit)
    header = struct.pack(
        ">BBIIHBHBBBBHBB",
        1,  # configurationVersion
        (sps.profile_space << 6) | (sps.tier_flag << 5) | sps.profile_idc,
        sps.profile_compatibility_flags,
        sps.constraint_indicator_flags >> 16,
        sps.constraint_indicator_flags & 0xFFFF,
        sps.level_idc,
        0xF000,  # min_spatial_segmentation_idc = 0 (unknown)
        0xFC,  # parallelismType = 0 (unknown)
        0xFC | sps.chroma_format_idc,
        0xF8 | (sps.bit_depth_luma - 8),
        0xF8 | (sps.bit_depth_chroma - 8),
        0,  # avgFrameRate: unknown
        (sps.max_sub_layers << 3) | (int(sps.temporal_id_nested) << 2) | 3,  # lengthSizeMinusOne = 3
        len(_PARAMETER_SET_ORDER["h265"]),
    )
    return _box(b"hvcC", header, *arrays)


def _sample_entry(track: TrackInfo) -> bytes:
    kind, config = (b"avc1", _avcc(track)) if track.codec == "h264" else (b"hvc1", _hvcc(track))
    fields = struct.pack(
        ">6xH4x12xHHIIIH32sHh",
        1,  # data_reference_index
        track.width,
        track.height,
        0x00480000,  # 72 dpi
        0x00480000,
        0,
        1,  # frame_count
        b"\x07Belfort",
        0x0018,  # depth: colour, no alpha
        -1,
    )
    return _box(kind, fields, config)


def init_segment(track: TrackInfo) -> bytes:
    """`ftyp` + `moov` for one video track without samples (all samples come in fragments)."""
    brands = [b"iso5", b"iso6", b"mp41"] + ([b"avc1"] if track.codec == "h264" else [])
    ftyp = _box(b"ftyp", b"iso5", struct.pack(">I", 512), *brands)
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIIIIH10x", 0, 0, track.timescale, 0, 0x00010000, 0x0100),
        _UNITY_MATRIX,
        struct.pack(">24xI", TRACK_ID + 1),
    )
    tkhd = _full_box(
        b"tkhd",
        0,
        0x000003,  # enabled, in movie
        struct.pack(">IIIII8xhhhH", 0, 0, TRACK_ID, 0, 0, 0, 0, 0, 0),
        _UNITY_MATRIX,
        struct.pack(">II", track.width << 16, track.height << 16),
    )
    mdhd = _full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, track.timescale, 0, _LANGUAGE_UND, 0))
    hdlr = _full_box(b"hdlr", 0, 0, struct.pack(">I4s12x", 0, b"vide"), b"VideoHandler\x00")
    vmhd = _full_box(b"vmhd", 0, 1, struct.pack(">HHHH", 0, 0, 0, 0))
    dinf = _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1)))
    empty = struct.pack(">I", 0)
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), _sample_entry(track)),
        _full_box(b"stts", 0, 0, empty),
        _full_box(b"stsc", 0, 0, empty),
        _full_box(b"stsz", 0, 0, empty, empty),
        _full_box(b"stco", 0, 0, empty),
    )
    minf = _box(b"minf", vmhd, dinf, stbl)
    trak = _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf))
    mvex = _box(b"mvex", _full_box(b"trex", 0, 0, struct.pack(">IIIII", TRACK_ID, 1, 0, 0, 0)))
    return ftyp + _box(b"moov", mvhd, trak, mvex)


_FRAGMENT_HEAD = struct.Struct(">I4s" + "I4sII" + "I4s" + "I4sII" + "I4sIQ" + "I4sIIi")
"""moof, mfhd, traf, tfhd (default-base-is-moof), tfdt (version 1), trun up to its data_offset."""
_TFHD_DEFAULT_BASE_IS_MOOF = 0x020000
_TRUN_DATA_OFFSET = 0x000001
_TRUN_FIRST_SAMPLE_FLAGS = 0x000004
_TRUN_DURATION = 0x000100
_TRUN_SIZE = 0x000200
_TRUN_FLAGS = 0x000400
_TRUN_COMPOSITION_OFFSET = 0x000800
_TRUN_FLAGS_PLAIN = _TRUN_DATA_OFFSET | _TRUN_DURATION | _TRUN_SIZE | _TRUN_FLAGS
_TRUN_FLAGS_CTO = _TRUN_FLAGS_PLAIN | _TRUN_COMPOSITION_OFFSET
_MAX_U32 = 0xFFFFFFFF


def media_fragment(sequence_number: int, base_decode_time: int, samples: Sequence[Sample]) -> bytes:
    """`moof` + `mdat` holding `samples` back to back, the first decoded at `base_decode_time`.

    `sequence_number` should start at 1 and grow by one per fragment of a file or stream.
    Composition offsets are written only when one is non-zero (trun version 1, signed, when
    one is negative). This is the hot path: one struct.pack for the header, one for the
    sample table, one join for the payload.
    """
    count = len(samples)
    if count == 0:
        raise ValueError("a fragment needs at least one sample")
    durations = [s.duration for s in samples]
    if min(durations) <= 0:
        raise ValueError("sample durations must be positive: derive them from the next sample's decode time")
    sizes = [len(s.data) for s in samples]
    flags = [SYNC_SAMPLE_FLAGS if s.keyframe else NON_SYNC_SAMPLE_FLAGS for s in samples]
    offsets = [s.composition_offset for s in samples]
    if any(offsets):
        version = 1 if min(offsets) < 0 else 0
        if version:
            offsets = [offset & _MAX_U32 for offset in offsets]  # signed 32-bit, two's complement
        columns: tuple[list[int], ...] = (durations, sizes, flags, offsets)
        trun_flags = (version << 24) | _TRUN_FLAGS_CTO
    else:
        columns = (durations, sizes, flags)
        trun_flags = _TRUN_FLAGS_PLAIN
    width = len(columns)
    values = [0] * (count * width)
    for index, column in enumerate(columns):
        values[index::width] = column
    table = struct.pack(f">{count * width}I", *values)
    payload_size = sum(sizes)
    moof_size = _FRAGMENT_HEAD.size + len(table)
    if payload_size + 8 > _MAX_U32:
        mdat_header = struct.pack(">I4sQ", 1, b"mdat", payload_size + 16)  # largesize
    else:
        mdat_header = struct.pack(">I4s", payload_size + 8, b"mdat")
    head = _FRAGMENT_HEAD.pack(
        moof_size,
        b"moof",
        16,
        b"mfhd",
        0,
        sequence_number,
        moof_size - 24,
        b"traf",
        16,
        b"tfhd",
        _TFHD_DEFAULT_BASE_IS_MOOF,
        TRACK_ID,
        20,
        b"tfdt",
        1 << 24,
        base_decode_time,
        20 + len(table),
        b"trun",
        trun_flags,
        count,
        moof_size + len(mdat_header),
    )
    return b"".join((head, table, mdat_header, *(s.data for s in samples)))


@dataclass
class FragmentInfo:
    offset: int
    """Byte offset of the `moof` in the file."""
    size: int
    """Bytes of `moof` + `mdat`."""
    sequence_number: int
    base_decode_time: int
    """Timescale ticks from the start of the file's timeline."""
    duration: int
    """Sum of the sample durations, in timescale ticks."""
    sample_count: int
    starts_with_keyframe: bool


@dataclass
class ScanResult:
    init_size: int
    """Bytes of `ftyp` + `moov`; 0 when the init segment is missing or cut short."""
    fragments: list[FragmentInfo]
    valid_length: int
    """Bytes up to the end of the last complete fragment (or of the init segment)."""
    truncated: bool
    """Bytes follow `valid_length`: a fragment cut short by a crash, or garbage."""
    track: TrackInfo | None
    """The track described by the `moov`, if it could be read."""


class _Defaults(NamedTuple):
    """Per-sample values that a `trun` may leave out (from `trex`, overridden by `tfhd`)."""

    duration: int = 0
    size: int | None = None
    flags: int = 0


class _BoxHeader(NamedTuple):
    kind: bytes
    offset: int
    header_size: int
    size: int

    @property
    def end(self) -> int:
        return self.offset + self.size


def scan(fileobj: BinaryIO) -> ScanResult:
    """Index a segment file: its track and every complete fragment, whatever follows them.

    Reads only box headers, `moov` and `moof` boxes; `mdat` payloads are seeked over. The
    file must start with `ftyp` + `moov` followed by `moof` + `mdat` pairs; the first thing
    that is not a complete pair (a cut, zeros left by a crash, garbage) ends the valid part.
    Never raises for a malformed file; I/O errors are the caller's.
    """
    file_size = fileobj.seek(0, io.SEEK_END)
    ftyp = _read_box_header(fileobj, 0, file_size)
    if ftyp is None or ftyp.kind != b"ftyp" or ftyp.end > file_size:
        return ScanResult(0, [], 0, file_size > 0, None)
    moov = _read_box_header(fileobj, ftyp.end, file_size)
    if moov is None or moov.kind != b"moov" or moov.end > file_size or moov.size > _MAX_HEADER_BOX:
        return ScanResult(0, [], 0, file_size > 0, None)
    fileobj.seek(moov.offset + moov.header_size)
    track, defaults = _parse_moov(fileobj.read(moov.size - moov.header_size))
    fragments: list[FragmentInfo] = []
    valid_length = moov.end
    while (fragment := _read_fragment(fileobj, valid_length, file_size, defaults)) is not None:
        fragments.append(fragment)
        valid_length = fragment.offset + fragment.size
    return ScanResult(moov.end, fragments, valid_length, file_size > valid_length, track)


def _read_box_header(fileobj: BinaryIO, offset: int, file_size: int) -> _BoxHeader | None:
    """The header of the box at `offset`, which may extend past the end of the file; None if unreadable."""
    if offset + 8 > file_size:
        return None
    fileobj.seek(offset)
    head = fileobj.read(8)
    if len(head) < 8:
        return None
    size, kind = struct.unpack(">I4s", head)
    header_size = 8
    if size == 1:
        if offset + 16 > file_size:
            return None
        large = fileobj.read(8)
        if len(large) < 8:
            return None
        (size,) = struct.unpack(">Q", large)
        header_size = 16
    if size < header_size:  # 0 ("to the end of the file") is never written by us: a crash left zeros
        return None
    return _BoxHeader(kind, offset, header_size, size)


def _children(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """(kind, payload start, payload end) of the boxes in data[start:end]; ValueError if they do not tile it."""
    end = len(data) if end is None else end
    pos = start
    while pos < end:
        if pos + 8 > end:
            raise ValueError("box header cut short")
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise ValueError("box header cut short")
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        if size < header or pos + size > end:
            raise ValueError(f"box {kind!r} has an impossible size {size}")
        yield kind, pos + header, pos + size
        pos += size


def _child(data: bytes, kind: bytes, start: int = 0, end: int | None = None) -> tuple[int, int]:
    for found, payload_start, payload_end in _children(data, start, end):
        if found == kind:
            return payload_start, payload_end
    raise ValueError(f"no {kind!r} box")


def _parse_moov(moov: bytes) -> tuple[TrackInfo | None, _Defaults]:
    """The first video track of a `moov` payload and the `trex` defaults; (None, defaults) if unreadable."""
    try:
        defaults = _parse_trex(moov)
    except (ValueError, struct.error):
        defaults = _Defaults()
    try:
        track = _parse_track(moov)
    except (ValueError, struct.error, IndexError):
        track = None
    return track, defaults


def _parse_trex(moov: bytes) -> _Defaults:
    start, end = _child(moov, b"mvex")
    for kind, payload, _ in _children(moov, start, end):
        if kind == b"trex":
            track_id, _, duration, size, flags = struct.unpack_from(">5I", moov, payload + 4)
            if track_id == TRACK_ID:
                return _Defaults(duration, size or None, flags)
    return _Defaults()


def _parse_track(moov: bytes) -> TrackInfo:
    trak = _child(moov, b"trak")
    mdia = _child(moov, b"mdia", *trak)
    mdhd, _ = _child(moov, b"mdhd", *mdia)
    version = moov[mdhd]
    (timescale,) = struct.unpack_from(">I", moov, mdhd + (20 if version == 1 else 12))
    minf = _child(moov, b"minf", *mdia)
    stbl = _child(moov, b"stbl", *minf)
    stsd, stsd_end = _child(moov, b"stsd", *stbl)
    first_entry = next(_children(moov, stsd + 8, stsd_end), None)
    if first_entry is None:
        raise ValueError("stsd without a sample entry")
    kind, entry, entry_end = first_entry
    codec: Codec
    if kind in (b"avc1", b"avc3"):
        codec, config_kind = "h264", b"avcC"
    elif kind in (b"hvc1", b"hev1"):
        codec, config_kind = "h265", b"hvcC"
    else:
        raise ValueError(f"sample entry {kind!r} is neither H.264 nor H.265")
    width, height = struct.unpack_from(">HH", moov, entry + 24)
    config, config_end = _child(moov, config_kind, entry + 78, entry_end)
    record = moov[config:config_end]
    sets = parameter_sets_from_record(codec, record)
    return TrackInfo(codec, width, height, tuple(sets), timescale)


def track_of_init(init: bytes) -> TrackInfo:
    """The track an init segment (`ftyp` + `moov`, as `init_segment` writes it) describes;
    ValueError when it is not one."""
    offset = 0
    while offset + 8 <= len(init):
        size, kind = struct.unpack_from(">I4s", init, offset)
        if size < 8:
            break
        if kind == b"moov":
            track, _ = _parse_moov(init[offset + 8 : offset + size])
            if track is not None:
                return track
            break
        offset += size
    raise ValueError("not an init segment of one H.264 or H.265 track")


def single_sample(fragment: bytes) -> tuple[int, int, bool, int, bytes]:
    """The one sample of a live fragment (`moof` + `mdat`, as `media_fragment` writes one per
    frame): (decode time, duration, keyframe, composition offset, data). ValueError otherwise."""
    try:
        moof_size = struct.unpack_from(">I", fragment, 0)[0]
        moof = fragment[:moof_size]
        _, base_decode_time, duration, count, keyframe, data_start, data_end = _parse_moof(moof, 8, _Defaults())
        traf, traf_end = _child(moof, b"traf", 8)
        trun, _ = _child(moof, b"trun", traf, traf_end)
        flags = struct.unpack_from(">I", moof, trun)[0] & 0xFFFFFF
    except (struct.error, IndexError) as exc:
        raise ValueError(f"not a live fragment: {exc}") from None
    if count != 1 or data_end is None:
        raise ValueError("a live fragment holds one sample of known size")
    offset = 0
    if flags & _TRUN_COMPOSITION_OFFSET:
        fields = [bit for bit in (_TRUN_DURATION, _TRUN_SIZE, _TRUN_FLAGS) if flags & bit]
        position = trun + 8 + (4 if flags & _TRUN_DATA_OFFSET else 0) + (4 if flags & _TRUN_FIRST_SAMPLE_FLAGS else 0)
        (offset,) = struct.unpack_from(">i", moof, position + 4 * len(fields))
    return base_decode_time, duration, keyframe, offset, bytes(fragment[data_start:data_end])


def retime_fragment(fragment: bytearray, sequence_number: int, shift: int) -> int:
    """Renumber a `moof`+`mdat` and move its decode time by `shift` ticks, in place.

    The fragment keeps its size and its samples are not touched: this is how fragments of
    several files become one file without transcoding. Only the start of the fragment (its
    `moof`) needs to be present. Returns the new base decode time; ValueError when the
    result would be negative or not fit the `tfdt`.
    """
    size, kind = struct.unpack_from(">I4s", fragment, 0)
    if kind != b"moof" or size > len(fragment):
        raise ValueError("not the start of a fragment: expected a whole moof box")
    mfhd, _ = _child(fragment, b"mfhd", 8, size)
    struct.pack_into(">I", fragment, mfhd + 4, sequence_number)
    traf, traf_end = _child(fragment, b"traf", 8, size)
    tfdt, _ = _child(fragment, b"tfdt", traf, traf_end)
    wide = fragment[tfdt] == 1
    (base,) = struct.unpack_from(">Q" if wide else ">I", fragment, tfdt + 4)
    moved = base + shift
    if moved < 0 or moved > (0xFFFFFFFFFFFFFFFF if wide else _MAX_U32):
        raise ValueError(f"decode time {base} moved by {shift} does not fit the fragment")
    struct.pack_into(">Q" if wide else ">I", fragment, tfdt + 4, moved)
    return moved


def parameter_sets_from_record(codec: str, record: bytes) -> list[bytes]:
    """The SPS/PPS (and VPS) of an avcC or hvcC decoder configuration record.

    Raises ValueError (or IndexError/struct.error on a record cut short)."""
    return _avcc_parameter_sets(record) if codec == "h264" else _hvcc_parameter_sets(record)


def _avcc_parameter_sets(record: bytes) -> list[bytes]:
    sets: list[bytes] = []
    pos = 5
    for mask in (0x1F, 0xFF):  # numOfSequenceParameterSets (5 bits), numOfPictureParameterSets
        count = record[pos] & mask
        pos += 1
        for _ in range(count):
            (length,) = struct.unpack_from(">H", record, pos)
            sets.append(_slice_exact(record, pos + 2, length))
            pos += 2 + length
    return sets


def _hvcc_parameter_sets(record: bytes) -> list[bytes]:
    sets: list[bytes] = []
    pos = 23
    for _ in range(record[22]):  # numOfArrays
        (count,) = struct.unpack_from(">H", record, pos + 1)
        pos += 3
        for _ in range(count):
            (length,) = struct.unpack_from(">H", record, pos)
            sets.append(_slice_exact(record, pos + 2, length))
            pos += 2 + length
    return sets


def _slice_exact(data: bytes, start: int, length: int) -> bytes:
    if start + length > len(data):
        raise ValueError("parameter set overruns its decoder configuration record")
    return data[start : start + length]


def _read_fragment(fileobj: BinaryIO, offset: int, file_size: int, defaults: _Defaults) -> FragmentInfo | None:
    """The complete `moof` + `mdat` pair at `offset`, or None (cut short, corrupt or not a fragment)."""
    moof = _read_box_header(fileobj, offset, file_size)
    if moof is None or moof.kind != b"moof" or moof.end > file_size or moof.size > _MAX_HEADER_BOX:
        return None
    mdat = _read_box_header(fileobj, moof.end, file_size)
    if mdat is None or mdat.kind != b"mdat" or mdat.end > file_size:
        return None
    fileobj.seek(moof.offset)
    data = fileobj.read(moof.size)
    if len(data) < moof.size:
        return None
    try:
        fragment = _parse_moof(data, moof.header_size, defaults)
    except (ValueError, struct.error, IndexError):
        return None
    sequence_number, base_decode_time, duration, count, keyframe, data_start, data_end = fragment
    if data_end is not None and not (moof.size + mdat.header_size <= data_start and data_end <= moof.size + mdat.size):
        return None  # the sample table does not describe this mdat
    return FragmentInfo(offset, moof.size + mdat.size, sequence_number, base_decode_time, duration, count, keyframe)


def _parse_moof(moof: bytes, start: int, defaults: _Defaults) -> tuple[int, int, int, int, bool, int, int | None]:
    """(sequence number, base decode time, duration, sample count, starts with keyframe, data start, data end).

    Data offsets are relative to the `moof` start; data end is None when sample sizes are unknown.
    """
    mfhd, _ = _child(moof, b"mfhd", start)
    (sequence_number,) = struct.unpack_from(">I", moof, mfhd + 4)
    traf, traf_end = _child(moof, b"traf", start)
    tfhd, _ = _child(moof, b"tfhd", traf, traf_end)
    tfhd_flags, track_id = struct.unpack_from(">II", moof, tfhd)
    tfhd_flags &= 0xFFFFFF
    if track_id != TRACK_ID or tfhd_flags & 0x000001:  # another track, or an explicit base data offset
        raise ValueError("not a fragment of Belfort's single video track")
    pos = tfhd + 8 + (4 if tfhd_flags & 0x000002 else 0)
    duration_default, size_default, flags_default = defaults
    if tfhd_flags & 0x000008:
        (duration_default,) = struct.unpack_from(">I", moof, pos)
        pos += 4
    if tfhd_flags & 0x000010:
        (size_default,) = struct.unpack_from(">I", moof, pos)
        pos += 4
    if tfhd_flags & 0x000020:
        (flags_default,) = struct.unpack_from(">I", moof, pos)
    tfdt, _ = _child(moof, b"tfdt", traf, traf_end)
    if moof[tfdt] == 1:
        (base_decode_time,) = struct.unpack_from(">Q", moof, tfdt + 4)
    else:
        (base_decode_time,) = struct.unpack_from(">I", moof, tfdt + 4)
    duration = count = 0
    keyframe: bool | None = None
    data_start: int | None = None
    data_end: int | None = 0
    for kind, trun, trun_end in _children(moof, traf, traf_end):
        if kind != b"trun":
            continue
        run = _parse_trun(moof, trun, trun_end, _Defaults(duration_default, size_default, flags_default))
        run_count, run_duration, run_size, first_flags, run_offset = run
        if run_count == 0:
            continue
        run_start = data_end if run_offset is None else run_offset
        if run_start is None:
            raise ValueError("trun without data offset after one of unknown size")
        data_start = run_start if data_start is None else data_start
        data_end = None if run_size is None else run_start + run_size
        if keyframe is None:
            keyframe = not first_flags & _NON_SYNC_BIT
        count += run_count
        duration += run_duration
    if count == 0 or data_start is None or keyframe is None:
        raise ValueError("fragment without samples")
    return sequence_number, base_decode_time, duration, count, keyframe, data_start, data_end


def _parse_trun(moof: bytes, start: int, end: int, defaults: _Defaults) -> tuple[int, int, int | None, int, int | None]:
    """(sample count, duration, payload size or None, first sample's flags, data offset or None)."""
    version_flags, count = struct.unpack_from(">II", moof, start)
    flags = version_flags & 0xFFFFFF
    pos = start + 8
    data_offset: int | None = None
    if flags & _TRUN_DATA_OFFSET:
        (data_offset,) = struct.unpack_from(">i", moof, pos)
        pos += 4
    first_flags = defaults.flags
    if flags & _TRUN_FIRST_SAMPLE_FLAGS:
        (first_flags,) = struct.unpack_from(">I", moof, pos)
        pos += 4
    fields = [bit for bit in (_TRUN_DURATION, _TRUN_SIZE, _TRUN_FLAGS, _TRUN_COMPOSITION_OFFSET) if flags & bit]
    width = len(fields)
    if pos + count * width * 4 > end:
        raise ValueError(f"trun of {count} samples overruns its box")
    values = struct.unpack_from(f">{count * width}I", moof, pos) if width else ()
    columns = {bit: values[index::width] for index, bit in enumerate(fields)}
    duration = sum(columns[_TRUN_DURATION]) if _TRUN_DURATION in columns else defaults.duration * count
    size: int | None = sum(columns[_TRUN_SIZE]) if _TRUN_SIZE in columns else None
    if size is None and defaults.size is not None:
        size = defaults.size * count
    if count and _TRUN_FLAGS in columns and not flags & _TRUN_FIRST_SAMPLE_FLAGS:
        first_flags = columns[_TRUN_FLAGS][0]
    return count, duration, size, first_flags, data_offset
