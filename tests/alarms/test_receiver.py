"""The DC-09 receiver over real TCP and UDP sockets, fed by an independent transmitter
(`my-dc09-spt`, and `siadc09`'s encoder), with alarms that open incidents and grants,
supervision polls and their absence, and every kind of bad message answered as DC-09 says
and opening nothing."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from my_dc09_spt.comm.transpathtcp import TransPathTCP
from my_dc09_spt.comm.transpathudp import TransPathUDP
from my_dc09_spt.msg.dc03_msg import dc03_msg
from my_dc09_spt.msg.dc05_msg import dc05_msg
from my_dc09_spt.msg.dc09_msg import dc09_msg
from siadc09 import account as sia_account
from siadc09 import message as sia_message
from siadc09 import siadcs as sia_dcs
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.alarms.models import AlarmReceipt, Incident, IncidentEntry, Premises, SupervisionFault
from belfort.alarms.premises import ConsentSpec, PremisesSpec
from belfort.app import Services
from belfort.auth.service import actor_of_user
from belfort.cameras.models import Grant
from belfort.cameras.service import CameraSpec
from belfort.timeutil import Clock, utcnow
from tests.conftest import POLICE, SHOP, SYSTEM, Population

KEY128 = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
KEY256 = bytes(range(32))
TIMEOUT = 10.0
"""How long the sender waits for the receiver's answer: the first alarm opens an incident and
its grants, which on a busy 2-core machine has taken over 2 s (alarm centres wait 20 s and more)."""


@pytest.fixture
def clock() -> Clock:
    """DC-09 timestamps are checked against the receiver's clock: the real one."""
    return utcnow


@dataclass
class Site:
    services: Services
    tcp: tuple[str, int]
    udp: tuple[str, int]
    camera_id: uuid.UUID
    plain: str
    """Account of a premises that sends plain messages (prefix 0)."""
    keyed: str
    """Account of a premises with KEY256 (prefix 0)."""
    keyed128: str


@pytest.fixture
def site(services: Services, population: Population) -> Iterator[Site]:
    services.settings.alarms.tcp_port = 0
    services.settings.alarms.udp_port = 0
    with services.db.session() as session:
        camera = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Jeweller front", organisation=SHOP, main_url="rtsp://127.0.0.1:9/x")
        )
        centre = actor_of_user(services.accounts.user_by_name(session, "centre"))
        partner = actor_of_user(services.accounts.user_by_name(session, "partner"))
        accounts = {"plain": "1234", "keyed": "5678", "keyed128": "9ABC"}
        for name, account in accounts.items():
            premises, _key = services.premises.add(
                session,
                centre,
                PremisesSpec(
                    name=f"Jeweller {name}",
                    subscriber="Juwelier Peeters",
                    address="Grote Markt 1",
                    municipality="Quévy",
                    police=POLICE,
                    account=account,
                    zones={"3": "Shop window"},
                    supervision_seconds=60,
                ),
            )
            if name == "keyed":
                services.premises.set_key(session, centre, str(premises.id), KEY256.hex())
            if name == "keyed128":
                services.premises.set_key(session, centre, str(premises.id), KEY128.hex())
            services.premises.consent(session, partner, str(premises.id), ConsentSpec(camera=str(camera.id)))
        camera_id = camera.id
    services.start_alarms()
    receiver = services.receiver
    assert receiver is not None and receiver.tcp_address and receiver.udp_address, receiver and receiver.error
    yield Site(services, receiver.tcp_address, receiver.udp_address, camera_id, **accounts)


def _tcp(site: Site, frame: bytes, timeout: float = TIMEOUT) -> bytes | None:
    path = TransPathTCP(site.tcp[0], site.tcp[1], timeout=timeout)
    path.connect()
    try:
        return path.sendAndReceive(frame)
    finally:
        path.disconnect()


def _udp(site: Site, frame: bytes) -> bytes | None:
    path = TransPathUDP(site.udp[0], site.udp[1], timeout=TIMEOUT)
    path.connect()
    try:
        return path.sendAndReceive(frame)
    finally:
        path.disconnect()


def _sia(account: str, key: bytes | None = None, offset: int = 0, code: str = "BA") -> tuple[dc09_msg, str]:
    block = dc09_msg(account, key, None, 0, offset)
    return block, block.dc09block(7, "SIA-DCS", dc03_msg.dc03event(account, {"code": code, "zone": "3"}))


def _incidents(site: Site) -> list[Incident]:
    with site.services.db.session() as session:
        found = list(session.scalars(select(Incident).order_by(Incident.number)).unique())
        session.expunge_all()
        return found


