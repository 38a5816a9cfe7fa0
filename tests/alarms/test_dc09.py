"""Belfort's DC-09 codec against two independent transmitters: `siadc09` (DC-09 primitives, AES-128/192/256)
and `my-dc09-spt` (a transmitter, AES-128/256). Frames are built by them; Belfort's replies are read by them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest
from my_dc09_spt.msg.dc03_msg import dc03_msg
from my_dc09_spt.msg.dc05_msg import dc05_msg
from my_dc09_spt.msg.dc09_msg import dc09_msg
from siadc09 import account as sia_account
from siadc09 import message as sia_message
from siadc09 import util as sia_util
from siadc09.xdata import Data, XData

from belfort.alarms import dc09
from belfort.alarms.codes import Category, address_kind, classify, describe
from belfort.alarms.dc09 import AccountKey, Event, ReplayGuard, ReplyKind, receive, split_frames

NOW = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
KEYS = {16: bytes(range(16)), 24: bytes(range(100, 124)), 32: bytes(range(200, 232))}
OTHER_KEY = bytes(range(1, 17))

# Accounts as siadc09 writes them (`%03X` of an int) and as my-dc09-spt is given them (a string).
PLAIN, KEYED_16, KEYED_24, KEYED_32 = 0x1234, 0x2345, 0x3456, 0x4567
ACCOUNTS: dict[tuple[str, str], AccountKey] = {
    ("789", "1234"): AccountKey(None),
    ("0", "1234"): AccountKey(None),
    ("0", "2345"): AccountKey(KEYS[16]),
    ("0", "3456"): AccountKey(KEYS[24]),
    ("0", "4567"): AccountKey(KEYS[32]),
    ("0", "12AB"): AccountKey(None),
}
KEYED = {16: KEYED_16, 24: KEYED_24, 32: KEYED_32}


def lookup(prefix: str, account: str) -> AccountKey | None:
    return ACCOUNTS.get((prefix, account))


def sia_frame(
    acct: int,
    data: bytes,
    *,
    message_type: str = "SIA-DCS",
    seq: int = 1,
    key: bytes | None = None,
    pref: int | None = None,
    rcvr: int | None = None,
    timestamp: datetime | None = NOW,
    xdata: Iterable[XData] = (),
) -> bytes:
    """A frame encoded by siadc09 (encrypted when `key` is given)."""
    account = sia_account.Account(acct=acct, pref=pref, rcvr=rcvr, key=key)
    config = {
        "idtoken": message_type,
        "seqno": seq,
        "data": Data(content=data),
        "xdata": list(xdata),
        "timestamp": timestamp,
    }
    frame: bytes = sia_message.EventMessage(account, config=config).encode()
    return frame


def sia_null(acct: int, *, key: bytes | None = None, timestamp: datetime | None = NOW) -> bytes:
    frame: bytes = sia_message.NullMessage(sia_account.Account(acct=acct, key=key), timestamp).encode()
    return frame


def handmade(content: bytes) -> bytes:
    """A frame around `content`, framed with siadc09's CRC."""
    return b"\n%04X%04X%s\r" % (sia_util.crc(content), len(content), content)


def handmade_encrypted(header: bytes, cleartext: bytes, key: bytes) -> bytes:
    """`header` + `[` + hex of siadc09's AES-CBC of `cleartext` (padded here to whole blocks)."""
    cleartext = b"P" * (16 + (-len(cleartext)) % 16) + cleartext
    return handmade(header + b"[" + sia_util.encrypt(key, cleartext).hex().encode())


def stamp(moment: datetime) -> bytes:
    return b"_" + sia_util.totimestamp(moment).encode()


def events(outcome: dc09.Outcome) -> tuple[Event, ...]:
    assert outcome.reply_kind is ReplyKind.ACK, outcome.reason
    assert outcome.message is not None
    return outcome.message.events


# -- siadc09 as transmitter -------------------------------------------------------------------


