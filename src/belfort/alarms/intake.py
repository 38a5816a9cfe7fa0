"""Intake: the one path from a received alarm (DC-09 or the HTTP API) to incidents.

Each message is stored as a receipt with the reply it got and why, accepted or not; an
accepted one refreshes its premises' supervision and, unless it repeats one already handled,
hands its events to the incidents. Under the incidents' opening lock, and committed before
the DC-09 acknowledgement is sent: an alarm that was acknowledged is never lost. DC-09
messages that arrive together are written together (a group commit, a savepoint each), so
that a burst of alarms costs one commit, not one each. Queues hear of changes only after the
commit.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from belfort.alarms.dc09 import Event, Outcome, ReplyKind
from belfort.alarms.incidents import Change, IncidentService
from belfort.alarms.models import AlarmReceipt, Premises, SupervisionFault
from belfort.alarms.premises import PremisesService, premises_resource
from belfort.db import Database
from belfort.errors import InvalidInput
from belfort.i18n import _
from belfort.policy import Action, Actor, PolicyGate
from belfort.timeutil import Clock, utcnow

log = logging.getLogger(__name__)
SIA_CODE = re.compile(r"^[A-Z]{2}$")
CID_CODE = re.compile(r"^[0-9A-F]{3}$")
HTTP_PAST = timedelta(hours=1)
HTTP_AHEAD = timedelta(seconds=20)
GROUP_COMMIT = 64
"""At most this many DC-09 messages are written in one transaction."""


@dataclass(frozen=True)
class HttpAlarm:
    """An alarm as an alarm centre posts it to the HTTP API."""

    account: str
    prefix: str = "0"
    format: str = "SIA-DCS"
    code: str = ""
    qualifier: str = ""
    zone: str = ""
    text: str = ""
    time: datetime | None = None
    poll: bool = False
    """A supervision poll only (no event)."""


@dataclass(eq=False)
class _Waiting:
    """An accepted DC-09 message waiting for its batch to be committed."""

    outcome: Outcome
    transport: str
    peer: str
    received_at: datetime
    done: bool = False
    error: Exception | None = None
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class Taken:
    """What became of an HTTP alarm."""

    premises: str
    changes: tuple[Change, ...]


class AlarmIntake:
    def __init__(
        self,
        db: Database,
        gate: PolicyGate,
        premises: PremisesService,
        incidents: IncidentService,
        clock: Clock = utcnow,
    ) -> None:
        self._db = db
        self.gate = gate
        self.premises = premises
        self.incidents = incidents
        self._clock = clock
        self._queue: list[_Waiting] = []
        self._queue_lock = threading.Lock()

    def dc09(self, outcome: Outcome, transport: str, peer: str, received_at: datetime) -> None:
        """Store what the receiver got and, for an accepted new message, act on its events;
        returns once that is committed, raises if it could not be (then no ACK may go out).

        A group commit: the messages that arrive while another batch is being written wait
        together, and the first of them to get the incidents' lock writes them all in one
        transaction, each in a savepoint of its own (one that fails is rolled back alone)."""
        waiting = _Waiting(outcome, transport, peer, received_at)
        with self._queue_lock:
            self._queue.append(waiting)
        changes: list[Change] = []
        with self.incidents.opening:
            if not waiting.done:
                with self._queue_lock:
                    batch, self._queue = self._queue[:GROUP_COMMIT], self._queue[GROUP_COMMIT:]
                changes = self._store(batch)
        self.incidents.announce(changes)
        if waiting.error is not None:
            raise waiting.error

    def _store(self, batch: list[_Waiting]) -> list[Change]:
        """Write a batch in one transaction; the changes to announce once it is committed."""
        try:
            with self._db.session() as session:
                for waiting in batch:
                    try:
                        with session.begin_nested():
                            waiting.changes = self._take(session, waiting)
                    except Exception as exc:  # its receiver thread logs it and sends no ACK
                        waiting.error = exc
        except Exception as exc:
            for waiting in batch:
                waiting.error = waiting.error or exc
                waiting.changes = []
        for waiting in batch:
            waiting.done = True
        return [change for waiting in batch for change in waiting.changes]

    def _take(self, session: Session, waiting: _Waiting) -> list[Change]:
        """One accepted message: its receipt, its premises' supervision, its events."""
        outcome, transport, received_at = waiting.outcome, waiting.transport, waiting.received_at
        message = outcome.message
        frame = message.frame if message is not None else None
        found = self.premises.premises_of(frame.prefix, frame.account) if frame is not None else None
        changes: list[Change] = []
        premises = session.get(Premises, found[0]) if found else None
        session.add(
            AlarmReceipt(
                at=received_at,
                transport=transport,
                peer=waiting.peer[:64],
                premises_id=premises.id if premises else None,
                account=f"{frame.prefix}:{frame.account}"[:24] if frame else "",
                token=frame.token[:12] if frame else "",
                seq=frame.seq[:4] if frame else "",
                codes=" ".join(f"{e.qualifier}{e.code}{e.zone}" for e in message.events)[:200] if message else "",
                reply=outcome.reply_kind.value,
                reason=outcome.reason[:500],
                duplicate=outcome.duplicate,
            )
        )
        if premises is not None and outcome.reply_kind is ReplyKind.ACK and message is not None:
            self._heard(session, premises, received_at)
            if not outcome.duplicate:
                alarm_at = message.timestamp or received_at
                for event in message.events:
                    change = self.incidents.on_event(session, premises, event, f"dc09-{transport}", alarm_at)
                    if change is not None:
                        changes.append(change)
        return changes

    def rejected(self, outcome: Outcome, transport: str, peer: str, received_at: datetime, sample: bytes) -> None:
        """Log a message that got NAK, DUH or no reply, with its reason (no premises is touched)."""
        log.warning("DC-09 %s from %s answered %s: %s", transport, peer, outcome.reply_kind.value, outcome.reason)
        with self._db.session() as session:
            session.add(
                AlarmReceipt(
                    at=received_at,
                    transport=transport,
                    peer=peer[:64],
                    account=_account_hint(sample),
                    reply=outcome.reply_kind.value,
                    reason=outcome.reason[:500],
                )
            )

    def http(self, actor: Actor, alarm: HttpAlarm, peer: str) -> Taken:
        """An alarm (or a poll) posted by an alarm centre's machine token."""
        prefix = (alarm.prefix or "0").strip().upper()
        account = alarm.account.strip().upper()
        event = None if alarm.poll else _http_event(alarm)
        now = self._clock()
        when = alarm.time or now
        if when > now + HTTP_AHEAD or when < now - HTTP_PAST:
            raise InvalidInput(_("time: give the moment of the alarm, at most an hour ago and not in the future"))
        found = self.premises.premises_of(prefix, account)
        changes: list[Change] = []
        with self.incidents.opening, self._db.session() as session:
            premises = session.get(Premises, found[0]) if found else None
            resource = premises_resource(premises, f"{prefix}:{account}")
            self.gate.require(
                session,
                actor,
                Action.SEND_ALARMS,
                resource,
                detail={"event": f"{event.qualifier}{event.code}{event.zone}" if event else "poll"},
            )
            assert premises is not None
            session.add(
                AlarmReceipt(
                    at=now,
                    transport="http",
                    peer=peer[:64],
                    premises_id=premises.id,
                    account=f"{prefix}:{account}"[:24],
                    token="POLL" if event is None else alarm.format[:12],
                    codes=f"{event.qualifier}{event.code}{event.zone}" if event else "",
                    reply="ACK",
                )
            )
            self._heard(session, premises, now)
            if event is not None:
                change = self.incidents.on_event(session, premises, event, "http", when)
                if change is not None:
                    changes.append(change)
            name = premises.name
        self.incidents.announce(changes)
        return Taken(name, tuple(changes))

    def _heard(self, session: Session, premises: Premises, at: datetime) -> None:
        """A message from the premises: it is supervised again, if it was in fault."""
        premises.last_message_at = at
        if premises.fault_since is not None:
            premises.fault_since = None
            fault = session.scalars(
                select(SupervisionFault).where(
                    SupervisionFault.premises_id == premises.id, SupervisionFault.ended_at.is_(None)
                )
            ).first()
            if fault is not None:
                fault.ended_at = at

    # -- supervision and upkeep -----------------------------------------------------------

    def supervise(self, grace_seconds: float, keep_days: int) -> list[uuid.UUID]:
        """Raise a fault for each supervised premises that sent nothing in its interval plus
        the grace; note grants that ended; forget receipts older than `keep_days`. Returns the
        premises newly in fault."""
        now = self._clock()
        faulted = []
        with self.incidents.opening, self._db.session() as session:
            watched = session.scalars(
                select(Premises).where(
                    Premises.removed_at.is_(None), Premises.supervision_seconds > 0, Premises.fault_since.is_(None)
                )
            ).all()
            for premises in watched:
                heard = premises.last_message_at or premises.created_at
                if now - heard > timedelta(seconds=premises.supervision_seconds + grace_seconds):
                    premises.fault_since = now
                    session.add(SupervisionFault(premises_id=premises.id, started_at=now))
                    faulted.append(premises.id)
                    log.warning(
                        "alarm premises %s (%s:%s): supervision polls missing",
                        premises.name,
                        premises.prefix,
                        premises.account,
                    )
            changes = self.incidents.sweep(session)
            session.execute(delete(AlarmReceipt).where(AlarmReceipt.at < now - timedelta(days=keep_days)))
        self.incidents.announce(changes)
        return faulted


