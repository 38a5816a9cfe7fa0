"""A lean RTSP client for recording: RTP interleaved on the RTSP TCP connection, cut into access units.

FFmpeg's RTSP reader costs as much CPU as a process per camera because it reads interleaved RTP in
small pieces; this one reads the socket in large chunks and does a few slice operations per packet
(RFC 6184, RFC 7798). Invariants: one `RawPacket` per complete access unit, Annex B, stamped with the
unwrapped RTP timestamp; a unit that lost a packet is dropped whole. It never decodes, never uses UDP
and never puts the camera's credentials in a message.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import re
import secrets
import socket
import struct
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

from belfort.media.frames import RawPacket, SourceError, StreamInfo
from belfort.streamurl import redact_text

H264 = "h264"
H265 = "h265"
START_CODE = b"\x00\x00\x00\x01"
DEFAULT_PORT = 554
DEFAULT_SESSION_TIMEOUT = 60.0
"""Seconds a server keeps a session without a request, unless its Session header says otherwise."""
RECEIVE_BUFFER_BYTES = 256 * 1024
USER_AGENT = "Belfort"

_START_WITH_BYTE = tuple(START_CODE + bytes((value,)) for value in range(256))
_RTP_HEADER = struct.Struct(">BBHI")
_LARGEST_FRAME = 4 + 0xFFFF
"""An interleaved frame: '$', channel, 16-bit length, then at most 65535 bytes."""
_MESSAGE_HEAD_LIMIT = 8192
_MESSAGE_BODY_LIMIT = 65536
_SEQUENCE_MASK = 0xFFFF
_HALF_RANGE = 0x8000_0000
_TIMESTAMP_MASK = 0xFFFF_FFFF
_H264_FU_A, _H264_STAP_A, _H264_IDR = 28, 24, 5
_H264_AU_STARTERS = frozenset({6, 7, 8, 9, 14, 15, 16, 17, 18})
_H265_AP, _H265_FU = 48, 49
_H265_AU_STARTERS = frozenset({32, 33, 34, 35, 39, 41, 42, 43, 44})
_CODECS = {"H264": H264, "H265": H265, "HEVC": H265}
_AUTH_PARAMETER = re.compile(r'([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
_ABSOLUTE_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


# ---------------------------------------------------------------------------------------------
# Depacketization: RTP packets to access units.


class Depacketizer:
    """RTP packets of one video stream to whole access units in Annex B, appended to `units`.

    An access unit ends at the marker bit, or when the timestamp changes (cameras that never set
    the marker). After a sequence gap the open access unit is dropped, and so is the next one
    unless its first packet starts an access unit: nothing incomplete is handed over.
    """

    def __init__(self, payload_type: int) -> None:
        self.payload_type = payload_type
        self.units: deque[RawPacket] = deque()
        self.parts: list[bytes | memoryview] = []
        """Payload of the open access unit: slices of the receive buffer, joined once at its end."""
        self.lost_packets = 0
        self.dropped_units = 0
        self._timestamp: int | None = None
        self._arrival = 0.0
        self._keyframe = False
        self._in_fragment = False
        self._damaged = False
        self._next_sequence: int | None = None
        self._last_timestamp: int | None = None
        self._last_extended = 0

    def push_packet(self, packet: bytes, arrival: float) -> None:
        """One RTP packet as bytes (tests and callers without a shared buffer)."""
        self.push(memoryview(packet), 0, len(packet), arrival)

    def push(self, data: memoryview, begin: int, end: int, arrival: float) -> None:
        """The RTP packet `data[begin:end]`; `data` must not change until the access unit is complete."""
        if end - begin < 12:
            return
        first, second, sequence, timestamp = _RTP_HEADER.unpack_from(data, begin)
        if first & 0xC0 != 0x80 or second & 0x7F != self.payload_type:
            return
        start = begin + 12
        if first & 0x3F:  # CSRCs, header extension, padding
            start += 4 * (first & 0x0F)
            if first & 0x10:
                if start + 4 > end:
                    return
                start += 4 + 4 * (data[start + 2] << 8 | data[start + 3])
            if first & 0x20:
                end -= data[end - 1]
            if start > end:
                return
        gap = sequence != self._next_sequence
        if gap:
            if self._next_sequence is not None:
                self.lost_packets += (sequence - self._next_sequence) & _SEQUENCE_MASK
            if self._timestamp is not None:
                self._damaged = True  # the open access unit misses packets
        self._next_sequence = (sequence + 1) & _SEQUENCE_MASK
        if timestamp != self._timestamp:
            if self._timestamp is not None:
                self._finish()
            self._timestamp = timestamp
            self._arrival = arrival
            if gap and not self._starts_access_unit(data, start, end):
                self._damaged = True
        if not self._damaged and start < end and not self._payload(data, start, end):
            self._damaged = True
            self.parts = []
        if second & 0x80:
            self._finish()

    def _finish(self) -> None:
        if self._damaged or self._in_fragment:
            self.dropped_units += 1
        elif self.parts:
            assert self._timestamp is not None
            extended = self._extend(self._timestamp)
            self.units.append(
                RawPacket(b"".join(self.parts), extended, extended, self._keyframe, self._arrival, complete=True)
            )
        self.parts = []
        self._timestamp = None
        self._keyframe = self._in_fragment = self._damaged = False

    def _extend(self, timestamp: int) -> int:
        """The 32-bit RTP timestamp continued past its wrap-around (steps of less than 2**31 either way)."""
        if self._last_timestamp is None:
            extended = timestamp
        else:
            step = ((timestamp - self._last_timestamp + _HALF_RANGE) & _TIMESTAMP_MASK) - _HALF_RANGE
            extended = self._last_extended + step
        self._last_timestamp, self._last_extended = timestamp, extended
        return extended

    def _payload(self, data: memoryview, start: int, end: int) -> bool:
        """Append the NAL units of one payload to `parts`; False when it cannot be used."""
        raise NotImplementedError

    def _starts_access_unit(self, data: memoryview, start: int, end: int) -> bool:
        """Whether this payload begins with the first NAL unit of an access unit."""
        raise NotImplementedError


class H264Depacketizer(Depacketizer):
    """RFC 6184, non-interleaved mode: single NAL units (1-23), STAP-A (24) and FU-A (28)."""

    def _payload(self, data: memoryview, start: int, end: int) -> bool:
        parts = self.parts
        header = data[start]
        kind = header & 0x1F
        if kind == _H264_FU_A:
            if end - start < 2:
                return False
            fragment = data[start + 1]
            if fragment & 0x80:
                if self._in_fragment:
                    return False
                parts.append(_START_WITH_BYTE[header & 0xE0 | fragment & 0x1F])
                if fragment & 0x1F == _H264_IDR:
                    self._keyframe = True
                self._in_fragment = True
            elif not self._in_fragment:
                return False
            parts.append(data[start + 2 : end])
            if fragment & 0x40:
                self._in_fragment = False
            return True
        if self._in_fragment:
            return False
        if 0 < kind < _H264_STAP_A:
            parts.append(START_CODE)
            parts.append(data[start:end])
            if kind == _H264_IDR:
                self._keyframe = True
            return True
        if kind == _H264_STAP_A:
            position = start + 1
            while position + 2 < end:
                size = data[position] << 8 | data[position + 1]
                position += 2
                if size == 0 or position + size > end:
                    return False
                if data[position] & 0x1F == _H264_IDR:
                    self._keyframe = True
                parts.append(START_CODE)
                parts.append(data[position : position + size])
                position += size
            return True
        return kind in (0, 30, 31)  # undefined types are ignored; STAP-B, MTAP and FU-B need interleaved mode

    def _starts_access_unit(self, data: memoryview, start: int, end: int) -> bool:
        if end - start < 2:
            return False
        kind = data[start] & 0x1F
        body = start + 1
        if kind == _H264_FU_A:
            if not data[start + 1] & 0x80:
                return False
            kind, body = data[start + 1] & 0x1F, start + 2
        elif kind == _H264_STAP_A:
            if end - start < 5:
                return False
            kind, body = data[start + 3] & 0x1F, start + 4
        if kind in _H264_AU_STARTERS:
            return True
        # A slice starts its picture when first_mb_in_slice is 0, i.e. its ue(v) code is the single bit 1.
        return 0 < kind <= _H264_IDR and body < end and bool(data[body] & 0x80)


class H265Depacketizer(Depacketizer):
    """RFC 7798: single NAL units (0-47), aggregation packets (48) and fragmentation units (49).

    With `sprop-max-don-diff` > 0 the payloads carry decoding order numbers, which are skipped:
    over one TCP connection packets arrive in transmission order, which is decoding order here.
    """

    def __init__(self, payload_type: int, decoding_order_numbers: bool = False) -> None:
        super().__init__(payload_type)
        self._donl = 2 if decoding_order_numbers else 0

    def _payload(self, data: memoryview, start: int, end: int) -> bool:
        if end - start < 3:
            return False
        parts = self.parts
        header = data[start]
        kind = (header >> 1) & 0x3F
        donl = self._donl
        if kind == _H265_FU:
            fragment = data[start + 2]
            body = start + 3
            if fragment & 0x80:
                if self._in_fragment:
                    return False
                nal_kind = fragment & 0x3F
                parts.append(START_CODE + bytes(((header & 0x81) | nal_kind << 1, data[start + 1])))
                if 16 <= nal_kind <= 23:
                    self._keyframe = True
                self._in_fragment = True
                body += donl
            elif not self._in_fragment:
                return False
            parts.append(data[body:end])
            if fragment & 0x40:
                self._in_fragment = False
            return True
        if self._in_fragment:
            return False
        if kind < _H265_AP:
            parts.append(START_CODE)
            if donl:
                parts.append(data[start : start + 2])
                parts.append(data[start + 2 + donl : end])
            else:
                parts.append(data[start:end])
            if 16 <= kind <= 23:
                self._keyframe = True
            return True
        if kind == _H265_AP:
            position = start + 2 + donl
            while position + 2 < end:
                size = data[position] << 8 | data[position + 1]
                position += 2
                if size < 2 or position + size > end:
                    return False
                if 16 <= (data[position] >> 1) & 0x3F <= 23:
                    self._keyframe = True
                parts.append(START_CODE)
                parts.append(data[position : position + size])
                position += size + (1 if donl else 0)  # DOND before every unit but the first
            return True
        return kind != 50  # PACI cannot be read; reserved types are ignored

    def _starts_access_unit(self, data: memoryview, start: int, end: int) -> bool:
        if end - start < 3:
            return False
        kind = (data[start] >> 1) & 0x3F
        body = start + 2
        if kind == _H265_FU:
            if not data[start + 2] & 0x80:
                return False
            kind, body = data[start + 2] & 0x3F, start + 3 + self._donl
        elif kind == _H265_AP:
            first = start + 2 + self._donl + 2
            if first + 2 >= end:
                return False
            kind, body = (data[first] >> 1) & 0x3F, first + 2
        elif self._donl:
            body += self._donl
        if kind in _H265_AU_STARTERS:
            return True
        # A slice segment starts its picture when first_slice_segment_in_pic_flag (its first bit) is 1.
        return kind < 32 and body < end and bool(data[body] & 0x80)


# ---------------------------------------------------------------------------------------------
# The byte stream of an RTSP-over-TCP connection.


@dataclass
class RtspMessage:
    """An RTSP response (or a request the server sent us), headers keyed in lower case."""

    first_line: str
    headers: dict[str, str]
    authenticate: list[str]
    """Every WWW-Authenticate header, in order (a camera may offer Digest and Basic)."""
    body: bytes = b""

    @property
    def is_response(self) -> bool:
        return self.first_line.startswith("RTSP/")

    @property
    def status(self) -> int:
        fields = self.first_line.split(" ", 2)
        return int(fields[1]) if self.is_response and len(fields) > 1 and fields[1].isdigit() else 0

    @property
    def reason(self) -> str:
        fields = self.first_line.split(" ", 2)
        return fields[2].strip() if self.is_response and len(fields) > 2 else ""

    @property
    def cseq(self) -> int | None:
        value = self.headers.get("cseq", "").strip()
        return int(value) if value.isdigit() else None


def parse_message(head: bytes, body: bytes = b"") -> RtspMessage:
    """An RTSP message from its head (start line and headers, without the blank line) and body."""
    lines = head.decode("utf-8", "replace").split("\r\n")
    headers: dict[str, str] = {}
    authenticate: list[str] = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        if key == "www-authenticate":
            authenticate.append(value.strip())
        headers[key] = value.strip()
    return RtspMessage(lines[0].strip(), headers, authenticate, body)


def _content_length(head: bytes) -> int:
    match = re.search(rb"\r\ncontent-length\s*:\s*(\d+)", head, re.IGNORECASE)
    return int(match[1]) if match else 0


class InterleavedStream:
    """Parses an RTSP TCP connection in place: '$'-framed packets and RTSP messages, in any split.

    Bytes are received into `writable()` and parsed by `commit()`. Packets on `channel` go to the
    depacketizer as slices of the buffer; a buffer that slices still refer to is never written
    again (a new one takes over), so each payload byte is copied once, into its access unit.
    """

    def __init__(self, size: int = RECEIVE_BUFFER_BYTES) -> None:
        self._size = max(size, 2 * _LARGEST_FRAME)
        self._buffer = bytearray(self._size)
        self._view = memoryview(self._buffer)
        self._start = 0
        self._end = 0
        self.channel = 0
        self.depacketizer: Depacketizer | None = None
        self.messages: list[RtspMessage] = []
        self.skipped_bytes = 0
        """Bytes that were neither a packet nor an RTSP message (resynchronised past)."""

    def writable(self) -> memoryview:
        """Where the next received bytes go (at least one largest frame of room)."""
        return self._view[self._end :]

    def commit(self, count: int, arrival: float) -> None:
        """Parse everything complete after `count` more bytes arrived at `arrival` (monotonic seconds)."""
        buffer, view = self._buffer, self._view
        start, end = self._start, self._end + count
        channel = self.channel
        push = self.depacketizer.push if self.depacketizer is not None else None
        while end - start >= 4:
            if buffer[start] == 0x24:  # '$'
                stop = start + 4 + (buffer[start + 2] << 8 | buffer[start + 3])
                if stop > end:
                    break
                if buffer[start + 1] == channel and push is not None:
                    push(view, start + 4, stop, arrival)
                start = stop
                continue
            following = self._message(start, end)
            if following < 0:
                break
            start = following
        self._start, self._end = start, end
        self._make_room()

    def _message(self, start: int, end: int) -> int:
        """Parse the RTSP message at `start`: where the next item begins, or -1 until more bytes come."""
        buffer = self._buffer
        if 0x41 <= buffer[start] <= 0x5A:  # a message starts with RTSP/1.0 or a method name
            head_end = buffer.find(b"\r\n\r\n", start, end)
            if head_end < 0 and end - start < _MESSAGE_HEAD_LIMIT:
                return -1
            if head_end >= 0:
                head = bytes(buffer[start:head_end])
                if b"RTSP/" in head.split(b"\r\n", 1)[0]:
                    length = _content_length(head)
                    if length > _MESSAGE_BODY_LIMIT:
                        raise SourceError(f"the camera sent an RTSP message of {length} bytes; at most 64 KB expected")
                    body_end = head_end + 4 + length
                    if body_end > end:
                        return -1
                    self.messages.append(parse_message(head, bytes(buffer[head_end + 4 : body_end])))
                    return body_end
        found = buffer.find(b"$", start + 1, end)
        following = found if found >= 0 else end
        self.skipped_bytes += following - start
        return following

    def _make_room(self) -> None:
        start, end = self._start, self._end
        holds_slices = self.depacketizer is not None and bool(self.depacketizer.parts)
        if start == end and not holds_slices:
            self._start = self._end = 0
        elif len(self._buffer) - end < _LARGEST_FRAME:
            tail = end - start
            buffer = bytearray(max(self._size, tail + _LARGEST_FRAME))
            buffer[:tail] = self._view[start:end]
            self._buffer, self._view = buffer, memoryview(buffer)
            self._start, self._end = 0, tail


# ---------------------------------------------------------------------------------------------
# SDP, URLs and authentication (pure).


@dataclass(frozen=True)
class SdpVideo:
    """The video stream an SDP offers, as far as recording needs it."""

    codec: str
    payload_type: int
    clock_rate: int
    control_url: str
    """Where SETUP goes."""
    session_url: str
    """Where PLAY, keep-alives and TEARDOWN go (aggregate control)."""
    parameter_sets: tuple[bytes, ...]
    decoding_order_numbers: bool = False

    @property
    def extradata(self) -> bytes:
        return b"".join(START_CODE + unit for unit in self.parameter_sets)


@dataclass
class _Media:
    kind: str
    formats: list[str]
    rtpmap: dict[str, str] = field(default_factory=dict)
    fmtp: dict[str, str] = field(default_factory=dict)
    control: str = ""


def resolve_control(base: str, control: str) -> str:
    """The URL an `a=control` value names: absolute, `*` (the base itself) or relative to the base.

    A relative value is appended to the base with one slash between them, as cameras and FFmpeg
    expect (`rtsp://cam/live.sdp` + `trackID=1` is `rtsp://cam/live.sdp/trackID=1`), except that a
    value starting with a slash replaces the base's path.
    """
    control = control.strip()
    if not control or control == "*":
        return base
    if _ABSOLUTE_URL.match(control):
        return control
    if control.startswith("/"):
        parts = urlsplit(base)
        return urlunsplit((parts.scheme, parts.netloc, control, "", ""))
    return base + ("" if base.endswith("/") else "/") + control


def _format_parameters(text: str) -> dict[str, str]:
    parameters = {}
    for item in text.split(";"):
        name, _, value = item.strip().partition("=")
        if name:
            parameters[name.strip().lower()] = value.strip()
    return parameters


def _decode_sets(value: str) -> list[bytes]:
    sets = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            unit = base64.b64decode(item + "=" * (-len(item) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue  # a broken announcement: the parameter sets also come in band, before keyframes
        if unit:
            sets.append(unit)
    return sets


def parse_sdp(text: str, base_url: str) -> SdpVideo:
    """The first H.264 or H.265 video stream of a session description; SourceError when there is none."""
    session_control = ""
    medias: list[_Media] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            fields = line[2:].split()
            medias.append(_Media(fields[0].lower() if fields else "", fields[3:]))
        elif line.startswith("a="):
            name, _, value = line[2:].partition(":")
            media = medias[-1] if medias else None
            if name == "control":
                if media is None:
                    session_control = value.strip()
                else:
                    media.control = value.strip()
            elif media is not None and name in ("rtpmap", "fmtp"):
                payload_type, _, rest = value.strip().partition(" ")
                getattr(media, name)[payload_type] = rest.strip()
    videos = [media for media in medias if media.kind == "video"]
    if not videos:
        raise SourceError("the camera offers no video stream")
    offered = []
    for media in videos:
        for payload_type in media.formats:
            encoding, _, clock = media.rtpmap.get(payload_type, "").partition("/")
            codec = _CODECS.get(encoding.strip().upper())
            if codec is None:
                offered.append(encoding or f"payload type {payload_type}")
                continue
            if not payload_type.isdigit():
                continue
            fmtp = _format_parameters(media.fmtp.get(payload_type, ""))
            if codec == H264:
                if fmtp.get("packetization-mode") == "2":
                    raise SourceError(
                        "the camera sends H.264 in interleaved packetization (mode 2), which Belfort cannot read"
                    )
                sets = _decode_sets(fmtp.get("sprop-parameter-sets", ""))
            else:
                sets = [
                    unit for key in ("sprop-vps", "sprop-sps", "sprop-pps") for unit in _decode_sets(fmtp.get(key, ""))
                ]
            don = fmtp.get("sprop-max-don-diff", "0")
            rate = clock.split("/")[0].strip()
            return SdpVideo(
                codec=codec,
                payload_type=int(payload_type),
                clock_rate=int(rate) if rate.isdigit() else 90_000,
                control_url=resolve_control(base_url, media.control),
                session_url=resolve_control(base_url, session_control),
                parameter_sets=tuple(sets),
                decoding_order_numbers=codec == H265 and don.isdigit() and int(don) > 0,
            )
    raise SourceError(f"the camera sends {', '.join(offered) or 'unknown'} video; Belfort records H.264 and H.265")


@dataclass(frozen=True)
class RtspTarget:
    """Where a camera URL points, its credentials apart from the URL sent in requests."""

    host: str
    port: int
    url: str
    """The URL without user name and password."""
    user: str | None
    password: str

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def rtsp_target(url: str) -> RtspTarget:
    """Host, port, request URL and percent-decoded credentials of an rtsp:// URL."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "rtsp" or not parts.hostname:
        raise SourceError(redact_text(f"not an rtsp:// camera URL: {url}", url))
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise SourceError("the camera URL has an invalid port") from None
    location = parts.netloc.rpartition("@")[2]
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else ""
    return RtspTarget(parts.hostname, port, urlunsplit(("rtsp", location, parts.path, parts.query, "")), user, password)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def digest_response(
    user: str,
    password: str,
    realm: str,
    nonce: str,
    method: str,
    uri: str,
    *,
    qop: str = "",
    nc: str = "",
    cnonce: str = "",
    algorithm: str = "MD5",
) -> str:
    """The `response` value of RFC 2617 Digest authentication (MD5 or MD5-sess; qop auth or none)."""
    secret = _md5(f"{user}:{realm}:{password}")
    if algorithm.upper() == "MD5-SESS":
        secret = _md5(f"{secret}:{nonce}:{cnonce}")
    request = _md5(f"{method}:{uri}")
    if qop:
        return _md5(f"{secret}:{nonce}:{nc}:{cnonce}:{qop}:{request}")
    return _md5(f"{secret}:{nonce}:{request}")