def test_plain_sia_dcs_from_siadc09_is_acked_as_siadc09_would_write_the_ack() -> None:
    frame = sia_frame(PLAIN, b"#1234|Nri1/BA0501", seq=7, pref=0x789, rcvr=0x12, xdata=[XData("M", "0026b9e4268b")])

    outcome = receive(frame, lookup, NOW)

    assert outcome.reply_kind is ReplyKind.ACK and outcome.reason == "" and not outcome.duplicate
    expected = sia_message.AckMessage(sia_account.Account(acct=PLAIN, pref=0x789, rcvr=0x12), seq=7).encode()
    assert outcome.reply == expected
    message = outcome.message
    assert message is not None
    assert (message.frame.token, message.frame.seq, message.frame.receiver, message.frame.prefix) == (
        "SIA-DCS",
        "0007",
        "12",
        "789",
    )
    assert message.frame.account == "1234" and not message.frame.encrypted and message.frame.raw == frame
    assert message.events == (Event("SIA-DCS", "BA", "N", "501", "1", "", ""),)
    assert dict(message.xdata) == {"M": "0026b9e4268b"}
    assert message.timestamp == NOW and not message.is_null


@pytest.mark.parametrize("size", [16, 24, 32])
def test_encrypted_sia_dcs_from_siadc09_is_acked_encrypted_with_the_same_key(size: int) -> None:
    frame = sia_frame(KEYED[size], b"#%X|Nri1/BA0501" % KEYED[size], seq=42, key=KEYS[size])

    outcome = receive(frame, lookup, NOW)

    assert events(outcome) == (Event("SIA-DCS", "BA", "N", "501", "1", "", ""),)
    assert outcome.message is not None and outcome.message.frame.encrypted
    assert outcome.reply.startswith(b"\n") and b'"*ACK"0042L0#%X[' % KEYED[size] in outcome.reply
    ack = sia_message.parse_frame(outcome.reply, KEYS[size])
    assert isinstance(ack, sia_message.AckMessage)
    assert (ack.seq, ack.account.acct, ack.encrypted, ack.timestamp) == (42, KEYED[size], True, NOW)


@pytest.mark.parametrize("size", [16, 24, 32])
def test_encrypted_contact_id_and_null_from_siadc09_are_read(size: int) -> None:
    cid = sia_frame(KEYED[size], b"#%X|1130 01 003" % KEYED[size], message_type="ADM-CID", seq=3, key=KEYS[size])
    null = sia_null(KEYED[size], key=KEYS[size])

    assert events(receive(cid, lookup, NOW)) == (Event("ADM-CID", "130", "1", "3", "1", "", ""),)
    polled = receive(null, lookup, NOW)
    assert events(polled) == ()
    assert polled.message is not None and polled.message.is_null and polled.message.timestamp == NOW
    assert isinstance(sia_message.parse_frame(polled.reply, KEYS[size]), sia_message.AckMessage)


def test_plain_contact_id_and_null_from_siadc09_are_read() -> None:
    cid = sia_frame(PLAIN, b"#1234|3130 01 003", message_type="ADM-CID", seq=4, timestamp=None)

    assert events(receive(cid, lookup, NOW)) == (Event("ADM-CID", "130", "3", "3", "1", "", ""),)
    polled = receive(sia_null(PLAIN, timestamp=None), lookup, NOW)
    assert polled.reply_kind is ReplyKind.ACK and polled.message is not None and polled.message.is_null
    assert polled.message.timestamp is None


def test_a_wrong_key_gets_a_duh_that_siadc09_reads() -> None:
    frame = sia_frame(KEYED_16, b"#2345|NBA1", seq=9, key=OTHER_KEY)

    outcome = receive(frame, lookup, NOW)

    assert outcome.reply_kind is ReplyKind.DUH and outcome.message is None
    assert "wrong key" in outcome.reason
    duh = sia_message.parse_frame(outcome.reply)
    assert isinstance(duh, sia_message.DuhMessage) and (duh.seq, duh.account.acct) == (9, KEYED_16)


def test_a_damaged_crc_gets_no_reply() -> None:
    frame = bytearray(sia_frame(PLAIN, b"#1234|NBA1"))
    frame[1:5] = b"%04X" % ((int(frame[1:5], 16) + 1) % 0x10000)

    outcome = receive(bytes(frame), lookup, NOW)

    assert (outcome.reply_kind, outcome.reply, outcome.message) == (ReplyKind.NONE, b"", None)
    assert outcome.reason == "CRC mismatch"