def _http_event(alarm: HttpAlarm) -> Event:
    code = alarm.code.strip().upper()
    zone = alarm.zone.strip()
    if len(zone) > 8 or (zone and not zone.isalnum()):
        raise InvalidInput(_("zone: give the zone number as the panel sends it (at most 8 letters or digits)"))
    if len(alarm.text) > 300:
        raise InvalidInput(_("text: use at most {count} characters", count=300))
    if alarm.format == "SIA-DCS":
        if not SIA_CODE.match(code):
            raise InvalidInput(_("code: give a two-letter SIA event code such as BA (burglary) or HA (hold-up)"))
        qualifier = alarm.qualifier.strip().upper() or "N"
        if qualifier not in ("N", "O"):
            raise InvalidInput(_("qualifier: for SIA-DCS use N (new event) or O (old event)"))
    elif alarm.format == "ADM-CID":
        if not CID_CODE.match(code):
            raise InvalidInput(_("code: give a three-digit Contact ID event code such as 130 (burglary)"))
        qualifier = alarm.qualifier.strip()
        if qualifier not in ("1", "3", "6"):
            raise InvalidInput(_("qualifier: for ADM-CID use 1 (new event), 3 (restore) or 6 (previously reported)"))
    else:
        raise InvalidInput(_("format: use SIA-DCS or ADM-CID"))
    return Event(alarm.format, code, qualifier, zone, "", "", alarm.text.strip())


def _account_hint(sample: bytes) -> str:
    """The `L…#…` of a rejected frame, if it shows one, for the log (never its body)."""
    match = re.search(rb"L([0-9A-Fa-f]{1,6})#([0-9A-Fa-f]{3,16})\[", sample[:80])
    return f"{match.group(1).decode().upper()}:{match.group(2).decode().upper()}" if match else ""
