"""Hashing of audit records, with no I/O.

A record's hash is SHA-256 over the previous record's hash and a canonical JSON form of
every field of the record (keys sorted, no whitespace, timestamps as `iso_utc`). Changing
any field, removing a record or changing the order therefore breaks the chain at the
first record touched. This module must stay byte-for-byte stable: a change here would
make every existing chain fail verification.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from belfort.timeutil import iso_utc

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class ResourceRef:
    kind: str
    id: str
    label: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "label": self.label}


@dataclass(frozen=True)
class AuditEntry:
    """What the caller knows about one processing step; the log adds id, seq, time and hashes."""

    op: str
    action: str
    outcome: str
    actor_id: str = ""
    actor_name: str = ""
    role: str = ""
    organisation_id: str = ""
    organisation_name: str = ""
    purpose: str = ""
    justification: str = ""
    legal_basis_ref: str = ""
    resources: tuple[ResourceRef, ...] = ()
    range_start: datetime | None = None
    range_end: datetime | None = None
    recipient: str = ""
    reason: str = ""
    detail: str = ""
    """Machine-readable extras (JSON text), e.g. a stream's duration or a filter used."""


def _time(value: datetime | None) -> str | None:
    return None if value is None else iso_utc(value)


def canonical_fields(
    record_id: uuid.UUID, seq: int, ts_utc: datetime, entry: AuditEntry, prev_hash: str
) -> dict[str, Any]:
    return {
        "id": str(record_id),
        "seq": seq,
        "ts_utc": iso_utc(ts_utc),
        "op": entry.op,
        "action": entry.action,
        "outcome": entry.outcome,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "role": entry.role,
        "organisation_id": entry.organisation_id,
        "organisation_name": entry.organisation_name,
        "purpose": entry.purpose,
        "justification": entry.justification,
        "legal_basis_ref": entry.legal_basis_ref,
        "resources": [ref.as_dict() for ref in entry.resources],
        "range_start": _time(entry.range_start),
        "range_end": _time(entry.range_end),
        "recipient": entry.recipient,
        "reason": entry.reason,
        "detail": entry.detail,
        "prev_hash": prev_hash,
    }


def record_hash(record_id: uuid.UUID, seq: int, ts_utc: datetime, entry: AuditEntry, prev_hash: str) -> str:
    """The hash that links this record to the one before it."""
    payload = json.dumps(
        canonical_fields(record_id, seq, ts_utc, entry, prev_hash),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def encode_resources(resources: tuple[ResourceRef, ...]) -> str:
    return json.dumps([ref.as_dict() for ref in resources], sort_keys=True, separators=(",", ":"))


def decode_resources(text: str) -> tuple[ResourceRef, ...]:
    items = json.loads(text) if text else []
    return tuple(ResourceRef(str(i["kind"]), str(i["id"]), str(i.get("label", ""))) for i in items)