def test_a_flipped_byte_in_the_data_gets_no_reply() -> None:
    frame = sia_frame(PLAIN, b"#1234|NBA1")
    damaged = frame.replace(b"NBA1", b"NBA2")

    assert receive(damaged, lookup, NOW).reply_kind is ReplyKind.NONE


def test_a_wrong_length_gets_no_reply() -> None:
    frame = bytearray(sia_frame(PLAIN, b"#1234|NBA1"))
    frame[5:9] = b"%04X" % (int(frame[5:9], 16) + 1)

    outcome = receive(bytes(frame), lookup, NOW)

    assert outcome.reply_kind is ReplyKind.NONE and "length field" in outcome.reason


@pytest.mark.parametrize(
    "data",
    [b"", b"no frame", b"\n1234", b"\r", b"\n0000000\r", b'\nFFFF0004"AB"\r', b"\n" + b"A" * 30 + b"\r"],
)
def test_garbage_gets_no_reply(data: bytes) -> None:
    outcome = receive(data, lookup, NOW)

    assert (outcome.reply_kind, outcome.reply, outcome.message) == (ReplyKind.NONE, b"", None) and outcome.reason


def test_a_header_the_crc_vouches_for_but_that_cannot_be_read_gets_no_reply() -> None:
    outcome = receive(handmade(b'"SIA-DCS"12L0#1234[NBA1]'), lookup, NOW)

    assert outcome.reply_kind is ReplyKind.NONE and "header" in outcome.reason


@pytest.mark.parametrize("seconds", [-41, 21, -3600, 86400])
def test_a_timestamp_outside_the_window_gets_a_nak_with_the_receiver_time(seconds: int) -> None:
    frame = sia_frame(KEYED_16, b"#2345|NBA1", key=KEYS[16], timestamp=NOW + timedelta(seconds=seconds))

    outcome = receive(frame, lookup, NOW)

    assert outcome.reply_kind is ReplyKind.NAK and outcome.message is None and "timestamp" in outcome.reason
    assert outcome.reply == b'\n%04X0025"NAK"0000R0L0A0[]_09:26:53,03-14-2026\r' % sia_util.crc(
        b'"NAK"0000R0L0A0[]_09:26:53,03-14-2026'
    )
    body = outcome.reply[9:-1]
    assert int(outcome.reply[1:5], 16) == sia_util.crc(body) and int(outcome.reply[5:9], 16) == len(body)
    assert sia_util.fromtimestamp(body.split(b"_")[1].decode()) == NOW


@pytest.mark.parametrize("seconds", [-40, -1, 0, 20])
def test_a_timestamp_inside_the_window_is_accepted(seconds: int) -> None:
    frame = sia_frame(KEYED_16, b"#2345|NBA1", key=KEYS[16], timestamp=NOW + timedelta(seconds=seconds))

    assert receive(frame, lookup, NOW).reply_kind is ReplyKind.ACK


def test_a_plain_message_with_a_stale_timestamp_gets_a_nak_too() -> None:
    frame = sia_frame(PLAIN, b"#1234|NBA1", timestamp=NOW - timedelta(minutes=5))

    assert receive(frame, lookup, NOW).reply_kind is ReplyKind.NAK


def test_an_encrypted_message_without_timestamp_gets_a_nak() -> None:
    frame = handmade_encrypted(b'"*SIA-DCS"0005L0#2345', b"|#2345|NBA1]", KEYS[16])

    outcome = receive(frame, lookup, NOW)

    assert outcome.reply_kind is ReplyKind.NAK and "without timestamp" in outcome.reason


def test_a_repeat_inside_the_window_is_acked_again_and_marked_duplicate() -> None:
    guard = ReplayGuard()
    frame = sia_frame(KEYED_16, b"#2345|NBA1", seq=11, key=KEYS[16])

    first = receive(frame, lookup, NOW, guard)
    again = receive(frame, lookup, NOW + timedelta(seconds=30), guard)
    rebuilt = receive(
        sia_frame(KEYED_16, b"#2345|NBA1", seq=11, key=KEYS[16], timestamp=NOW + timedelta(seconds=30)),
        lookup,
        NOW + timedelta(seconds=31),
        guard,
    )
    next_one = receive(sia_frame(KEYED_16, b"#2345|NBA1", seq=12, key=KEYS[16]), lookup, NOW, guard)

    assert first.reply_kind is ReplyKind.ACK and not first.duplicate
    assert again.reply_kind is ReplyKind.ACK and again.duplicate and again.message is not None
    assert rebuilt.reply_kind is ReplyKind.ACK and rebuilt.duplicate
    assert next_one.reply_kind is ReplyKind.ACK and not next_one.duplicate


