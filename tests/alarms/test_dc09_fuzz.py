"""`receive` never raises, and never accepts what it must not: arbitrary bytes, mutations and truncations of
valid frames from both independent transmitters, and frames re-sealed after a mutation (so the damage
reaches the data parser). CRC and length are checked here with siadc09's own CRC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from my_dc09_spt.msg.dc03_msg import dc03_msg
from my_dc09_spt.msg.dc05_msg import dc05_msg
from my_dc09_spt.msg.dc09_msg import dc09_msg
from siadc09 import account as sia_account
from siadc09 import message as sia_message
from siadc09 import util as sia_util
from siadc09.xdata import Data, XData

from belfort.alarms.codes import address_kind
from belfort.alarms.dc09 import AccountKey, Outcome, ReplayGuard, ReplyKind, crc16, receive, split_frames

NOW = datetime.now(UTC).replace(microsecond=0)
"""The frames below are built once, with this time (my-dc09-spt stamps its frames with the real clock)."""
KEY_16, KEY_32 = bytes(range(16)), bytes(range(32))
ACCOUNTS = {
    ("0", "1234"): AccountKey(None),
    ("789", "1234"): AccountKey(None),
    ("0", "2345"): AccountKey(KEY_16),
    ("0", "4567"): AccountKey(KEY_32),
}


def lookup(prefix: str, account: str) -> AccountKey | None:
    return ACCOUNTS.get((prefix, account))


def _siadc09(acct: int, token: str, data: bytes, key: bytes | None, pref: int | None = None) -> bytes:
    config = {
        "idtoken": token,
        "seqno": 17,
        "data": Data(content=data),
        "xdata": [XData("I", "hall")],
        "timestamp": NOW,
    }
    frame: bytes = sia_message.EventMessage(sia_account.Account(acct=acct, pref=pref, key=key), config=config).encode()
    return frame


def _spt(account: str, key: bytes | None, token: str, payload: str) -> bytes:
    block: str = dc09_msg(account, key=key).dc09block(23, token, payload)
    return block.encode("ascii")


VALID = [
    _siadc09(0x1234, "SIA-DCS", b"#1234|Nri1/BA0501/BR0502^door^", None, pref=0x789),
    _siadc09(0x2345, "SIA-DCS", b"#2345|Nti12:30/id3/HA12", KEY_16),
    _siadc09(0x4567, "ADM-CID", b"#4567|1130 01 003", KEY_32),
    sia_message.NullMessage(sia_account.Account(acct=0x2345, key=KEY_16), NOW).encode(),
    _spt("1234", None, "SIA-DCS", dc03_msg.dc03event("1234", {"code": "PA", "zone": "2", "text": "lobby"})),
    _spt("2345", KEY_16, "ADM-CID", dc05_msg.dc05event("2345", {"code": "122", "zone": "7"})),
    _spt("4567", KEY_32, "SIA-DCS", dc03_msg.dc03event("4567", {"code": "BA", "zone": "9", "area": "1"})),
    dc09_msg("4567", key=KEY_32).dc09poll().encode("ascii"),
]


def framing_holds(frame: bytes) -> bool:
    """Whether LF/CR, length and CRC of `frame` are right, judged with siadc09's CRC."""
    if len(frame) < 10 or frame[:1] != b"\n" or frame[-1:] != b"\r":
        return False
    content = frame[9:-1]
    try:
        return int(frame[5:9], 16) == len(content) and int(frame[1:5], 16) == sia_util.crc(content)
    except ValueError:
        return False


def reseal(frame: bytes) -> bytes:
    """`frame`'s content framed again with a correct CRC and length."""
    content = frame[9:-1] if len(frame) > 10 else frame
    content = content.replace(b"\n", b"").replace(b"\r", b"")
    return b"\n%04X%04X%s\r" % (sia_util.crc(content), len(content), content)


