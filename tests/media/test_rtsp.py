"""The lean RTSP client: SDP, authentication, RTP depacketization and interleaved framing on
hand-built bytes; the request flow against a scripted camera; whole streams from GStreamer's
RTSP server, checked frame for frame with the counter every served frame carries."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from belfort.media import nal
from belfort.media.frames import RawPacket, SourceError, StreamInfo
from belfort.media.rtsp import (
    Authenticator,
    Depacketizer,
    H264Depacketizer,
    H265Depacketizer,
    InterleavedStream,
    RtspClientSource,
    auth_parameters,
    digest_response,
    parse_sdp,
    resolve_control,
    rtsp_target,
)
from belfort.media.sources import RtspSource, source_for
from tests.support.cameras import H264, H265, Clip, RtspCameraServer, cached_clip, read_frame_counters
from tests.support.rtsp_camera_server import access_units, split_annexb

START = b"\x00\x00\x00\x01"

# --- building RTP by hand ----------------------------------------------------------------------


def rtp(
    sequence: int,
    timestamp: int,
    payload: bytes,
    *,
    marker: bool = False,
    payload_type: int = 96,
    csrcs: int = 0,
    extension: bytes | None = None,
    padding: int = 0,
) -> bytes:
    first = 0x80 | (0x20 if padding else 0) | (0x10 if extension is not None else 0) | csrcs
    header = struct.pack(
        ">BBHII", first, (0x80 if marker else 0) | payload_type, sequence & 0xFFFF, timestamp & 0xFFFFFFFF, 0xC0FFEE
    )
    header += b"\xaa\xbb\xcc\xdd" * csrcs
    if extension is not None:
        header += struct.pack(">HH", 0xBEDE, len(extension) // 4) + extension
    tail = b"\x00" * (padding - 1) + bytes([padding]) if padding else b""
    return header + payload + tail


def h264_payloads(nals: list[bytes], mtu: int = 100, aggregate: bool = False) -> list[bytes]:
    """RFC 6184 payloads for one access unit: STAP-A for small units (if asked), FU-A for large ones."""
    payloads: list[bytes] = []
    small: list[bytes] = []

    def flush_small() -> None:
        if len(small) > 1:
            payloads.append(bytes([0x18]) + b"".join(len(u).to_bytes(2, "big") + u for u in small))
        elif small:
            payloads.append(small[0])
        small.clear()

    for unit in nals:
        if len(unit) <= mtu:
            small.append(unit)
            if not aggregate:
                flush_small()
            continue
        flush_small()
        header, body = unit[0], unit[1:]
        pieces = [body[i : i + mtu] for i in range(0, len(body), mtu)]
        for index, piece in enumerate(pieces):
            fu = header & 0x1F | (0x80 if index == 0 else 0) | (0x40 if index == len(pieces) - 1 else 0)
            payloads.append(bytes([header & 0xE0 | 28, fu]) + piece)
    flush_small()
    return payloads


def h265_payloads(nals: list[bytes], mtu: int = 100) -> list[bytes]:
    """RFC 7798 payloads: small units gathered into one aggregation packet, large ones fragmented."""
    payloads: list[bytes] = []
    small = [u for u in nals if len(u) <= mtu]
    if len(small) > 1:
        payloads.append(bytes([48 << 1, 1]) + b"".join(len(u).to_bytes(2, "big") + u for u in small))
    elif small:
        payloads.append(small[0])
    for unit in nals:
        if len(unit) <= mtu:
            continue
        kind = (unit[0] >> 1) & 0x3F
        body = unit[2:]
        pieces = [body[i : i + mtu] for i in range(0, len(body), mtu)]
        for index, piece in enumerate(pieces):
            fu = kind | (0x80 if index == 0 else 0) | (0x40 if index == len(pieces) - 1 else 0)
            payloads.append(bytes([(unit[0] & 0x81) | 49 << 1, unit[1], fu]) + piece)
    return payloads


@dataclass
class Stream:
    """Consecutive RTP packets of one stream with a running sequence number."""

    sequence: int = 1000
    packets: list[bytes] = field(default_factory=list)

    def access_unit(self, timestamp: int, payloads: list[bytes], *, marker: bool = True) -> list[bytes]:
        made = []
        for index, payload in enumerate(payloads):
            last = index == len(payloads) - 1
            made.append(rtp(self.sequence, timestamp, payload, marker=marker and last))
            self.sequence += 1
        self.packets += made
        return made


def push_all(depacketizer: Depacketizer, packets: list[bytes]) -> list[RawPacket]:
    for packet in packets:
        depacketizer.push_packet(packet, 1.0)
    units = list(depacketizer.units)
    depacketizer.units.clear()
    return units


def annexb(nals: list[bytes]) -> bytes:
    return b"".join(START + unit for unit in nals)


SPS = bytes([0x67, 0x64, 0x00, 0x1F, 0xAC, 0xD9])
PPS = bytes([0x68, 0xEB, 0xE3, 0xCB])
SEI = bytes([0x06, 0x05, 0x02, 0xAA, 0xBB, 0x80])
IDR = bytes([0x65, 0x88]) + bytes(range(256)) * 2
SLICE = bytes([0x41, 0x9A]) + bytes(range(200))
SECOND_SLICE = bytes([0x41, 0x40]) + bytes(range(50))  # first_mb_in_slice != 0
VPS = bytes([0x40, 0x01, 0x0C, 0x01, 0xFF])
HSPS = bytes([0x42, 0x01, 0x01, 0x01, 0x60])
HPPS = bytes([0x44, 0x01, 0xC1, 0x72])
IDR_W_RADL = bytes([19 << 1, 0x01, 0xAF]) + bytes(range(250)) * 2
TRAIL = bytes([1 << 1, 0x01, 0xD0]) + bytes(range(120))


# --- SDP, URLs, authentication -----------------------------------------------------------------

GSTREAMER_H264_SDP = """v=0
o=- 15119336645515113927 1 IN IP4 127.0.0.1
s=Session streamed with GStreamer
t=0 0
a=control:*
a=range:npt=now-
m=audio 0 RTP/AVP 0
a=control:stream=1
m=video 0 RTP/AVP 96
c=IN IP4 0.0.0.0
a=rtpmap:96 H264/90000
a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z2QAFqy0BQF/ywgAAAMACAAAAwFAeLF1,aO88sA==
a=control:stream=0
"""

HEVC_SDP = (
    "v=0\r\no=- 0 0 IN IP4 10.0.0.5\r\ns=camera\r\nt=0 0\r\nm=video 0 RTP/AVP 98\r\na=rtpmap:98 H265/90000\r\n"
    "a=fmtp:98 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA/ugJA;"
    "sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA/oAUCAWllupJMrmgIAAADAAgAAAMAoEA=;sprop-pps=RAHBcrRiQA==\r\n"
    "a=control:rtsp://10.0.0.5:554/media/video1/trackID=1\r\n"
)


def test_sdp_h264_from_gstreamer() -> None:
    video = parse_sdp(GSTREAMER_H264_SDP, "rtsp://127.0.0.1:8554/a/")
    assert (video.codec, video.payload_type, video.clock_rate) == ("h264", 96, 90_000)
    assert video.control_url == "rtsp://127.0.0.1:8554/a/stream=0"
    assert video.session_url == "rtsp://127.0.0.1:8554/a/"
    assert [nal.nal_type("h264", unit) for unit in video.parameter_sets] == [7, 8]
    assert video.extradata == START + video.parameter_sets[0] + START + video.parameter_sets[1]


def test_sdp_h265_with_absolute_control() -> None:
    video = parse_sdp(HEVC_SDP, "rtsp://10.0.0.5:554/media/video1")
    assert (video.codec, video.payload_type) == ("h265", 98)
    assert video.control_url == "rtsp://10.0.0.5:554/media/video1/trackID=1"
    assert video.session_url == "rtsp://10.0.0.5:554/media/video1"
    assert [nal.nal_type("h265", unit) for unit in video.parameter_sets] == [32, 33, 34]
    assert not video.decoding_order_numbers


def test_sdp_without_usable_video_names_what_the_camera_sends() -> None:
    with pytest.raises(SourceError, match="no video"):
        parse_sdp("v=0\nm=audio 0 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n", "rtsp://cam/")
    with pytest.raises(SourceError, match=r"MP4V-ES video; Belfort records H\.264 and H\.265"):
        parse_sdp("v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 MP4V-ES/90000\n", "rtsp://cam/")


def test_sdp_skips_to_the_first_h264_or_h265_format() -> None:
    sdp = "v=0\nm=video 0 RTP/AVP 26 97\na=rtpmap:97 HEVC/90000\na=fmtp:97 sprop-max-don-diff=2\na=control:v\n"
    video = parse_sdp(sdp, "rtsp://cam/live")
    assert (video.codec, video.payload_type, video.control_url) == ("h265", 97, "rtsp://cam/live/v")
    assert video.decoding_order_numbers and video.parameter_sets == ()


@pytest.mark.parametrize(
    ("base", "control", "expected"),
    [
        ("rtsp://cam:554/live/", "trackID=1", "rtsp://cam:554/live/trackID=1"),
        ("rtsp://cam:554/live.sdp", "trackID=1", "rtsp://cam:554/live.sdp/trackID=1"),
        ("rtsp://cam:554/live.sdp", "rtsp://other/track", "rtsp://other/track"),
        ("rtsp://cam:554/live.sdp", "RTSP://other/track", "RTSP://other/track"),
        ("rtsp://cam:554/live.sdp?ch=1", "*", "rtsp://cam:554/live.sdp?ch=1"),
        ("rtsp://cam:554/live.sdp", "", "rtsp://cam:554/live.sdp"),
        ("rtsp://cam:554/a/b", "/c/track1", "rtsp://cam:554/c/track1"),
    ],
)
def test_control_url_resolution(base: str, control: str, expected: str) -> None:
    assert resolve_control(base, control) == expected


def test_session_level_relative_control() -> None:
    sdp = "v=0\na=control:agg\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\na=control:track1\n"
    video = parse_sdp(sdp, "rtsp://cam/path/")
    assert (video.session_url, video.control_url) == ("rtsp://cam/path/agg", "rtsp://cam/path/track1")


def test_url_credentials_are_decoded_and_kept_out_of_the_request_url() -> None:
    target = rtsp_target("rtsp://op%40zone:p%3Ass%2Fw@10.0.0.5/Streaming/Channels/101?transport=tcp")
    assert (target.user, target.password) == ("op@zone", "p:ss/w")
    assert target.url == "rtsp://10.0.0.5/Streaming/Channels/101?transport=tcp"
    assert (target.host, target.port, target.address) == ("10.0.0.5", 554, "10.0.0.5:554")
    assert rtsp_target("rtsp://[::1]:8554/x").address == "[::1]:8554"
    assert rtsp_target("rtsp://cam/x").user is None


def test_digest_response_matches_rfc_2617() -> None:
    # RFC 2617, section 3.5.
    response = digest_response(
        "Mufasa", "Circle Of Life", "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "GET",
        "/dir/index.html", qop="auth", nc="00000001", cnonce="0a4f113b",
    )  # fmt: skip
    assert response == "6629fae49393a05397450978507c4ef1"


def test_digest_response_without_qop_is_rfc_2069() -> None:
    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - the scheme under test

    expected = md5(f"{md5('admin:cam:secret')}:n0nce:{md5('DESCRIBE:rtsp://cam/live')}")
    assert digest_response("admin", "secret", "cam", "n0nce", "DESCRIBE", "rtsp://cam/live") == expected


def test_authenticator_answers_digest_and_basic() -> None:
    challenge = 'Digest realm="IP Camera(C1234)", nonce="a1b2", qop="auth,auth-int", opaque="xyz", stale=FALSE'
    assert auth_parameters(challenge[7:])["realm"] == "IP Camera(C1234)"
    digest = Authenticator(['Basic realm="x"', challenge], "admin", "pw")
    header = digest.header("DESCRIBE", "rtsp://cam/live")
    fields = auth_parameters(header[7:])
    assert header.startswith("Digest ") and fields["qop"] == "auth" and fields["nc"] == "00000001"
    assert fields["opaque"] == "xyz" and fields["uri"] == "rtsp://cam/live"
    assert fields["response"] == digest_response(
        "admin", "pw", "IP Camera(C1234)", "a1b2", "DESCRIBE", "rtsp://cam/live",
        qop="auth", nc="00000001", cnonce=fields["cnonce"],
    )  # fmt: skip
    assert auth_parameters(digest.header("PLAY", "rtsp://cam/live")[7:])["nc"] == "00000002"
    basic = Authenticator(['Basic realm="cam"'], "admin", "pä:ss")
    assert basic.header("OPTIONS", "rtsp://cam/") == "Basic " + base64.b64encode("admin:pä:ss".encode()).decode()
    with pytest.raises(SourceError, match="SHA-256"):
        Authenticator(['Digest realm="r", nonce="n", algorithm=SHA-256'], "a", "b")
    with pytest.raises(SourceError, match="Negotiate"):
        Authenticator(["Negotiate"], "a", "b")


# --- depacketization -------------------------------------------------------------------------


def test_h264_single_units_stap_a_and_fu_a() -> None:
    stream = Stream()
    first = stream.access_unit(3000, h264_payloads([SPS, PPS, SEI, IDR], aggregate=True))
    second = stream.access_unit(6000, h264_payloads([SLICE]))
    assert first[0][12] == 0x18 and first[1][12] & 0x1F == 28  # a STAP-A, then FU-A fragments
    units = push_all(H264Depacketizer(96), stream.packets)
    assert [u.data for u in units] == [annexb([SPS, PPS, SEI, IDR]), annexb([SLICE])]
    assert [(u.pts, u.dts, u.keyframe) for u in units] == [(3000, 3000, True), (6000, 6000, False)]
    assert len(second) == 3


def test_several_slices_make_one_access_unit() -> None:
    stream = Stream()
    stream.access_unit(0, h264_payloads([SEI, SLICE, SECOND_SLICE, SECOND_SLICE]))
    units = push_all(H264Depacketizer(96), stream.packets)
    assert [u.data for u in units] == [annexb([SEI, SLICE, SECOND_SLICE, SECOND_SLICE])]


def test_arrival_is_that_of_the_first_packet() -> None:
    stream = Stream()
    packets = stream.access_unit(0, h264_payloads([IDR]))
    depacketizer = H264Depacketizer(96)
    for index, packet in enumerate(packets):
        depacketizer.push_packet(packet, 10.0 + index)
    assert depacketizer.units[0].arrival == 10.0


def test_a_sequence_gap_drops_the_broken_access_unit_only() -> None:
    stream = Stream()
    stream.access_unit(0, h264_payloads([SPS, PPS, IDR]))
    broken = stream.access_unit(4500, h264_payloads([SLICE]))
    stream.access_unit(9000, h264_payloads([SLICE]))
    stream.packets.remove(broken[1])
    depacketizer = H264Depacketizer(96)
    units = push_all(depacketizer, stream.packets)
    assert [u.pts for u in units] == [0, 9000]
    assert (depacketizer.lost_packets, depacketizer.dropped_units) == (1, 1)


def test_a_lost_marker_packet_drops_both_sides_unless_the_next_unit_starts_cleanly() -> None:
    stream = Stream()
    first = stream.access_unit(0, h264_payloads([SLICE]))
    stream.access_unit(4500, h264_payloads([SLICE]))
    stream.packets.remove(first[-1])
    assert [u.pts for u in push_all(H264Depacketizer(96), stream.packets)] == [4500]
    # The packet after the gap is the second slice of a picture: its access unit is incomplete.
    stream = Stream()
    first = stream.access_unit(0, h264_payloads([SLICE]))
    second = stream.access_unit(4500, h264_payloads([SLICE, SECOND_SLICE]))
    stream.access_unit(9000, h264_payloads([SLICE]))
    for lost in (first[-1], *second[:-1]):
        stream.packets.remove(lost)
    assert [u.pts for u in push_all(H264Depacketizer(96), stream.packets)] == [9000]


def test_a_stream_joined_in_the_middle_of_a_fragmented_unit_starts_at_the_next_one() -> None:
    stream = Stream()
    packets = stream.access_unit(0, h264_payloads([IDR]))
    stream.access_unit(4500, h264_payloads([SLICE]))
    depacketizer = H264Depacketizer(96)
    assert [u.pts for u in push_all(depacketizer, stream.packets[1:])] == [4500]
    assert depacketizer.lost_packets == 0 and len(packets) > 2


def test_units_end_on_a_timestamp_change_when_the_camera_sets_no_marker() -> None:
    stream = Stream()
    for index in range(3):
        stream.access_unit(index * 3600, h264_payloads([SLICE, SECOND_SLICE]), marker=False)
    depacketizer = H264Depacketizer(96)
    units = push_all(depacketizer, stream.packets)
    assert [u.pts for u in units] == [0, 3600]
    assert units[0].data == annexb([SLICE, SECOND_SLICE])


def test_the_marker_ends_units_even_when_the_timestamp_never_changes() -> None:
    stream = Stream()
    for _ in range(3):
        stream.access_unit(0, h264_payloads([SLICE]))
    assert len(push_all(H264Depacketizer(96), stream.packets)) == 3


def test_rtp_timestamps_are_unwrapped_past_2_to_the_32() -> None:
    stream = Stream(sequence=65530)  # the sequence number wraps too
    start = 2**32 - 9000
    for index in range(6):
        stream.access_unit((start + index * 4500) % 2**32, h264_payloads([SLICE]))
    depacketizer = H264Depacketizer(96)
    units = push_all(depacketizer, stream.packets)
    assert [u.pts for u in units] == [start + index * 4500 for index in range(6)]
    assert depacketizer.lost_packets == 0


def test_csrc_header_extension_and_padding_are_honoured() -> None:
    packets = [
        rtp(1, 100, SPS, csrcs=2),
        rtp(2, 100, PPS, extension=b"\x10\x20\x30\x40" * 2),
        rtp(3, 100, bytes([0x7C, 0x85]) + IDR[1:200], padding=3, csrcs=1),
        rtp(4, 100, bytes([0x7C, 0x45]) + IDR[200:], padding=1, extension=b"\x00" * 4, marker=True),
        rtp(5, 200, SLICE, payload_type=97, marker=True),  # another payload type: not ours
    ]
    units = push_all(H264Depacketizer(96), packets)
    assert [u.data for u in units] == [annexb([SPS, PPS, bytes([0x65]) + IDR[1:]])]
    assert units[0].keyframe


def test_h265_aggregation_and_fragmentation_units() -> None:
    stream = Stream()
    stream.access_unit(90_000, h265_payloads([VPS, HSPS, HPPS, IDR_W_RADL]))
    stream.access_unit(93_000, h265_payloads([TRAIL]))
    assert stream.packets[0][12] >> 1 == 48 and stream.packets[1][12] >> 1 == 49
    units = push_all(H265Depacketizer(96), stream.packets)
    assert [u.data for u in units] == [annexb([VPS, HSPS, HPPS, IDR_W_RADL]), annexb([TRAIL])]
    assert [u.keyframe for u in units] == [True, False]


def test_h265_gap_inside_a_fragmented_unit() -> None:
    stream = Stream()
    stream.access_unit(0, h265_payloads([IDR_W_RADL]))
    stream.access_unit(3000, h265_payloads([TRAIL]))
    del stream.packets[2]
    depacketizer = H265Depacketizer(96)
    assert [u.pts for u in push_all(depacketizer, stream.packets)] == [3000]
    assert depacketizer.lost_packets == 1


def test_h265_decoding_order_numbers_are_skipped() -> None:
    single = bytes([TRAIL[0], TRAIL[1], 0x00, 0x07]) + TRAIL[2:]
    aggregate = bytes([48 << 1, 1, 0x00, 0x08]) + b"".join(
        [len(VPS).to_bytes(2, "big") + VPS, b"\x01", len(HSPS).to_bytes(2, "big") + HSPS]
    )
    fragments = [
        bytes([49 << 1, 1, 0x80 | 19, 0x00, 0x09]) + IDR_W_RADL[2:100],
        bytes([49 << 1, 1, 0x40 | 19]) + IDR_W_RADL[100:],
    ]
    packets = [
        rtp(1, 0, aggregate),
        rtp(2, 0, fragments[0]),
        rtp(3, 0, fragments[1], marker=True),
        rtp(4, 3000, single, marker=True),
    ]
    units = push_all(H265Depacketizer(96, decoding_order_numbers=True), packets)
    assert [u.data for u in units] == [annexb([VPS, HSPS, IDR_W_RADL]), annexb([TRAIL])]


# --- interleaved framing -----------------------------------------------------------------------

KEEPALIVE_REPLY = b"RTSP/1.0 200 OK\r\nCSeq: 7\r\nSession: 12345678\r\nContent-Length: 5\r\n\r\nhello"


def interleaved(channel: int, data: bytes) -> bytes:
    return b"$" + bytes([channel]) + len(data).to_bytes(2, "big") + data


def sample_connection() -> bytes:
    """Three access units on channel 0, RTCP on channel 1 and a keep-alive reply in between."""
    stream = Stream()
    stream.access_unit(0, h264_payloads([SPS, PPS, IDR], mtu=120, aggregate=True))
    stream.access_unit(4500, h264_payloads([SLICE, SECOND_SLICE], mtu=120))
    stream.access_unit(9000, h264_payloads([SLICE], mtu=120))
    pieces = [interleaved(0, packet) for packet in stream.packets]
    pieces.insert(3, interleaved(1, b"\x81\xc9\x00\x07" + b"\x00" * 28))
    pieces.insert(5, KEEPALIVE_REPLY)
    return b"".join(pieces)


def received_units(data: bytes, cuts: list[int]) -> tuple[list[tuple[bytes, int | None, bool]], InterleavedStream]:
    stream = InterleavedStream()
    stream.depacketizer = H264Depacketizer(96)
    for begin, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
        position = begin
        while position < end:
            room = stream.writable()
            count = min(len(room), end - position)
            room[:count] = data[position : position + count]
            stream.commit(count, 1.0)
            position += count
    units = [(u.data, u.pts, u.keyframe) for u in stream.depacketizer.units]
    return units, stream


SAMPLE = sample_connection()
EXPECTED, _ = received_units(SAMPLE, [])


def test_interleaved_stream_in_one_piece() -> None:
    units, stream = received_units(SAMPLE, [])
    assert [(pts, key) for _, pts, key in units] == [(0, True), (4500, False), (9000, False)]
    assert units[1][0] == annexb([SLICE, SECOND_SLICE])
    assert [(m.status, m.cseq, m.body) for m in stream.messages] == [(200, 7, b"hello")]
    assert stream.skipped_bytes == 0


def test_interleaved_stream_split_at_every_byte_position() -> None:
    for cut in range(1, len(SAMPLE)):
        units, stream = received_units(SAMPLE, [cut])
        assert units == EXPECTED, f"split at byte {cut}"
        assert len(stream.messages) == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, len(SAMPLE) - 1), max_size=30, unique=True))
def test_interleaved_stream_split_anywhere_gives_the_same_units(cuts: list[int]) -> None:
    assert received_units(SAMPLE, sorted(cuts))[0] == EXPECTED


def test_units_larger_than_the_receive_buffer_survive_its_replacement() -> None:
    big = bytes([0x65, 0x88]) + bytes(range(256)) * 2000  # 512 KB: the buffer is replaced several times
    stream = Stream()
    stream.access_unit(0, h264_payloads([SPS, PPS, big], mtu=1400))
    stream.access_unit(4500, h264_payloads([SLICE], mtu=1400))
    data = b"".join(interleaved(0, packet) for packet in stream.packets)
    units, _ = received_units(data, list(range(1000, len(data), 7919)))
    assert [u[0] for u in units] == [annexb([SPS, PPS, big]), annexb([SLICE])]


def test_garbage_between_frames_is_skipped() -> None:
    units, stream = received_units(b"\x00\x17junk" + SAMPLE, [])
    assert units == EXPECTED and stream.skipped_bytes == 6


# --- the request flow, against a scripted camera ------------------------------------------------

FAKE_SDP = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=fake\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n"
    "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z2QAH6zZ,aOvjyw==\r\n"
    "a=control:trackID=1\r\n"
)


class FakeCamera:
    """A scripted RTSP camera for one connection: answers requests, then sends `frames` access units."""

    def __init__(
        self,
        *,
        auth: str = "",
        user: str = "admin",
        password: str = "s3cr3t",  # noqa: S107 - a test camera
        frames: int = 5,
        interval: float = 0.0,
        session: str = "12345678",
        public: str = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER",
        close_after_frames: bool = True,
        describe_status: str = "200 OK",
    ) -> None:
        self.auth, self.user, self.password = auth, user, password
        self.frames, self.interval = frames, interval
        self.session, self.public, self.close_after_frames = session, public, close_after_frames
        self.describe_status = describe_status
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"rtsp://127.0.0.1:{self.port}/live"
        self.finished = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def methods(self) -> list[str]:
        return [method for method, _, _ in self.requests]

    def close(self) -> None:
        self._listener.close()
        self._thread.join(5)

    def _authorized(self, method: str, headers: dict[str, str]) -> bool:
        given = headers.get("authorization", "")
        if self.auth == "basic":
            return given == "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if self.auth == "digest":
            fields = auth_parameters(given[7:]) if given.startswith("Digest ") else {}

            def md5(text: str) -> str:
                return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - the scheme under test

            expected = md5(
                f"{md5(f'{self.user}:cam:{self.password}')}:n0nce:{fields.get('nc')}:{fields.get('cnonce')}:auth:"
                f"{md5(method + ':' + fields.get('uri', ''))}"
            )
            return fields.get("response") == expected and fields.get("username") == self.user
        return True

    def _answer(self, method: str, headers: dict[str, str]) -> bytes:
        cseq = headers.get("cseq", "0")
        if not self._authorized(method, headers):
            challenge = (
                'Digest realm="cam", nonce="n0nce", qop="auth"' if self.auth == "digest" else 'Basic realm="cam"'
            )
            return f"RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\nWWW-Authenticate: {challenge}\r\n\r\n".encode()
        extra = ""
        body = b""
        if method == "OPTIONS":
            extra = f"Public: {self.public}\r\n"
        elif method == "DESCRIBE":
            if self.describe_status != "200 OK":
                return f"RTSP/1.0 {self.describe_status}\r\nCSeq: {cseq}\r\n\r\n".encode()
            body = FAKE_SDP.encode()
            extra = f"Content-Base: {self.url}/\r\nContent-Type: application/sdp\r\nContent-Length: {len(body)}\r\n"
        elif method == "SETUP":
            extra = f"Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: {self.session}\r\n"
        return f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{extra}\r\n".encode() + body

    def _serve(self) -> None:
        try:
            connection, _ = self._listener.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(0.01)
            pending = b""
            stream = Stream()
            sent = 0
            playing = False
            next_frame = 0.0
            while True:
                try:
                    data = connection.recv(65536)
                    if not data:
                        break
                    pending += data
                except TimeoutError:
                    pass
                except OSError:
                    break
                while b"\r\n\r\n" in pending:
                    head, pending = pending.split(b"\r\n\r\n", 1)
                    lines = head.decode().split("\r\n")
                    method, url, _ = lines[0].split(" ")
                    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
                    self.requests.append((method, url, headers))
                    connection.sendall(self._answer(method, headers))
                    playing = playing or method == "PLAY"
                if playing and sent < self.frames and time.monotonic() >= next_frame:
                    nals = [SPS, PPS, IDR] if sent == 0 else [SLICE]
                    packets = stream.access_unit(sent * 4500, h264_payloads(nals, mtu=200))
                    connection.sendall(b"".join(interleaved(0, packet) for packet in packets))
                    sent += 1
                    next_frame = time.monotonic() + self.interval
                    if sent == self.frames and self.close_after_frames:
                        break
        self.finished.set()


@pytest.fixture
def fake_camera(request: pytest.FixtureRequest) -> Iterator[Callable[..., FakeCamera]]:
    made: list[FakeCamera] = []

    def make(**options: object) -> FakeCamera:
        camera = FakeCamera(**options)  # type: ignore[arg-type]  # options as each test names them
        made.append(camera)
        return camera

    yield make
    for camera in made:
        camera.close()


def read_all(source: RtspClientSource) -> list[RawPacket]:
    units = []
    while (unit := source.read()) is not None:
        units.append(unit)
    return units


def test_plays_a_stream_and_ends_with_none_at_eof(fake_camera: Callable[..., FakeCamera]) -> None:
    camera = fake_camera(frames=4)
    source = RtspClientSource(camera.url, open_timeout=5, read_timeout=5)
    info = source.open()
    assert info == StreamInfo("h264", 0, 0, START + SPS + START + PPS, (1, 90_000), "annexb")
    units = read_all(source)
    source.close()
    source.close()
    assert [u.pts for u in units] == [0, 4500, 9000, 13500] and units[0].keyframe
    assert units[0].data == annexb([SPS, PPS, IDR])
    assert camera.methods() == ["OPTIONS", "DESCRIBE", "SETUP", "PLAY"]
    setup_url, play = camera.requests[2][1], camera.requests[3]
    assert setup_url == f"{camera.url}/trackID=1" and play[1] == f"{camera.url}/"
    assert play[2]["session"] == "12345678"
    assert source.read() is None


@pytest.mark.parametrize("scheme", ["digest", "basic"])
def test_authenticates_with_the_credentials_of_the_url(fake_camera: Callable[..., FakeCamera], scheme: str) -> None:
    camera = fake_camera(auth=scheme, user="op@zone", password="p:ss w")
    url = camera.url.replace("rtsp://", "rtsp://op%40zone:p%3Ass%20w@")
    source = RtspClientSource(url, open_timeout=5, read_timeout=5)
    source.open()
    assert len(read_all(source)) == 5
    source.close()
    assert camera.methods() == ["OPTIONS", "OPTIONS", "DESCRIBE", "SETUP", "PLAY"]
    assert all("p:ss" not in url and "op@zone" not in url for _, url, _ in camera.requests)


def test_wrong_password_is_refused_without_showing_it(fake_camera: Callable[..., FakeCamera]) -> None:
    camera = fake_camera(auth="digest", password="right")
    source = RtspClientSource(camera.url.replace("rtsp://", "rtsp://admin:wrong-pw@"), open_timeout=5)
    with pytest.raises(SourceError) as caught:
        source.open()
    assert str(caught.value) == "the camera refused the user name or password"
    assert camera.methods() == ["OPTIONS", "OPTIONS"]
    missing = RtspClientSource(fake_camera(auth="basic").url, open_timeout=5)
    with pytest.raises(SourceError, match="asks for a user name and password"):
        missing.open()


def test_non_200_answer_names_the_status(fake_camera: Callable[..., FakeCamera]) -> None:
    camera = fake_camera(describe_status="403 Forbidden")
    with pytest.raises(SourceError, match="the camera answered 403 Forbidden to DESCRIBE"):
        RtspClientSource(camera.url.replace("rtsp://", "rtsp://u:topsecret@"), open_timeout=5).open()


def test_keep_alive_and_teardown(fake_camera: Callable[..., FakeCamera]) -> None:
    camera = fake_camera(frames=40, interval=0.05, session="abc;timeout=2", close_after_frames=False)
    source = RtspClientSource(camera.url, open_timeout=5, read_timeout=5)
    source.open()
    units = [source.read() for _ in range(30)]
    source.close()
    assert all(u is not None for u in units)
    camera.finished.wait(5)
    methods = camera.methods()
    assert "GET_PARAMETER" in methods and methods[-1] == "TEARDOWN"
    assert all(headers["session"] == "abc" for _, _, headers in camera.requests[3:])


def test_keep_alive_falls_back_to_options(fake_camera: Callable[..., FakeCamera]) -> None:
    camera = fake_camera(
        frames=30, interval=0.05, session="abc;timeout=2", close_after_frames=False, public="DESCRIBE, SETUP, PLAY"
    )
    source = RtspClientSource(camera.url, open_timeout=5, read_timeout=5)
    source.open()
    for _ in range(25):
        source.read()
    source.close()
    assert camera.methods()[4:].count("OPTIONS") >= 1 and "GET_PARAMETER" not in camera.methods()


def test_a_silent_camera_times_out(fake_camera: Callable[..., FakeCamera]) -> None:
    camera = fake_camera(frames=1, close_after_frames=False)
    source = RtspClientSource(camera.url, open_timeout=5, read_timeout=0.5)
    source.open()
    assert source.read() is not None
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"no data from the camera for 0\.5 s"):
        source.read()
    assert time.monotonic() - started < 2
    source.close()


def test_connection_refused() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(SourceError, match=rf"cannot connect to 127\.0\.0\.1:{port}: connection refused"):
        RtspClientSource(f"rtsp://admin:pw1234@127.0.0.1:{port}/x", open_timeout=2).open()


def test_source_for_picks_the_reader_by_transport_and_scheme() -> None:
    def no_clips(name: str) -> Path:
        raise AssertionError(name)

    assert isinstance(source_for("rtsp://cam/x", "tcp", 5.0, no_clips), RtspClientSource)
    assert isinstance(source_for("RTSP://u:p@cam/x", "tcp", 5.0, no_clips), RtspClientSource)
    assert isinstance(source_for("rtsp://cam/x", "udp", 5.0, no_clips), RtspSource)
    assert isinstance(source_for("rtsps://cam/x", "tcp", 5.0, no_clips), RtspSource)


# --- real streams from GStreamer's RTSP server -------------------------------------------------

FPS = 20
READ_SECONDS = 3.2


@pytest.fixture(scope="module")
def clips() -> dict[str, Clip]:
    def small(codec: str = H264, slices: int = 1) -> Clip:
        return cached_clip(
            codec=codec, width=640, height=360, fps=FPS, seconds=4, bitrate=400_000, gop_seconds=1, slices=slices
        )

    return {"plain": small(), "sliced": small(slices=4), "hevc": small(H265)}


@pytest.fixture(scope="module")
def camera_server(clips: dict[str, Clip]) -> Iterator[RtspCameraServer]:
    with RtspCameraServer(clips) as server:
        yield server


def read_for(url: str, seconds: float) -> tuple[StreamInfo, list[RawPacket], int]:
    source = RtspClientSource(url, open_timeout=10, read_timeout=5)
    info = source.open()
    units = []
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            unit = source.read()
            assert unit is not None, "the server ended the stream"
            units.append(unit)
        assert source.depacketizer is not None
        return info, units, source.depacketizer.lost_packets
    finally:
        source.close()


@pytest.fixture(scope="module")
def received(camera_server: RtspCameraServer) -> dict[str, tuple[StreamInfo, list[RawPacket], int]]:
    names = ["plain", "sliced", "hevc"]
    with ThreadPoolExecutor(len(names)) as pool:
        results = pool.map(lambda name: read_for(camera_server.url(name), READ_SECONDS), names)
        return dict(zip(names, results, strict=True))


@pytest.mark.parametrize("name", ["plain", "sliced", "hevc"])
def test_every_frame_arrives_whole_and_in_order(
    received: dict[str, tuple[StreamInfo, list[RawPacket], int]], clips: dict[str, Clip], name: str
) -> None:
    info, units, lost = received[name]
    clip = clips[name]
    assert lost == 0 and info.codec == clip.codec and info.time_base == (1, 90_000)
    counters = [read_frame_counters(unit.data, clip.codec) for unit in units]
    assert all(len(found) == 1 for found in counters), "an access unit without or with several counters"
    flat = [found[0] for found in counters]
    assert flat == list(range(flat[0], flat[0] + len(flat))), "frames missing or out of order"
    assert len(flat) >= (READ_SECONDS - 0.5) * FPS
    keyframes = [counter for counter, unit in zip(flat, units, strict=True) if unit.keyframe]
    assert len(keyframes) >= 2 and all(counter % clip.gop_frames == 0 for counter in keyframes)
    assert keyframes == [c for c in flat if c % clip.gop_frames == 0], "a keyframe not flagged as one"
    for unit in units:
        assert unit.data.startswith(START) and unit.pts == unit.dts
    pts = [unit.pts or 0 for unit in units]
    assert all(b > a for a, b in itertools.pairwise(pts))
    per_frame = (pts[-1] - pts[0]) / (flat[-1] - flat[0])
    assert 90_000 / FPS * 0.9 <= per_frame <= 90_000 / FPS * 1.1
    arrivals = [unit.arrival for unit in units]
    assert arrivals == sorted(arrivals)
    kinds = {nal.nal_type(clip.codec, unit) for unit in nal.split_annexb(info.extradata)}
    assert kinds == ({7, 8} if clip.codec == H264 else {32, 33, 34})


def test_sliced_frames_hold_every_slice(
    received: dict[str, tuple[StreamInfo, list[RawPacket], int]], clips: dict[str, Clip]
) -> None:
    def slices(units: list[list[bytes]]) -> set[int]:
        return {sum(1 for u in unit if 1 <= u[0] & 0x1F <= 5) for unit in units}

    served = slices(access_units(H264, split_annexb(clips["sliced"].path.read_bytes())))
    _, units, _ = received["sliced"]
    assert served == {4}
    assert slices([nal.split_annexb(unit.data) for unit in units]) == served


def test_unknown_mount_is_a_404(camera_server: RtspCameraServer) -> None:
    url = camera_server.url("plain").replace("/plain", "/nosuch").replace("rtsp://", "rtsp://viewer:hunter22@")
    with pytest.raises(SourceError, match="404") as caught:
        RtspClientSource(url, open_timeout=10).open()
    assert "hunter22" not in str(caught.value) and "viewer" not in str(caught.value)


def test_server_stopped_mid_stream_ends_the_read(clips: dict[str, Clip]) -> None:
    read_timeout = 3.0
    with RtspCameraServer({"plain": clips["plain"]}) as server:
        source = RtspClientSource(server.url("plain"), open_timeout=10, read_timeout=read_timeout)
        source.open()
        for _ in range(10):
            assert source.read() is not None
        server.stop()
        stopped = time.monotonic()
        ended: str | None = None
        try:
            while time.monotonic() - stopped < read_timeout + 2:
                if source.read() is None:
                    ended = "eof"
                    break
        except SourceError as exc:
            ended = str(exc)
        finally:
            source.close()
    assert ended is not None and time.monotonic() - stopped <= read_timeout + 1
    assert re.fullmatch(r"eof|no data.*|the connection to the camera broke.*", ended)