def test_a_replay_outside_the_window_gets_a_nak() -> None:
    guard = ReplayGuard()
    frame = sia_frame(KEYED_16, b"#2345|NBA1", seq=11, key=KEYS[16])
    receive(frame, lookup, NOW, guard)

    assert receive(frame, lookup, NOW + timedelta(minutes=2), guard).reply_kind is ReplyKind.NAK


def test_a_plain_repeat_without_timestamp_is_a_duplicate_for_the_span_only() -> None:
    guard = ReplayGuard()
    frame = sia_frame(PLAIN, b"#1234|NBA1", seq=11, timestamp=None)
    receive(frame, lookup, NOW, guard)

    assert receive(frame, lookup, NOW + timedelta(seconds=60), guard).duplicate
    assert not receive(frame, lookup, NOW + timedelta(seconds=60) + dc09.REPLAY_SPAN, guard).duplicate


def test_link_tests_are_never_duplicates() -> None:
    guard = ReplayGuard()

    for seconds in (0, 10, 20):
        assert not receive(sia_null(PLAIN, timestamp=None), lookup, NOW + timedelta(seconds=seconds), guard).duplicate
    assert len(guard) == 0


def test_the_replay_guard_is_bounded() -> None:
    guard = ReplayGuard(capacity=3)

    for seq in range(5):
        guard.seen(seq, NOW)

    assert len(guard) == 3
    assert not guard.seen(0, NOW) and guard.seen(4, NOW)


def test_plaintext_from_an_account_with_a_key_gets_a_duh() -> None:
    outcome = receive(sia_frame(KEYED_16, b"#2345|NBA1"), lookup, NOW)

    assert outcome.reply_kind is ReplyKind.DUH and "must encrypt" in outcome.reason


def test_encrypted_data_for_an_account_without_a_key_gets_a_duh() -> None:
    outcome = receive(sia_frame(PLAIN, b"#1234|NBA1", key=KEYS[16]), lookup, NOW)

    assert outcome.reply_kind is ReplyKind.DUH and "no key" in outcome.reason


def test_an_unknown_account_or_prefix_gets_a_duh_echoing_the_header() -> None:
    unknown = receive(sia_frame(0x9999, b"#9999|NBA1", seq=77, rcvr=0x5, pref=0x6), lookup, NOW)
    other_prefix = receive(sia_frame(PLAIN, b"#1234|NBA1", pref=0x6), lookup, NOW)

    assert unknown.reply_kind is ReplyKind.DUH and "unknown account 9999" in unknown.reason
    assert b'"DUH"0077R5L6#9999[]' in unknown.reply
    assert other_prefix.reply_kind is ReplyKind.DUH


def test_an_unsupported_message_type_gets_a_duh() -> None:
    outcome = receive(sia_frame(PLAIN, b"#1234|NBA1", message_type="SIA-PUL"), lookup, NOW)

    assert outcome.reply_kind is ReplyKind.DUH and "SIA-PUL" in outcome.reason


@pytest.mark.parametrize(
    "data",
    [
        b"#1234|",
        b"#1234|XZ1",
        b"#1234|N12",
        b"#1234|NBA1^open",
        b"#9999|NBA1",
        b"#12|NBA1",
        b"#1234|Atext only",
        b"#1234|NBA1BR2",
    ],
)
def test_malformed_sia_dcs_data_gets_a_duh(data: bytes) -> None:
    assert receive(sia_frame(PLAIN, data), lookup, NOW).reply_kind is ReplyKind.DUH