def check_consistent(outcome: Outcome) -> None:
    """What every outcome must satisfy, whatever came in."""
    assert isinstance(outcome.reply_kind, ReplyKind)
    if outcome.reply_kind is ReplyKind.ACK:
        assert outcome.message is not None and outcome.reason == ""
    else:
        assert outcome.message is None and outcome.reason and not outcome.duplicate
    assert (outcome.reply == b"") is (outcome.reply_kind is ReplyKind.NONE)
    if outcome.reply:
        assert framing_holds(outcome.reply)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    frame = bytearray(draw(st.sampled_from(VALID)))
    for _step in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, max(len(frame) - 1, 0)))
        action = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        if action == "replace" and frame:
            frame[position] = draw(st.integers(0, 255))
        elif action == "insert":
            frame[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete" and frame:
            del frame[position]
        elif action == "truncate":
            del frame[position:]
    return bytes(frame)


def test_the_seed_frames_are_all_accepted() -> None:
    for frame in VALID:
        assert receive(frame, lookup, NOW).reply_kind is ReplyKind.ACK


@settings(max_examples=400)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    outcome = receive(data, lookup, NOW)

    check_consistent(outcome)
    if not framing_holds(data):
        assert outcome.reply_kind is ReplyKind.NONE


@settings(max_examples=400)
@given(st.binary(max_size=300))
def test_arbitrary_content_in_a_sound_frame_never_raises(content: bytes) -> None:
    check_consistent(receive(reseal(b"\n00000000" + content + b"\r"), lookup, NOW))


@settings(max_examples=600)
@given(mutated())
def test_a_mutated_frame_is_acked_only_when_its_crc_and_length_still_hold(frame: bytes) -> None:
    outcome = receive(frame, lookup, NOW)

    check_consistent(outcome)
    if not framing_holds(frame):
        assert outcome.reply_kind is ReplyKind.NONE


@settings(max_examples=600)
@given(mutated())
def test_a_mutated_frame_sealed_again_never_raises(frame: bytes) -> None:
    outcome = receive(reseal(frame), lookup, NOW, ReplayGuard())

    check_consistent(outcome)


@given(st.sampled_from(VALID), st.data())
def test_every_truncation_gets_no_reply(frame: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(frame) - 1))

    assert receive(frame[:cut], lookup, NOW).reply_kind is ReplyKind.NONE


@given(st.sampled_from(VALID[1:4]), st.integers(-3600, 3600))
def test_time_decides_only_between_ack_and_nak(frame: bytes, seconds: int) -> None:
    outcome = receive(frame, lookup, NOW + timedelta(seconds=seconds))

    expected = ReplyKind.ACK if -20 <= seconds <= 40 else ReplyKind.NAK
    assert outcome.reply_kind is expected


@given(st.lists(st.sampled_from(VALID), min_size=1, max_size=5), st.lists(st.integers(1, 200), max_size=10))
def test_split_frames_finds_every_frame_however_the_stream_is_cut(frames: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(frames)
    buffer, found, position = bytearray(), [], 0
    for size in [*cuts, len(stream)]:
        buffer += stream[position : position + size]
        position += size
        found += split_frames(buffer)

    assert found == frames and buffer == bytearray()


@given(st.binary(max_size=2000), st.integers(10, 200))
def test_split_frames_never_raises_and_keeps_within_bounds(data: bytes, max_frame: int) -> None:
    buffer = bytearray(data)

    pieces = split_frames(buffer, max_frame)

    assert all(piece.startswith(b"\n") and len(piece) <= max_frame for piece in pieces)
    assert len(buffer) <= max_frame and (not buffer or buffer.startswith(b"\n"))


@given(st.binary(max_size=500))
def test_crc16_agrees_with_siadc09(data: bytes) -> None:
    assert crc16(data) == sia_util.crc(data)


SIA_CODES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)
NUMBERS = st.integers(0, 9999)


@given(st.lists(st.tuples(SIA_CODES, NUMBERS, st.integers(1, 99)), min_size=1, max_size=4), st.booleans())
def test_generated_sia_events_read_back(items: list[tuple[str, int, int]], encrypted: bool) -> None:
    data = "/".join(f"ri{area}/{code}{zone:04d}" for code, zone, area in items)
    acct, key = (0x2345, KEY_16) if encrypted else (0x1234, None)
    frame = _siadc09(acct, "SIA-DCS", b"#%X|N%s" % (acct, data.encode()), key)

    outcome = receive(frame, lookup, NOW)

    assert outcome.message is not None, outcome.reason
    read = []
    for event in outcome.message.events:
        kind = address_kind(event.format, event.code)
        read.append((event.code, {"zone": event.zone, "user": event.user, "area": event.area}[kind], event.area))
    expected = []
    for code, zone, area in items:
        kind = address_kind("SIA-DCS", code)
        number = str(zone) if zone else (str(area) if kind == "area" else "")
        expected.append((code, number, str(zone or area) if kind == "area" else str(area)))
    assert read == expected
