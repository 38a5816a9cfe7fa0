"""Evidence holds: a camera's time range that retention must not erase."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from belfort.db.base import Base, UTCDateTime, new_id


class Hold(Base):
    __tablename__ = "evidence_hold"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), nullable=False)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    case_number: Mapped[str] = mapped_column(String(100), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lifted_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    purpose: Mapped[str] = mapped_column(String(20), nullable=False, default="judicial", server_default="judicial")
    """`administrative`: kept no longer than the law allows for the camera; `judicial`: until lifted."""
    legal_basis_ref: Mapped[str] = mapped_column(String(200), nullable=False, default="", server_default="")

    __table_args__ = (Index("ix_evidence_hold_camera", "camera_id", "start_time"),)