@pytest.mark.parametrize("data", [b"#1234|", b"#1234|1130 01", b"#1234|2130 01 003", b"#1234|1130 01 003|1131 01 004"])
def test_malformed_contact_id_data_gets_a_duh(data: bytes) -> None:
    assert receive(sia_frame(PLAIN, data, message_type="ADM-CID"), lookup, NOW).reply_kind is ReplyKind.DUH


@pytest.mark.parametrize(
    "content",
    [
        b'"NULL"0001L0#1234[x]',
        b'"SIA-DCS"0001L0#1234[#1234|NBA1',
        b'"SIA-DCS"0001L0#1234[#1234|NBA1][]',
        b'"SIA-DCS"0001L0#1234[#1234|NBA1]_09:26:53,13-14-2026',
        b'"SIA-DCS"0001L0#1234[#1234|NBA1]_9:26:53,03-14-2026',
        b'"SIA-DCS"0001L0#1234[#1234|NBA1]junk',
    ],
)
def test_a_malformed_data_field_gets_a_duh(content: bytes) -> None:
    assert receive(handmade(content), lookup, NOW).reply_kind is ReplyKind.DUH


def test_encrypted_data_that_is_not_whole_hex_blocks_gets_a_duh() -> None:
    outcome = receive(handmade(b'"*NULL"0001L0#2345[0123456789abcdef'), lookup, NOW)

    assert outcome.reply_kind is ReplyKind.DUH and "hexadecimal" in outcome.reason


# -- my-dc09-spt as transmitter ---------------------------------------------------------------


def spt(account: str, key: bytes | None = None, **options: int) -> dc09_msg:
    return dc09_msg(account, key=key, **options)


def spt_send(transmitter: dc09_msg, seq: int, token: str, payload: str) -> bytes:
    block: str = transmitter.dc09block(seq, token, payload)
    return block.encode("ascii")


@pytest.mark.parametrize("size", [None, 16, 32])
def test_sia_dcs_from_my_dc09_spt_is_read_and_its_answer_check_accepts_the_ack(size: int | None) -> None:
    account = "1234" if size is None else f"{KEYED[size]:X}"
    transmitter = spt(account, None if size is None else KEYS[size], receiver=0x12, line=0 if size else 0x789)
    payload = dc03_msg.dc03event(
        account, {"code": "BA", "zone": "0501", "area": "1", "user": "3", "time": "12:30", "text": "rear door"}
    )

    outcome = receive(spt_send(transmitter, 5, "SIA-DCS", payload), lookup, datetime.now(UTC))

    assert events(outcome) == (Event("SIA-DCS", "BA", "N", "501", "1", "3", "rear door"),)
    assert outcome.message is not None and outcome.message.frame.encrypted is (size is not None)
    answer, offset = transmitter.dc09answer(5, outcome.reply.decode("ascii"))
    assert answer == "ACK"
    assert (offset is None) if size is None else abs(offset) < 5


@pytest.mark.parametrize("size", [None, 16, 32])
def test_contact_id_and_polls_from_my_dc09_spt_are_read(size: int | None) -> None:
    account = "1234" if size is None else f"{KEYED[size]:X}"
    transmitter = spt(account, None if size is None else KEYS[size])
    payload = dc05_msg.dc05event(account, {"code": "401", "q": "3", "area": "2", "user": "7"})

    outcome = receive(spt_send(transmitter, 6, "ADM-CID", payload), lookup, datetime.now(UTC))
    polled = receive(transmitter.dc09poll().encode("ascii"), lookup, datetime.now(UTC))

    assert events(outcome) == (Event("ADM-CID", "401", "3", "", "2", "7", ""),)
    assert outcome.message is not None and outcome.message.frame.prefix == "0"
    assert transmitter.dc09answer(6, outcome.reply.decode("ascii"))[0] == "ACK"
    assert polled.reply_kind is ReplyKind.ACK and polled.message is not None and polled.message.is_null
    assert transmitter.dc09answer(0, polled.reply.decode("ascii"))[0] == "ACK"