def _receipts(site: Site) -> list[AlarmReceipt]:
    with site.services.db.session() as session:
        found = list(session.scalars(select(AlarmReceipt).order_by(AlarmReceipt.at)))
        session.expunge_all()
        return found


def test_a_plain_sia_burglary_over_tcp_opens_an_incident_and_a_live_grant(site: Site) -> None:
    block, frame = _sia(site.plain)
    answer = _tcp(site, frame.encode())
    assert answer is not None
    assert block.dc09answer(7, answer.decode())[0] == "ACK"
    [incident] = _incidents(site)
    assert (incident.category, incident.code, incident.zone, incident.zone_name) == (
        "burglary",
        "BA",
        "3",
        "Shop window",
    )
    assert incident.source == "dc09-tcp"
    with site.services.db.session() as session:
        [grant] = session.scalars(select(Grant).where(Grant.camera_id == site.camera_id)).unique().all()
        assert grant.grantee.name == POLICE
        assert set(grant.rights.split()) == {"live", "playback"}
        assert grant.valid_until is not None
        assert timedelta(minutes=59) < grant.valid_until - grant.valid_from <= timedelta(minutes=60)
        assert grant.footage_from == (incident.alarm_at - timedelta(minutes=2)).replace(microsecond=0)
        operator = actor_of_user(site.services.accounts.user_by_name(session, "operator"))
        assert any(c.id == site.camera_id for c in site.services.cameras.visible(session, operator))


def test_an_encrypted_contact_id_burglary_over_udp_opens_an_incident(site: Site) -> None:
    block = dc09_msg(site.keyed, KEY256, None, 0)
    frame = block.dc09block(12, "ADM-CID", dc05_msg.dc05event(site.keyed, {"code": "130", "q": "1", "zone": "3"}))
    answer = _udp(site, frame.encode())
    assert answer is not None
    assert block.dc09answer(12, answer.decode())[0] == "ACK"
    assert answer.startswith(b"\n") and b'"*ACK"' in answer
    [incident] = _incidents(site)
    assert (incident.category, incident.code, incident.source) == ("burglary", "130", "dc09-udp")


def test_siadc09_encrypted_hold_up_then_restore_updates_the_incident(site: Site) -> None:
    account = sia_account.Account(acct=int(site.keyed128, 16), pref=0, key=KEY128)
    for seq, code in ((1, "HA"), (2, "HR")):
        event = sia_message.EventMessage(
            account,
            config={"idtoken": "SIA-DCS", "seqno": seq, "data": sia_dcs.parse_siadcs(f"Nri1/{code}003".encode())},
        )
        answer = _tcp(site, event.encode(timestamp=datetime.now(UTC).replace(microsecond=0)))
        assert answer is not None
        reply = sia_message.parse_frame(answer, keys=KEY128)
        assert reply.idtoken == "ACK" and reply.seq == seq
    [incident] = _incidents(site)
    assert incident.category == "holdup"
    assert incident.restored_at is not None


def test_null_polls_keep_a_premises_supervised_and_their_absence_raises_a_fault(site: Site) -> None:
    services = site.services
    block = dc09_msg(site.keyed, KEY256, None, 0)
    answer = _tcp(site, block.dc09poll().encode())
    assert answer is not None and block.dc09answer(0, answer.decode())[0] == "ACK"
    with services.db.session() as session:
        premises = session.scalars(select(Premises).where(Premises.account == site.keyed)).one()
        assert premises.last_message_at is not None
        premises.last_message_at = utcnow() - timedelta(seconds=120)
        for other in session.scalars(select(Premises).where(Premises.account != site.keyed)):
            other.last_message_at = utcnow()
    assert len(services.intake.supervise(grace_seconds=30, keep_days=90)) == 1
    with services.db.session() as session:
        premises = session.scalars(select(Premises).where(Premises.account == site.keyed)).one()
        assert premises.fault_since is not None
        [fault] = session.scalars(select(SupervisionFault)).all()
        assert fault.ended_at is None
    answer = _udp(site, block.dc09poll().encode())
    assert answer is not None and block.dc09answer(0, answer.decode())[0] == "ACK"
    with services.db.session() as session:
        premises = session.scalars(select(Premises).where(Premises.account == site.keyed)).one()
        assert premises.fault_since is None
        assert session.scalars(select(SupervisionFault)).one().ended_at is not None
    assert _incidents(site) == []


def test_a_wrong_key_is_answered_duh_and_opens_nothing(site: Site) -> None:
    _block, frame = _sia(site.keyed, key=bytes(32))
    answer = _tcp(site, frame.encode())
    assert answer is not None and b'"DUH"' in answer
    assert _incidents(site) == []
    assert _receipts(site)[-1].reply == "DUH"


