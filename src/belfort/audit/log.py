"""Appending to, reading and verifying the audit chain.

`AuditLog.append` is the only writer. It runs inside the caller's transaction, so the
record commits or rolls back together with the action it records. Reading the log for
review is itself a consultation: callers pass through the policy gate first.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from belfort.audit.chain import GENESIS_HASH, AuditEntry, decode_resources, encode_resources, record_hash
from belfort.audit.models import AuditHead, AuditRecord
from belfort.timeutil import Clock, utcnow

HEAD_ID = 1


def entry_of(record: AuditRecord) -> AuditEntry:
    """Rebuild the caller's view of a stored record (for hashing and display)."""
    return AuditEntry(
        op=record.op,
        action=record.action,
        outcome=record.outcome,
        actor_id=record.actor_id,
        actor_name=record.actor_name,
        role=record.role,
        organisation_id=record.organisation_id,
        organisation_name=record.organisation_name,
        purpose=record.purpose,
        justification=record.justification,
        legal_basis_ref=record.legal_basis_ref,
        resources=decode_resources(record.resources),
        range_start=record.range_start,
        range_end=record.range_end,
        recipient=record.recipient,
        reason=record.reason,
        detail=record.detail,
    )


@dataclass(frozen=True)
class AuditFilter:
    """What a reviewer narrows the log to. Text filters match case-insensitive substrings."""

    person: str = ""
    camera: str = ""
    purpose: str = ""
    outcome: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None
    organisation_id: str = ""
    """Set by the caller to confine a reviewer to one organisation's people."""
    uses_of: str = ""
    """Set by the caller to the records of looks at this organisation's cameras by people of
    other organisations (the gate names the owner on each: `belfort.policy.gate.with_owner`).
    With `organisation_id` too, a record matches either: a team chief's or DPO's scope."""
    before_seq: int | None = None
    limit: int = 100

    def describe(self) -> str:
        return described(
            person=self.person,
            camera=self.camera,
            purpose=self.purpose,
            outcome=self.outcome,
            action=self.action,
            since=self.since,
            until=self.until,
        )


def described(**fields: str | datetime | None) -> str:
    """A filter as its review's audit record states it: the fields given, or "no filter"."""
    parts = [
        f"{name}={value.isoformat() if isinstance(value, datetime) else value}"
        for name, value in fields.items()
        if value
    ]
    return ", ".join(parts) or "no filter"


def owner_ref(organisation_id: str) -> str:
    """The start of the resource reference the gate adds to a record of a look at a camera of
    `organisation_id` by someone of another organisation (resources are stored with sorted keys)."""
    return '{"id":"' + organisation_id + '","kind":"organisation"'


