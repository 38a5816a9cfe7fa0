"""SIA DC-09 codec: a frame from an alarm transmitter in, Belfort's reply out (ANSI/SIA DC-09-2013/2021).

Pure: no sockets, no clock (the caller passes `now`), no database; randomness only for an encrypted ACK's
pad. `receive` reads one frame, asks `lookup` what Belfort knows of its account and returns an `Outcome`:
the reply to send and, only when the reply is an ACK, the parsed `Message`. It never raises on any bytes;
a frame it cannot trust gets no reply at all. The only state is a `ReplayGuard`'s memory of recently
accepted messages, owned by the caller.

Frame: LF, CRC (4 hex, CRC-16 of DC-07 over the bytes from the first `"` up to CR), length (4 hex, of the
same span), `"ID"` (`"*ID"` when encrypted), 4-digit sequence, optional `R<receiver>`, `L<prefix>`
(mandatory in DC-09; a missing one is read as `L0`), `#<account>` (3-16 hex digits, kept upper case),
`[data]`, optional `[x-data]` blocks, optional `_HH:MM:SS,MM-DD-YYYY` (UTC), CR. Encrypted: everything
after the `[` is the hex of AES-CBC (zero IV; 128/192/256-bit key) over `pad|data]x-data_timestamp`; the
pad holds no `|`, `[` or `]`, and a sender may leave out the `|` when the data is empty.

Replies, in the order the checks run:
- none: no LF/CR framing, CRC or length mismatch, a header that cannot be read. Nothing in such a frame
  can be trusted, not even its sequence number; the transmitter repeats it after its time-out.
- DUH (never encrypted; echoes sequence, R, L and account): unsupported ID token, unknown account,
  plaintext from an account that has a key, encrypted data for an account without one, data that does
  not decrypt into `pad|data]..._timestamp` (wrong key), malformed data, x-data or timestamp, an account
  inside the data that differs from the header's (an account reports only for itself).
- NAK `"NAK"0000R0L0A0[]_<receiver time>` (never encrypted): an encrypted message without timestamp, or a
  timestamp outside [now - 40 s, now + 20 s]; the transmitter corrects its clock and sends again.
- ACK echoing sequence, R (when sent), L and account; encrypted with the account's key when the message
  was (`"*ACK"...[hex(AES(pad|]_timestamp))`). A message whose (prefix, account, sequence, data and
  x-data) was accepted less than `REPLAY_SPAN` ago is ACKed again with `duplicate=True`: its ACK was
  lost. The timestamp is left out of that key on purpose: transmitters build a repeat anew, with a new
  pad and a new timestamp. An older repeat fails the timestamp test when it carries one (encrypted ones
  must); a plaintext message without timestamp has no protection against a later replay.

Payloads: SIA-DCS (DC-03) `#acct|Nri1/BA0501^text^/BR0502|Atext`, blocks `N` (new) and `O` (old) with
modifiers `ri` (area), `id` (user) and others that are read and left; an `A` block's text goes to the
events before it that have none. ADM-CID (DC-05) `#acct|QEEE GG ZZZ`, one event. NULL: empty data, a
link test. Zone, area and user are kept as sent, upper case, without leading zeros ("" for none or 0).
x-data `[Xvalue]` by identifier; a repeated identifier keeps its first value (`Frame.raw` keeps all).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from belfort.alarms.codes import ADM_CID, SIA_DCS, address_kind
from belfort.i18n import _
from belfort.timeutil import as_utc

NULL = "NULL"
SUPPORTED_TOKENS = frozenset({NULL, SIA_DCS, ADM_CID})
KEY_LENGTHS = (16, 24, 32)
AHEAD = timedelta(seconds=20)
"""How far a message's timestamp may lie ahead of the receiver's clock (DC-09)."""
BEHIND = timedelta(seconds=40)
"""How far a message's timestamp may lie behind the receiver's clock (DC-09)."""
REPLAY_SPAN = AHEAD + BEHIND + timedelta(seconds=30)
"""How long an accepted message is remembered: the timestamp window and a margin."""
MAX_FRAME = 4096

_LF, _CR = b"\n", b"\r"
_ZERO_IV = bytes(16)
_PAD_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-"
_PAD_TABLE = bytes(_PAD_ALPHABET[value % 64] for value in range(256))
"""Random bytes to pad characters: 64 printable ones (none of `|`, `[`, `]`), each as likely."""
_HEX4 = re.compile(rb"[0-9A-Fa-f]{4}")
_HEADER = re.compile(
    rb'"(?P<star>\*?)(?P<token>[A-Z0-9-]{1,16})"(?P<seq>[0-9]{4})'
    rb"(?:R(?P<receiver>[0-9A-Fa-f]{1,6}))?(?:L(?P<prefix>[0-9A-Fa-f]{1,6}))?"
    rb"#(?P<account>[0-9A-Fa-f]{3,16})\["
)
_HEX_BODY = re.compile(rb"(?:[0-9A-Fa-f]{32})+")
_TIMESTAMP = re.compile(rb"_([0-9]{2}):([0-9]{2}):([0-9]{2}),([0-9]{2})-([0-9]{2})-([0-9]{4})")
_ACCOUNT_BLOCK = re.compile(r"#([0-9A-Fa-f]{3,16})", re.ASCII)
_SIA_PACKET = re.compile(
    r"(?:(?P<modifier>[a-z]{2})(?P<value>[0-9:.-]*)"
    r"|(?P<code>[A-Z]{2})(?P<address>[0-9A-F]*)(?:\*[^/^]*)?)"
    r"(?:\^(?P<text>[^^]*)\^)?/?",
    re.ASCII,
)
_CID_EVENT = re.compile(r"([136])([0-9A-F]{3}) ([0-9A-F]{2}) ([0-9A-F]{3})", re.ASCII)


def crc16(data: bytes) -> int:
    """CRC-16 as SIA DC-07 defines it (polynomial 0x8005 reflected, initial value 0)."""
    crc = 0
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


def _crc_table() -> tuple[int, ...]:
    table = []
    for value in range(256):
        crc = value
        for _bit in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


class ReplyKind(StrEnum):
    ACK = "ACK"
    NAK = "NAK"
    DUH = "DUH"
    NONE = "none"


@dataclass(frozen=True)
class AccountKey:
    """What the receiver knows of an account: its AES key, or None when it sends plaintext only."""

    key: bytes | None

    def __post_init__(self) -> None:
        if self.key is not None and len(self.key) not in KEY_LENGTHS:
            raise ValueError(
                _(
                    "A DC-09 key has 16, 24 or 32 bytes (AES-128, AES-192 or AES-256), not {length}.",
                    length=len(self.key),
                )
            )


@dataclass(frozen=True)
class Frame:
    """A frame whose framing, CRC, length and header are right; `body` is what follows the `[` after the
    account, up to CR (hex ciphertext when `encrypted`)."""

    token: str
    encrypted: bool
    seq: str
    receiver: str | None
    prefix: str
    account: str
    body: bytes
    raw: bytes


@dataclass(frozen=True)
class Event:
    format: str
    code: str
    qualifier: str
    zone: str
    area: str
    user: str
    text: str


@dataclass(frozen=True)
class Message:
    frame: Frame
    events: tuple[Event, ...]
    xdata: Mapping[str, str]
    timestamp: datetime | None
    is_null: bool


@dataclass(frozen=True)
class Outcome:
    reply_kind: ReplyKind
    reply: bytes
    message: Message | None
    reason: str
    duplicate: bool = False


class ReplayGuard:
    """Messages accepted less than `span` ago, at most `capacity` of them (the oldest are forgotten first).

    In memory and not thread-safe: one guard per receiver loop."""

    def __init__(self, span: timedelta = REPLAY_SPAN, capacity: int = 10_000) -> None:
        self._span = span
        self._capacity = capacity
        self._until: OrderedDict[Hashable, datetime] = OrderedDict()

    def seen(self, key: Hashable, now: datetime) -> bool:
        """Whether `key` was recorded less than `span` before `now`; records it (again) either way."""
        while self._until:
            oldest, until = next(iter(self._until.items()))
            if until > now:
                break
            del self._until[oldest]
        repeated = key in self._until
        self._until[key] = now + self._span
        self._until.move_to_end(key)
        if len(self._until) > self._capacity:
            self._until.popitem(last=False)
        return repeated

    def __len__(self) -> int:
        return len(self._until)


class _Refused(Exception):
    def __init__(self, kind: ReplyKind, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def split_frames(buffer: bytearray, max_frame: int = MAX_FRAME) -> list[bytes]:
    """Take the frames out of a TCP stream's `buffer`, leaving an incomplete frame in it.

    Bytes before an LF are dropped. A piece that starts with LF but meets another LF before its CR, and a
    frame that grows past `max_frame` bytes, are returned too (cut to `max_frame` bytes, the rest of it
    dropped as it arrives): pass every item to `receive`, which answers such a piece with no reply and a
    reason for the log."""
    frames: list[bytes] = []
    while True:
        start = buffer.find(_LF)
        if start < 0:
            buffer.clear()
            return frames
        del buffer[:start]
        end = buffer.find(_CR, 1)
        next_start = buffer.find(_LF, 1)
        if end >= 0 and (next_start < 0 or end < next_start):
            frames.append(bytes(buffer[: min(end + 1, max_frame)]))
            del buffer[: end + 1]
        elif next_start >= 0:
            frames.append(bytes(buffer[: min(next_start, max_frame)]))
            del buffer[:next_start]
        elif len(buffer) > max_frame:
            frames.append(bytes(buffer[:max_frame]))
            buffer.clear()
            return frames
        else:
            return frames


def receive(
    data: bytes,
    lookup: Callable[[str, str], AccountKey | None],
    now: datetime,
    guard: ReplayGuard | None = None,
) -> Outcome:
    """Read one frame and decide Belfort's reply (see the module's docstring for the rules).

    `lookup(prefix, account)` gives what Belfort knows of the account, None when it is unknown; both are
    passed as the frame spells them, upper case."""
    now = as_utc(now)
    try:
        frame = _parse_frame(bytes(data))
    except _Refused as refused:
        return Outcome(ReplyKind.NONE, b"", None, refused.reason)
    try:
        account = _account(frame, lookup)
        message, digest = _open(frame, account, now)
    except _Refused as refused:
        reply = nak(now) if refused.kind is ReplyKind.NAK else duh(frame)
        return Outcome(refused.kind, reply, None, refused.reason)
    duplicate = False
    if guard is not None and not message.is_null:
        duplicate = guard.seen((frame.prefix, frame.account, frame.seq, digest), now)
    return Outcome(ReplyKind.ACK, ack(frame, account.key, now), message, "", duplicate)


def ack(frame: Frame, key: bytes | None, now: datetime) -> bytes:
    """The ACK of `frame`: plaintext, or encrypted with `key` (with the receiver's time) when `frame` was."""
    if not frame.encrypted:
        return _wrap(_echo(b"ACK", frame) + b"[]")
    if key is None:
        raise ValueError("an encrypted frame is acknowledged with its account's key")
    tail = b"|]" + _format_timestamp(now)
    pad = secrets.token_bytes(16 + (-len(tail)) % 16).translate(_PAD_TABLE)
    return _wrap(_echo(b"*ACK", frame) + b"[" + _encrypt(key, pad + tail).hex().upper().encode())


def nak(now: datetime) -> bytes:
    """The NAK: the receiver's time, for a transmitter whose timestamp fell outside the window."""
    return _wrap(b'"NAK"0000R0L0A0[]' + _format_timestamp(now))


def duh(frame: Frame) -> bytes:
    """The DUH of `frame`: received correctly, but Belfort cannot process it."""
    return _wrap(_echo(b"DUH", frame) + b"[]")


def _wrap(content: bytes) -> bytes:
    return b"\n%04X%04X%s\r" % (crc16(content), len(content), content)


def _echo(token: bytes, frame: Frame) -> bytes:
    receiver = b"" if frame.receiver is None else b"R" + frame.receiver.encode()
    return b'"%s"%s%sL%s#%s' % (token, frame.seq.encode(), receiver, frame.prefix.encode(), frame.account.encode())


def _parse_frame(data: bytes) -> Frame:
    if len(data) < 10 or data[:1] != _LF or data[-1:] != _CR:
        raise _Refused(ReplyKind.NONE, "not a frame: no LF at its start or no CR at its end")
    if _LF in data[1:-1] or _CR in data[1:-1]:
        raise _Refused(ReplyKind.NONE, "not a frame: LF or CR inside it")
    crc_field, length_field, content = data[1:5], data[5:9], data[9:-1]
    if not _HEX4.fullmatch(crc_field) or not _HEX4.fullmatch(length_field):
        raise _Refused(ReplyKind.NONE, "CRC or length field is not hexadecimal")
    if int(length_field, 16) != len(content):
        raise _Refused(ReplyKind.NONE, f"length field says {int(length_field, 16)} bytes, the frame has {len(content)}")
    if int(crc_field, 16) != crc16(content):
        raise _Refused(ReplyKind.NONE, "CRC mismatch")
    header = _HEADER.match(content)
    if header is None:
        raise _Refused(ReplyKind.NONE, "header not understood (ID token, sequence, R, L or #account)")
    receiver = header["receiver"]
    return Frame(
        token=header["token"].decode(),
        encrypted=header["star"] == b"*",
        seq=header["seq"].decode(),
        receiver=None if receiver is None else receiver.decode().upper(),
        prefix=(header["prefix"] or b"0").decode().upper(),
        account=header["account"].decode().upper(),
        body=content[header.end() :],
        raw=data,
    )


def _account(frame: Frame, lookup: Callable[[str, str], AccountKey | None]) -> AccountKey:
    if frame.token not in SUPPORTED_TOKENS:
        raise _Refused(ReplyKind.DUH, f"unsupported message type {frame.token}")
    account = lookup(frame.prefix, frame.account)
    if account is None:
        raise _Refused(ReplyKind.DUH, f"unknown account {frame.account} (prefix {frame.prefix})")
    if frame.encrypted and account.key is None:
        raise _Refused(ReplyKind.DUH, f"encrypted message for account {frame.account}, which has no key")
    if not frame.encrypted and account.key is not None:
        raise _Refused(ReplyKind.DUH, f"plaintext message from account {frame.account}, which must encrypt")
    return account


def _open(frame: Frame, account: AccountKey, now: datetime) -> tuple[Message, bytes]:
    """The message in `frame` and a digest of its data and x-data, or _Refused (DUH, NAK)."""
    if account.key is not None:
        content = _decrypt(frame.body, account.key)
        malformed = "cannot decrypt: wrong key or damaged message"
    else:
        content = frame.body
        malformed = "malformed data, x-data or timestamp"
    parts = _split(content)
    if parts is None:
        raise _Refused(ReplyKind.DUH, malformed)
    data, blocks, stamp = parts
    timestamp = _parse_timestamp(stamp) if stamp else None
    if stamp and timestamp is None:
        raise _Refused(ReplyKind.DUH, malformed)
    events = _events(frame, data.decode("utf-8", "replace"))
    xdata = _xdata(blocks)
    if frame.encrypted and timestamp is None:
        raise _Refused(ReplyKind.NAK, "encrypted message without timestamp")
    if timestamp is not None and not -BEHIND <= timestamp - now <= AHEAD:
        offset = (timestamp - now).total_seconds()
        raise _Refused(ReplyKind.NAK, f"timestamp {offset:+.0f} s off the receiver clock")
    digest = hashlib.sha256(b"\0".join((frame.token.encode(), data, *blocks))).digest()
    message = Message(frame, events, MappingProxyType(xdata), timestamp, frame.token == NULL)
    return message, digest


def _decrypt(body: bytes, key: bytes) -> bytes:
    if not _HEX_BODY.fullmatch(body):
        raise _Refused(ReplyKind.DUH, "encrypted data is not hexadecimal in whole AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).decryptor()
    cleartext = decryptor.update(bytes.fromhex(body.decode())) + decryptor.finalize()
    close = cleartext.find(b"]")
    bar = cleartext.find(b"|")
    if close < 0:
        raise _Refused(ReplyKind.DUH, "cannot decrypt: wrong key or damaged message")
    return cleartext[bar + 1 :] if 0 <= bar < close else cleartext[close:]


def _encrypt(key: bytes, cleartext: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).encryptor()
    return encryptor.update(cleartext) + encryptor.finalize()


def _split(content: bytes) -> tuple[bytes, list[bytes], bytes] | None:
    """`data]`, `[x-data]` blocks and `_timestamp` (or b"") of `content`, or None when malformed."""
    close = content.find(b"]")
    if close < 0 or b"[" in content[:close]:
        return None
    data, position, blocks = content[:close], close + 1, []
    while content[position : position + 1] == b"[":
        end = content.find(b"]", position)
        block = content[position + 1 : end]
        if end < 0 or not block or b"[" in block:
            return None
        blocks.append(block)
        position = end + 1
    stamp = content[position:]
    if stamp and not _TIMESTAMP.fullmatch(stamp):
        return None
    return data, blocks, stamp


def _parse_timestamp(stamp: bytes) -> datetime | None:
    match = _TIMESTAMP.fullmatch(stamp)
    if match is None:
        return None
    hour, minute, second, month, day, year = (int(field) for field in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def _format_timestamp(moment: datetime) -> bytes:
    utc = as_utc(moment)
    return f"_{utc.hour:02}:{utc.minute:02}:{utc.second:02},{utc.month:02}-{utc.day:02}-{utc.year:04}".encode()


def _xdata(blocks: list[bytes]) -> dict[str, str]:
    """x-data blocks by their one-character identifier (a letter, in DC-09); of a repeated identifier the
    first value is kept (the frame's `raw` keeps them all)."""
    xdata: dict[str, str] = {}
    for block in blocks:
        text = block.decode("utf-8", "replace")
        xdata.setdefault(text[0], text[1:])
    return xdata


def _events(frame: Frame, data: str) -> tuple[Event, ...]:
    if frame.token == NULL:
        if data:
            raise _Refused(ReplyKind.DUH, "NULL message with data")
        return ()
    blocks = data.split("|")
    if blocks[0].startswith("#"):
        _check_account(blocks.pop(0), frame.account)
    blocks = [block for block in blocks if block]
    if not blocks:
        raise _Refused(ReplyKind.DUH, f"{frame.token} message without an event")
    if frame.token == ADM_CID:
        return _cid_events(blocks)
    return _sia_events(blocks)


def _check_account(block: str, account: str) -> None:
    match = _ACCOUNT_BLOCK.fullmatch(block)
    if match is None:
        raise _Refused(ReplyKind.DUH, f"malformed account block {block!r}")
    if match[1].upper().lstrip("0") != account.lstrip("0"):
        raise _Refused(ReplyKind.DUH, f"account {match[1]} in the data differs from account {account} in the header")


def _cid_events(blocks: list[str]) -> tuple[Event, ...]:
    if len(blocks) != 1:
        raise _Refused(ReplyKind.DUH, "ADM-CID data holds more than one event")
    match = _CID_EVENT.fullmatch(blocks[0].upper())
    if match is None:
        raise _Refused(ReplyKind.DUH, f"malformed ADM-CID event {blocks[0]!r}")
    qualifier, code, group, address = match.groups()
    number = _number(address)
    kind = address_kind(ADM_CID, code)
    return (
        Event(
            format=ADM_CID,
            code=code,
            qualifier=qualifier,
            zone=number if kind == "zone" else "",
            area=_number(group),
            user=number if kind == "user" else "",
            text="",
        ),
    )


def _sia_events(blocks: list[str]) -> tuple[Event, ...]:
    events: list[Event] = []
    for block in blocks:
        function, content = block[:1], block[1:]
        if function in ("N", "O"):
            events.extend(_sia_block(function, content))
        elif function == "A":
            if not events:
                raise _Refused(ReplyKind.DUH, "SIA-DCS text block without an event before it")
            events = [replace(event, text=event.text or content) for event in events]
        else:
            raise _Refused(ReplyKind.DUH, f"unsupported SIA-DCS block {block!r}")
    return tuple(events)


def _sia_block(function: str, content: str) -> list[Event]:
    area = user = ""
    events: list[Event] = []
    position = 0
    while position < len(content):
        packet = _SIA_PACKET.match(content, position)
        if packet is None or packet.end() == position:
            raise _Refused(ReplyKind.DUH, f"malformed SIA-DCS block {function + content!r}")
        position = packet.end()
        if packet["modifier"] == "ri":
            area = _number(packet["value"])
        elif packet["modifier"] == "id":
            user = _number(packet["value"])
        elif packet["code"] is not None:
            events.append(_sia_event(function, packet["code"], packet["address"], area, user, packet["text"] or ""))
    if not events:
        raise _Refused(ReplyKind.DUH, f"SIA-DCS block without an event {function + content!r}")
    return events


def _sia_event(function: str, code: str, address: str, area: str, user: str, text: str) -> Event:
    number = _number(address)
    kind = address_kind(SIA_DCS, code)
    return Event(
        format=SIA_DCS,
        code=code,
        qualifier=function,
        zone=number if kind == "zone" else "",
        area=(number or area) if kind == "area" else area,
        user=(number or user) if kind == "user" else user,
        text=text,
    )


def _number(digits: str) -> str:
    return digits.upper().lstrip("0")