@pytest.mark.parametrize("size", [16, 32])
def test_a_slow_clock_gets_a_nak_that_my_dc09_spt_reads_and_corrects(size: int) -> None:
    account = f"{KEYED[size]:X}"
    transmitter = spt(account, KEYS[size], offset=-120)
    payload = dc03_msg.dc03event(account, {"code": "PA", "zone": "2"})

    refused = receive(spt_send(transmitter, 8, "SIA-DCS", payload), lookup, datetime.now(UTC))
    answer, offset = transmitter.dc09answer(8, refused.reply.decode("ascii"))
    transmitter.set_offset(offset)
    retried = receive(spt_send(transmitter, 8, "SIA-DCS", payload), lookup, datetime.now(UTC))

    assert refused.reply_kind is ReplyKind.NAK and answer == "NAK" and abs(offset) < 5
    assert events(retried) == (Event("SIA-DCS", "PA", "N", "2", "", "", ""),)


def test_my_dc09_spt_reads_belforts_duh() -> None:
    transmitter = spt("2345", OTHER_KEY)
    payload = dc03_msg.dc03event("2345", {"code": "BA", "zone": "1"})

    outcome = receive(spt_send(transmitter, 3, "SIA-DCS", payload), lookup, datetime.now(UTC))

    assert outcome.reply_kind is ReplyKind.DUH
    assert transmitter.dc09answer(3, outcome.reply.decode("ascii"))[0] == "DUH"


def test_a_retransmission_rebuilt_by_my_dc09_spt_is_a_duplicate() -> None:
    guard = ReplayGuard()
    transmitter = spt("2345", KEYS[16])
    payload = dc05_msg.dc05event("2345", {"code": "130", "zone": "4"})
    first, second = (spt_send(transmitter, 21, "ADM-CID", payload) for _attempt in range(2))

    assert first != second
    assert not receive(first, lookup, datetime.now(UTC), guard).duplicate
    assert receive(second, lookup, datetime.now(UTC), guard).duplicate


def test_plaintext_from_my_dc09_spt_for_a_keyed_account_gets_a_duh() -> None:
    payload = dc03_msg.dc03event("2345", {"code": "BA", "zone": "1"})

    assert receive(spt_send(spt("2345"), 1, "SIA-DCS", payload), lookup, datetime.now(UTC)).reply_kind is ReplyKind.DUH


# -- payloads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"#1234|Nti12:30/id3/BA12", [("BA", "N", "12", "", "3", "")]),
        (b"NBA0501", [("BA", "N", "501", "", "", "")]),
        (b"#1234|Nri1/BA0501^hall^/BR0502", [("BA", "N", "501", "1", "", "hall"), ("BR", "N", "502", "1", "", "")]),
        (b"#1234|Nri1BA1ri2BA2", [("BA", "N", "1", "1", "", ""), ("BA", "N", "2", "2", "", "")]),
        (b"#1234|Nri1/BA1|Nri2/HA3", [("BA", "N", "1", "1", "", ""), ("HA", "N", "3", "2", "", "")]),
        (b"#1234|OBA1", [("BA", "O", "1", "", "", "")]),
        (b"#1234|Nri2/OP0004", [("OP", "N", "", "2", "4", "")]),
        (b"#1234|Nid5/CL", [("CL", "N", "", "", "5", "")]),
        (b"#1234|NBV3", [("BV", "N", "", "3", "", "")]),
        (b"#1234|NRP", [("RP", "N", "", "", "", "")]),
        (b"#1234|NBA1A", [("BA", "N", "1A", "", "", "")]),
        (b"#1234|NBA1*12.5C/BA2", [("BA", "N", "1", "", "", ""), ("BA", "N", "2", "", "", "")]),
        (b"#1234|NBA1|Afront window", [("BA", "N", "1", "", "", "front window")]),
        (b"#01234|NBA1|", [("BA", "N", "1", "", "", "")]),
    ],
)
def test_sia_dcs_events(data: bytes, expected: list[tuple[str, ...]]) -> None:
    outcome = receive(sia_frame(PLAIN, data), lookup, NOW)

    assert [(e.code, e.qualifier, e.zone, e.area, e.user, e.text) for e in events(outcome)] == expected
    assert all(e.format == "SIA-DCS" for e in events(outcome))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"#1234|1130 01 003", ("130", "1", "3", "1", "")),
        (b"1122 00 000", ("122", "1", "", "", "")),
        (b"#1234|6137 02 010", ("137", "6", "10", "2", "")),
        (b"#1234|1406 01 012", ("406", "1", "", "1", "12")),
        (b"#1234|113b 0a 00c", ("13B", "1", "C", "A", "")),
    ],
)
def test_contact_id_events(data: bytes, expected: tuple[str, ...]) -> None:
    (event,) = events(receive(sia_frame(PLAIN, data, message_type="ADM-CID"), lookup, NOW))

    assert (event.code, event.qualifier, event.zone, event.area, event.user) == expected
    assert event.format == "ADM-CID" and event.text == ""


