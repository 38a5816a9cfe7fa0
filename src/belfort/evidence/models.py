"""The export history: every evidence package asked for, by whom, for whom and why, and its state."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from belfort.db.base import Base, UTCDateTime, new_id


class EvidenceExport(Base):
    __tablename__ = "evidence_export"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), nullable=False)
    requester_name: Mapped[str] = mapped_column(String(64), nullable=False)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    case_number: Mapped[str] = mapped_column(String(100), nullable=False)
    recipient: Mapped[str] = mapped_column(String(200), nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    justification: Mapped[str] = mapped_column(String(500), nullable=False)
    legal_basis_ref: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    items: Mapped[str] = mapped_column(Text, nullable=False)
    """JSON: per clip the camera, the requested and the exact range, frames and file name."""
    blur_faces: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    """For a third party: faces are blurred, so the clips are re-encoded (noted in the manifest)."""
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="queued")
    """`queued`, `building`, `ready` or `failed`: the package is built after the request."""
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    """Percent done while building."""
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    file_name: Mapped[str] = mapped_column(String(200), nullable=False)
    """Of the package, in `<data>/exports/`."""
    bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    """Of the whole package file, as handed over; empty until it is ready."""
    signing_key_fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (Index("ix_evidence_export_org_created", "organisation_id", "created_at"),)
