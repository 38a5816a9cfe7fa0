"""Tables of the audit chain: the records, and the head that serialises appends.

`audit_head` holds exactly one row (id 1): the sequence number and hash of the newest
record. Appending first updates that row, which takes the write lock on SQLite and a row
lock on PostgreSQL, so two transactions can never link to the same predecessor.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from belfort.db.base import Base, UTCDateTime


class AuditRecord(Base):
    __tablename__ = "audit_record"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True, nullable=False)
    ts_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    op: Mapped[str] = mapped_column(String(20), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    actor_name: Mapped[str] = mapped_column(String(200), nullable=False, default="", index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    organisation_id: Mapped[str] = mapped_column(String(64), nullable=False, default="", index=True)
    organisation_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    purpose: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    justification: Mapped[str] = mapped_column(Text, nullable=False, default="")
    legal_basis_ref: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    resources: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    range_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    range_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recipient: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (Index("ix_audit_record_outcome_ts", "outcome", "ts_utc"),)


class AuditHead(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