def _like(column: InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _conditions(flt: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if flt.person:
        conditions.append(or_(_like(AuditRecord.actor_name, flt.person), AuditRecord.actor_id == flt.person))
    if flt.camera:
        conditions.append(_like(AuditRecord.resources, flt.camera))
    if flt.purpose:
        conditions.append(
            or_(
                AuditRecord.purpose == flt.purpose.lower(),
                _like(AuditRecord.justification, flt.purpose),
                _like(AuditRecord.legal_basis_ref, flt.purpose),
            )
        )
    if flt.outcome:
        conditions.append(AuditRecord.outcome == flt.outcome)
    if flt.action:
        conditions.append(AuditRecord.action == flt.action)
    if flt.since:
        conditions.append(AuditRecord.ts_utc >= flt.since)
    if flt.until:
        conditions.append(AuditRecord.ts_utc < flt.until)
    own = AuditRecord.organisation_id == flt.organisation_id
    if flt.uses_of:
        uses = AuditRecord.resources.contains(owner_ref(flt.uses_of), autoescape=True)
        conditions.append(or_(own, uses) if flt.organisation_id else uses)
    elif flt.organisation_id:
        conditions.append(own)
    if flt.before_seq is not None:
        conditions.append(AuditRecord.seq < flt.before_seq)
    return conditions


class AuditLog:
    """The only writer of the audit chain."""

    def __init__(self, clock: Clock = utcnow) -> None:
        self._clock = clock

    def append(self, session: Session, entry: AuditEntry) -> AuditRecord:
        """Link `entry` to the chain inside the caller's transaction and return the record."""
        seq, prev_hash = session.execute(
            update(AuditHead)
            .where(AuditHead.id == HEAD_ID)
            .values(seq=AuditHead.seq + 1)
            .returning(AuditHead.seq, AuditHead.hash)
        ).one()
        record_id = uuid.uuid4()
        ts = self._clock()
        digest = record_hash(record_id, seq, ts, entry, prev_hash)
        record = AuditRecord(
            id=record_id,
            seq=seq,
            ts_utc=ts,
            op=entry.op,
            action=entry.action,
            outcome=entry.outcome,
            actor_id=entry.actor_id,
            actor_name=entry.actor_name,
            role=entry.role,
            organisation_id=entry.organisation_id,
            organisation_name=entry.organisation_name,
            purpose=entry.purpose,
            justification=entry.justification,
            legal_basis_ref=entry.legal_basis_ref,
            resources=encode_resources(entry.resources),
            range_start=entry.range_start,
            range_end=entry.range_end,
            recipient=entry.recipient,
            reason=entry.reason,
            detail=entry.detail,
            prev_hash=prev_hash,
            hash=digest,
        )
        session.add(record)
        session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(hash=digest))
        session.flush()
        return record

    @staticmethod
    def query(session: Session, flt: AuditFilter) -> Sequence[AuditRecord]:
        """Records matching `flt`, newest first, at most `flt.limit`."""
        statement = select(AuditRecord).where(*_conditions(flt)).order_by(AuditRecord.seq.desc()).limit(flt.limit)
        return session.scalars(statement).all()


@dataclass
class VerifyResult:
    ok: bool
    count: int
    problem: str = ""
    bad_record_id: str = ""
    bad_seq: int | None = None
    head_hash: str = GENESIS_HASH
    notes: list[str] = field(default_factory=list)


def _bad(count: int, record: AuditRecord | None, seq: int, problem: str) -> VerifyResult:
    record_id = str(record.id) if record is not None else ""
    return VerifyResult(False, count, problem, record_id, seq)


def verify_chain(session: Session, batch: int = 5000) -> VerifyResult:
    """Walk the whole chain in order; report the first record that does not hold."""
    head = session.get(AuditHead, HEAD_ID)
    if head is None:
        return VerifyResult(False, 0, "the audit head row is missing: the log was tampered with or never created")
    expected_seq = 1
    prev_hash = GENESIS_HASH
    count = 0
    last: AuditRecord | None = None
    rows = session.execute(select(AuditRecord).order_by(AuditRecord.seq).execution_options(yield_per=batch))
    for record in rows.scalars():
        if record.seq != expected_seq:
            return _bad(
                count,
                record,
                record.seq,
                f"record {record.id} has seq {record.seq} where seq {expected_seq} was expected: "
                f"record #{expected_seq} was deleted or the order was changed",
            )
        if record.prev_hash != prev_hash:
            return _bad(
                count,
                record,
                record.seq,
                f"record {record.id} (seq {record.seq}) does not link to the record before it: "
                "a record was deleted, inserted or reordered",
            )
        digest = record_hash(record.id, record.seq, record.ts_utc, entry_of(record), record.prev_hash)
        if digest != record.hash:
            return _bad(
                count,
                record,
                record.seq,
                f"record {record.id} (seq {record.seq}) was altered: its content does not match its hash",
            )
        prev_hash = record.hash
        last = record
        expected_seq += 1
        count += 1
    if head.seq != count:
        return _bad(
            count,
            None,
            count + 1,
            f"the chain ends at seq {count} but {head.seq} records were written: "
            f"record #{count + 1} and later were deleted",
        )
    if head.hash != prev_hash:
        return _bad(
            count,
            last,
            count,
            f"record {last.id if last else '-'} (seq {count}), the last one, does not match the chain head: "
            "it was altered",
        )
    return VerifyResult(True, count, head_hash=prev_hash)