def test_an_account_in_lower_case_is_looked_up_in_upper_case_and_echoed_so() -> None:
    outcome = receive(handmade(b'"SIA-DCS"0003l0#12ab[#12ab|NBA1]'), lookup, NOW)

    assert outcome.reply_kind is ReplyKind.NONE  # a lower-case L is no prefix field
    accepted = receive(handmade(b'"SIA-DCS"0003L0#12ab[#12ab|NBA1]'), lookup, NOW)
    assert accepted.reply_kind is ReplyKind.ACK and b"#12AB[]" in accepted.reply


def test_xdata_blocks_are_kept_by_identifier_first_value_first() -> None:
    content = b'"SIA-DCS"0001L0#1234[#1234|NBA1][Ilounge][Vhttp://cam/1][Isecond]' + stamp(NOW)

    outcome = receive(handmade(content), lookup, NOW)

    assert outcome.message is not None and dict(outcome.message.xdata) == {"I": "lounge", "V": "http://cam/1"}


def test_a_null_without_pipe_and_with_pipe_before_its_bracket_both_decrypt() -> None:
    header = b'"*NULL"0002L0#2345'
    for cleartext in (b"]" + stamp(NOW), b"|]" + stamp(NOW)):
        outcome = receive(handmade_encrypted(header, cleartext, KEYS[16]), lookup, NOW)
        assert outcome.reply_kind is ReplyKind.ACK and outcome.message is not None and outcome.message.is_null


# -- replies, keys and the stream -------------------------------------------------------------


def test_ack_of_an_encrypted_frame_needs_the_key() -> None:
    outcome = receive(sia_frame(KEYED_16, b"#2345|NBA1", key=KEYS[16]), lookup, NOW)
    assert outcome.message is not None

    with pytest.raises(ValueError, match="key"):
        dc09.ack(outcome.message.frame, None, NOW)


def test_duh_and_plain_ack_echo_the_header_and_are_read_by_siadc09() -> None:
    outcome = receive(sia_frame(PLAIN, b"#1234|NBA1", seq=123, pref=0x789, rcvr=0xABC), lookup, NOW)
    assert outcome.message is not None
    frame = outcome.message.frame

    ack = sia_message.parse_frame(dc09.ack(frame, None, NOW))
    duh = sia_message.parse_frame(dc09.duh(frame))

    assert isinstance(ack, sia_message.AckMessage) and isinstance(duh, sia_message.DuhMessage)
    for reply in (ack, duh):
        assert (reply.seq, reply.account.acct, reply.account.pref, reply.account.rcvr) == (123, PLAIN, 0x789, 0xABC)


def test_a_key_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="16, 24 or 32 bytes"):
        AccountKey(bytes(15))


def test_crc16_agrees_with_both_libraries() -> None:
    for sample in (b"", b'"NULL"0000L0#1234[]', bytes(range(256))):
        assert dc09.crc16(sample) == sia_util.crc(sample) == dc09_msg.dc09crc(sample.decode("latin-1"))


def test_split_frames_takes_whole_frames_and_keeps_the_rest() -> None:
    first, second = sia_frame(PLAIN, b"#1234|NBA1", seq=1), sia_frame(PLAIN, b"#1234|NBA2", seq=2)
    buffer = bytearray(b"noise" + first + b"\x00" + second[:10])

    assert split_frames(buffer) == [first]
    assert bytes(buffer) == second[:10]
    buffer += second[10:]
    assert split_frames(buffer) == [second] and buffer == bytearray()


def test_split_frames_hands_over_broken_pieces_for_the_log() -> None:
    frame = sia_frame(PLAIN, b"#1234|NBA1")
    buffer = bytearray(b"\nbroken" + frame)

    pieces = split_frames(buffer)

    assert pieces == [b"\nbroken", frame]
    assert receive(pieces[0], lookup, NOW).reply_kind is ReplyKind.NONE