def auth_parameters(challenge: str) -> dict[str, str]:
    """The name=value pairs of a WWW-Authenticate challenge (after its scheme), names in lower case."""
    return {
        match[1].lower(): match[2].replace('\\"', '"') if match[2] is not None else match[3]
        for match in _AUTH_PARAMETER.finditer(challenge)
    }


class Authenticator:
    """Answers a camera's challenge on every request: Basic, or Digest with MD5 (qop auth or none)."""

    def __init__(self, challenges: list[str], user: str, password: str) -> None:
        self.user, self.password = user, password
        digest = next((c for c in challenges if c[:7].lower() == "digest "), None)
        basic = next((c for c in challenges if c[:6].lower() == "basic " or c.lower() == "basic"), None)
        self.scheme = "digest" if digest else "basic" if basic else ""
        self.parameters = auth_parameters(digest[7:]) if digest else {}
        self.count = 0
        if not self.scheme:
            offered = ", ".join(c.split(" ", 1)[0] for c in challenges) or "an unnamed scheme"
            raise SourceError(f"the camera asks for {offered} authentication; Belfort supports Basic and Digest")
        self.algorithm = self.parameters.get("algorithm", "MD5")
        if self.algorithm.upper() not in ("MD5", "MD5-SESS"):
            raise SourceError(f"the camera asks for Digest with {self.algorithm}; Belfort supports MD5")
        qops = [q.strip().lower() for q in self.parameters.get("qop", "").split(",") if q.strip()]
        if qops and "auth" not in qops:
            raise SourceError(f"the camera asks for Digest with qop {'/'.join(qops)}; Belfort supports qop auth")
        self.qop = "auth" if qops else ""

    def header(self, method: str, uri: str) -> str:
        """The Authorization header value for one request."""
        if self.scheme == "basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
            return f"Basic {token}"
        realm, nonce = self.parameters.get("realm", ""), self.parameters.get("nonce", "")
        fields = [f'username="{self.user}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"']
        if self.qop:
            self.count += 1
            nc, cnonce = f"{self.count:08x}", secrets.token_hex(8)
            response = digest_response(
                self.user, self.password, realm, nonce, method, uri, qop="auth", nc=nc, cnonce=cnonce,
                algorithm=self.algorithm,
            )  # fmt: skip
            fields += [f'response="{response}"', "qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        else:
            response = digest_response(self.user, self.password, realm, nonce, method, uri, algorithm=self.algorithm)
            fields.append(f'response="{response}"')
        if "algorithm" in self.parameters:
            fields.append(f"algorithm={self.algorithm}")
        if "opaque" in self.parameters:
            fields.append(f'opaque="{self.parameters["opaque"]}"')
        return "Digest " + ", ".join(fields)


def depacketizer_for(video: SdpVideo) -> Depacketizer:
    if video.codec == H264:
        return H264Depacketizer(video.payload_type)
    return H265Depacketizer(video.payload_type, video.decoding_order_numbers)


# ---------------------------------------------------------------------------------------------
# The source.


class RtspClientSource:
    """One RTSP session over TCP (RTP interleaved on the RTSP connection), read without FFmpeg.

    `read()` returns one whole access unit at a time. The connection is closed by the thread
    that reads it (`close()` is not thread-safe), which also sends the keep-alives.
    """

    def __init__(self, url: str, open_timeout: float = 10.0, read_timeout: float = 10.0) -> None:
        self.url = url
        self.open_timeout = open_timeout
        self.read_timeout = read_timeout
        self._socket: socket.socket | None = None
        self._stream = InterleavedStream()
        self._units: deque[RawPacket] = deque()
        self._target: RtspTarget | None = None
        self._auth: Authenticator | None = None
        self._cseq = 0
        self._session = ""
        self._session_url = ""
        self._keepalive_method = "OPTIONS"
        self._keepalive_interval = DEFAULT_SESSION_TIMEOUT / 2
        self._next_keepalive = 0.0
        self._last_unit_at = 0.0
        self._last_data_at = 0.0
        self._nonblocking = False

    @property
    def depacketizer(self) -> Depacketizer | None:
        return self._stream.depacketizer

    def open(self) -> StreamInfo:
        target = self._target = rtsp_target(self.url)
        deadline = time.monotonic() + self.open_timeout
        self._socket = self._connect(target)
        try:
            options = self._request("OPTIONS", target.url, deadline, {})
            if "GET_PARAMETER" in options.headers.get("public", "").upper():
                self._keepalive_method = "GET_PARAMETER"
            described = self._request("DESCRIBE", target.url, deadline, {"Accept": "application/sdp"})
            self._expect_success(described, "DESCRIBE")
            base = described.headers.get("content-base") or described.headers.get("content-location") or target.url
            video = parse_sdp(described.body.decode("utf-8", "replace"), resolve_control(target.url, base))
            self._stream.depacketizer = depacketizer_for(video)
            self._units = self._stream.depacketizer.units
            self._session_url = video.session_url
            transport = {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}
            setup = self._request("SETUP", video.control_url, deadline, transport)
            self._expect_success(setup, "SETUP")
            self._use_session(setup)
            play = self._request("PLAY", self._session_url, deadline, {"Range": "npt=0.000-"})
            self._expect_success(play, "PLAY")
        except SourceError:
            self.close()
            raise
        except OSError as exc:
            self.close()
            raise SourceError(redact_text(f"the connection to {target.address} failed: {exc}", self.url)) from None
        self._stream_mode()
        return StreamInfo(video.codec, 0, 0, video.extradata, (1, video.clock_rate), "annexb")

    def read(self) -> RawPacket | None:
        units = self._units
        while not units:
            if not self.receive():
                return None
        return units.popleft()

    @property
    def units(self) -> deque[RawPacket]:
        """Whole access units received and not yet taken (`receive` appends, the reader pops)."""
        return self._units

    def fileno(self) -> int:
        """The connection's descriptor, for a read loop's selector (after `open`)."""
        if self._socket is None:
            raise SourceError("the connection to the camera is closed")
        return self._socket.fileno()

    def unblock(self) -> None:
        """From now on `receive` returns at once when nothing has arrived (a read loop calls it
        when the socket is readable, and `tick` for the time limits)."""
        assert self._socket is not None
        self._socket.setblocking(False)
        self._nonblocking = True

    def receive(self) -> bool:
        """Receive what the connection has (one read) and parse it into `units`; False once
        the camera closed the connection. Blocks until data comes, unless `unblock`ed."""
        sock = self._socket
        if sock is None:
            return False
        try:
            count = sock.recv_into(self._stream.writable())
        except BlockingIOError:  # a blocking socket's SO_RCVTIMEO ran out; a non-blocking one is empty
            if self._nonblocking:
                return True
            raise SourceError(f"no data from the camera for {self.read_timeout:g} s") from None
        except TimeoutError:
            raise SourceError(f"no data from the camera for {self.read_timeout:g} s") from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise SourceError(redact_text(f"the connection to the camera broke: {reason}", self.url)) from None
        if not count:
            return False
        now = time.monotonic()
        self._last_data_at = now
        self._stream.commit(count, now)
        if self._stream.messages:
            self._handle_messages()
        if self._units:
            self._last_unit_at = now
        self.tick(now)
        return True

    def tick(self, now: float) -> None:
        """Send a keep-alive when due; fail when the camera sent no data, or no video, for the
        read timeout (a read loop calls this now and then for idle connections)."""
        if now >= self._next_keepalive:
            self._keep_alive(now)
        if now - self._last_data_at > self.read_timeout:
            raise SourceError(f"no data from the camera for {self.read_timeout:g} s")
        if now - self._last_unit_at > self.read_timeout:
            raise SourceError(f"no video from the camera for {self.read_timeout:g} s")

    def close(self) -> None:
        sock = self._socket
        if sock is None:
            return
        if self._session:
            with contextlib.suppress(OSError):
                sock.settimeout(0.5)
                self._send("TEARDOWN", self._session_url, {})
        self._socket = None
        self._session = ""
        self._units.clear()
        with contextlib.suppress(OSError):
            sock.close()

    # -- opening ------------------------------------------------------------------------------

    def _connect(self, target: RtspTarget) -> socket.socket:
        where = target.address
        try:
            sock = socket.create_connection((target.host, target.port), timeout=self.open_timeout)
        except ConnectionRefusedError:
            raise SourceError(f"cannot connect to {where}: connection refused") from None
        except TimeoutError:
            raise SourceError(f"cannot connect to {where}: no answer within {self.open_timeout:g} s") from None
        except socket.gaierror:
            raise SourceError(f"cannot connect to {where}: unknown host name") from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise SourceError(redact_text(f"cannot connect to {where}: {reason}", self.url)) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _request(self, method: str, url: str, deadline: float, headers: dict[str, str]) -> RtspMessage:
        """Send a request and wait for its response, answering one authentication challenge."""
        assert self._target is not None
        for attempt in range(2):
            response = self._response(self._send(method, url, headers), method, deadline)
            if response.status != 401:
                return response
            if self._target.user is None:
                raise SourceError(
                    "the camera asks for a user name and password: put them in the camera's URL "
                    "(rtsp://user:password@host/...)"
                )
            if attempt:
                break
            self._auth = Authenticator(response.authenticate, self._target.user, self._target.password)
        raise SourceError("the camera refused the user name or password")

    def _send(self, method: str, url: str, headers: dict[str, str]) -> int:
        assert self._socket is not None
        self._cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self._cseq}", f"User-Agent: {USER_AGENT}"]
        if self._session:
            lines.append(f"Session: {self._session}")
        if self._auth is not None:
            lines.append(f"Authorization: {self._auth.header(method, url)}")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._socket.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
        return self._cseq

    def _response(self, cseq: int, method: str, deadline: float) -> RtspMessage:
        assert self._socket is not None
        stream = self._stream
        while True:
            for message in stream.messages:
                if message.is_response and message.cseq in (cseq, None):
                    stream.messages.clear()
                    return message
            stream.messages.clear()
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                self._socket.settimeout(remaining)
                count = self._socket.recv_into(stream.writable())
            except TimeoutError:
                raise SourceError(f"the camera did not answer {method} within {self.open_timeout:g} s") from None
            if not count:
                raise SourceError(f"the camera closed the connection instead of answering {method}")
            stream.commit(count, time.monotonic())

    @staticmethod
    def _expect_success(response: RtspMessage, method: str) -> None:
        if not 200 <= response.status < 300:
            answer = f"{response.status} {response.reason}".strip() if response.status else "something unreadable"
            raise SourceError(f"the camera answered {answer} to {method}")

    def _use_session(self, setup: RtspMessage) -> None:
        session, *options = setup.headers.get("session", "").split(";")
        self._session = session.strip()
        timeout = DEFAULT_SESSION_TIMEOUT
        for option in options:
            name, _, value = option.partition("=")
            if name.strip().lower() == "timeout" and value.strip().isdigit() and int(value) > 0:
                timeout = float(value)
        self._keepalive_interval = max(timeout / 2, 1.0)
        transport = setup.headers.get("transport", "")
        if transport and "TCP" not in transport.upper():
            raise SourceError("the camera does not offer RTP over its RTSP connection (TCP); use UDP transport")
        interleaved = re.search(r"interleaved=(\d+)", transport)
        if interleaved:
            self._stream.channel = int(interleaved[1])

    def _stream_mode(self) -> None:
        """Block in recv without Python's poll per call; the kernel enforces the read timeout."""
        assert self._socket is not None
        self._socket.settimeout(None)
        seconds = max(self.read_timeout, 0.001)
        timeval = struct.pack("ll", int(seconds), int(seconds % 1 * 1_000_000))
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
        now = time.monotonic()
        self._next_keepalive = now + self._keepalive_interval
        self._last_unit_at = self._last_data_at = now

    # -- streaming ----------------------------------------------------------------------------

    def _handle_messages(self) -> None:
        """Replies to keep-alives: a new challenge (expired nonce) is taken up, the rest ignored."""
        for message in self._stream.messages:
            if message.status == 401 and message.authenticate and self._target and self._target.user is not None:
                with contextlib.suppress(SourceError):
                    self._auth = Authenticator(message.authenticate, self._target.user, self._target.password)
        self._stream.messages.clear()

    def _keep_alive(self, now: float) -> None:
        self._next_keepalive = now + self._keepalive_interval
        try:
            self._send(self._keepalive_method, self._session_url, {})
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise SourceError(redact_text(f"cannot send a keep-alive to the camera: {reason}", self.url)) from None