def test_a_plain_message_for_an_account_with_a_key_is_answered_duh(site: Site) -> None:
    _block, frame = _sia(site.keyed)
    answer = _tcp(site, frame.encode())
    assert answer is not None and b'"DUH"' in answer
    assert _incidents(site) == []


def test_a_bad_crc_or_a_wrong_length_gets_no_reply_and_opens_nothing(site: Site) -> None:
    _block, frame = _sia(site.plain)
    bad_crc = "\n" + ("0000" if frame[1:5] != "0000" else "FFFF") + frame[5:]
    wrong_length = frame[:5] + f"{int(frame[5:9], 16) + 1:04X}" + frame[9:]
    for bad in (bad_crc, wrong_length):
        with pytest.raises(TimeoutError):
            _raw_tcp(site, bad.encode())
    assert _incidents(site) == []
    reasons = [receipt.reason for receipt in _receipts(site)]
    assert len(reasons) == 2 and all(reason for reason in reasons)
    assert all(receipt.reply == "none" for receipt in _receipts(site))


def test_a_stale_timestamp_is_answered_nak_with_the_receiver_time(site: Site) -> None:
    block, frame = _sia(site.keyed, key=KEY256, offset=-120)
    answer = _tcp(site, frame.encode())
    assert answer is not None
    kind, offset = block.dc09answer(7, answer.decode())
    assert kind == "NAK"
    assert offset is not None and abs(offset) < 5
    assert _incidents(site) == []


def test_a_replayed_message_is_acknowledged_but_handled_once(site: Site) -> None:
    block, frame = _sia(site.keyed, key=KEY256)
    for _ in range(2):
        answer = _tcp(site, frame.encode())
        assert answer is not None and block.dc09answer(7, answer.decode())[0] == "ACK"
    [incident] = _incidents(site)
    with site.services.db.session() as session:
        entries = session.scalars(select(IncidentEntry).where(IncidentEntry.incident_id == incident.id)).all()
        assert [entry.kind for entry in entries] == ["opened"]
    assert [receipt.duplicate for receipt in _receipts(site)] == [False, True]


def test_alarms_that_arrive_together_are_written_together_and_one_that_fails_is_not_acknowledged(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = site.services.intake
    batches: list[int] = []
    store = intake._store
    monkeypatch.setattr(intake, "_store", lambda batch: batches.append(len(batch)) or store(batch))
    on_event = site.services.incidents.on_event

    def failing(session: Session, premises: Premises, *args: Any) -> Any:
        if premises.account == site.keyed128:
            raise RuntimeError("the disk is full")
        return on_event(session, premises, *args)

    monkeypatch.setattr(site.services.incidents, "on_event", failing)
    sent = {account: _sia(account, key=key) for account, key in [(site.plain, None), (site.keyed, KEY256)]}
    _block, failed_frame = _sia(site.keyed128, key=KEY128)
    with ThreadPoolExecutor(3) as senders:
        with site.services.incidents.opening:  # a batch being written: the three arrive meanwhile
            answers = {a: senders.submit(_tcp, site, frame.encode()) for a, (_block, frame) in sent.items()}
            failed = senders.submit(_tcp, site, failed_frame.encode(), 3.0)
            deadline = time.monotonic() + TIMEOUT
            while len(intake._queue) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(intake._queue) == 3
        for account, (block, _frame) in sent.items():
            answer = answers[account].result()
            assert answer is not None and block.dc09answer(7, answer.decode())[0] == "ACK"
        assert failed.result() is None, "a message that was not stored is not acknowledged"
    assert batches == [3]
    assert sorted(incident.premises.account for incident in _incidents(site)) == sorted(sent)
    assert sorted(receipt.account for receipt in _receipts(site)) == sorted(f"0:{a}" for a in sent)
    assert site.services.receiver is not None and site.services.receiver.replies["unstored"] == 1


def test_garbage_on_the_socket_never_stops_the_receiver(site: Site) -> None:
    with socket.create_connection(site.tcp, timeout=TIMEOUT) as connection:
        connection.sendall(bytes(range(256)) * 4 + b"\n\r\n0000" + b"\xff" * 100 + b"\r")
    datagram = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    datagram.sendto(b"\x00" * 2000, site.udp)
    datagram.close()
    block, frame = _sia(site.plain)
    answer = _tcp(site, frame.encode())
    assert answer is not None and block.dc09answer(7, answer.decode())[0] == "ACK"
    assert len(_incidents(site)) == 1


def _raw_tcp(site: Site, frame: bytes) -> bytes:
    with socket.create_connection(site.tcp, timeout=1.0) as connection:
        connection.sendall(frame)
        data = connection.recv(1024)
        if not data:
            raise TimeoutError("closed without a reply")
        return data