def test_split_frames_discards_an_over_long_frame() -> None:
    frame = sia_frame(PLAIN, b"#1234|NBA1")
    buffer = bytearray(b"\n" + b"A" * 100)

    assert split_frames(buffer, max_frame=64) == [b"\n" + b"A" * 63]
    assert buffer == bytearray()
    buffer += b"A" * 50 + b"\r" + frame
    assert split_frames(buffer, max_frame=64) == [frame]


# -- codes ------------------------------------------------------------------------------------


def event(fmt: str, code: str, qualifier: str) -> Event:
    return Event(fmt, code, qualifier, "1", "", "", "")


@pytest.mark.parametrize(
    ("fmt", "code", "qualifier", "category"),
    [
        ("SIA-DCS", "BA", "N", Category.BURGLARY),
        ("SIA-DCS", "BV", "N", Category.BURGLARY),
        ("SIA-DCS", "HA", "N", Category.HOLDUP),
        ("SIA-DCS", "PA", "N", Category.PANIC),
        ("SIA-DCS", "BR", "N", Category.RESTORE),
        ("SIA-DCS", "HR", "N", Category.RESTORE),
        ("SIA-DCS", "PR", "N", Category.RESTORE),
        ("SIA-DCS", "BC", "N", Category.CANCEL),
        ("SIA-DCS", "OC", "N", Category.CANCEL),
        ("SIA-DCS", "FA", "N", Category.OTHER),
        ("SIA-DCS", "ZZ", "N", Category.OTHER),
        ("ADM-CID", "130", "1", Category.BURGLARY),
        ("ADM-CID", "134", "6", Category.BURGLARY),
        ("ADM-CID", "139", "1", Category.BURGLARY),
        ("ADM-CID", "137", "1", Category.OTHER),
        ("ADM-CID", "121", "1", Category.HOLDUP),
        ("ADM-CID", "122", "1", Category.HOLDUP),
        ("ADM-CID", "120", "1", Category.PANIC),
        ("ADM-CID", "123", "1", Category.PANIC),
        ("ADM-CID", "130", "3", Category.RESTORE),
        ("ADM-CID", "122", "3", Category.RESTORE),
        ("ADM-CID", "406", "1", Category.CANCEL),
        ("ADM-CID", "110", "1", Category.OTHER),
        ("ADM-CID", "110", "3", Category.OTHER),
        ("ADM-CID", "999", "1", Category.OTHER),
    ],
)
def test_classify(fmt: str, code: str, qualifier: str, category: Category) -> None:
    assert classify(event(fmt, code, qualifier)) is category


@pytest.mark.parametrize(
    ("fmt", "code", "qualifier", "text"),
    [
        ("SIA-DCS", "BA", "N", "Burglary alarm"),
        ("SIA-DCS", "FA", "O", "Fire alarm"),
        ("SIA-DCS", "YT", "N", "System battery trouble"),
        ("SIA-DCS", "QQ", "N", "SIA-DCS event QQ"),
        ("ADM-CID", "130", "1", "Burglary alarm"),
        ("ADM-CID", "130", "3", "Restore: Burglary alarm"),
        ("ADM-CID", "110", "6", "Status report: Fire alarm"),
        ("ADM-CID", "401", "1", "Opening by user"),
        ("ADM-CID", "401", "3", "Closing by user"),
        ("ADM-CID", "406", "1", "Alarm cancelled"),
        ("ADM-CID", "602", "1", "Periodic test report"),
        ("ADM-CID", "570", "1", "ADM-CID event 570"),
    ],
)
def test_describe(fmt: str, code: str, qualifier: str, text: str) -> None:
    description = describe(event(fmt, code, qualifier))

    assert description == text and description.msgid


@pytest.mark.parametrize(
    ("fmt", "code", "kind"),
    [("SIA-DCS", "BA", "zone"), ("SIA-DCS", "OP", "user"), ("SIA-DCS", "BV", "area"), ("ADM-CID", "401", "user")],
)
def test_address_kind(fmt: str, code: str, kind: str) -> None:
    assert address_kind(fmt, code) == kind
