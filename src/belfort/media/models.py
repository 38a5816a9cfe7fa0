"""The recording index: segments on disk, gaps between them, and media events.

A segment is one fragmented MP4 file (init + one fragment per GOP) of 30 to 120 s.
Its row is written when the file is opened (state `writing`) and completed when it is
closed, so a crash leaves a row that start-up recovery can finish from the file itself.
A gap is an explicit stretch without footage, with its reason. Times are UTC wall-clock.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from belfort.db.base import Base, UTCDateTime, new_id


class Segment(Base):
    __tablename__ = "segment"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), nullable=False)
    storage_id: Mapped[str] = mapped_column(String(36), nullable=False)
    path: Mapped[str] = mapped_column(String(300), nullable=False)
    """Relative to the storage root."""
    state: Mapped[str] = mapped_column(String(10), nullable=False)
    """`writing`, `complete` or `recovered`."""
    start_time: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    frames: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    keyframes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    codec: Mapped[str] = mapped_column(String(40), nullable=False)
    """RFC 6381 codec string, e.g. avc1.640028."""
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    fragments: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, default=b"")
    """Packed fragment index: (offset, size, start ms from segment start, frames) per GOP."""

    __table_args__ = (
        Index("ix_segment_camera_start", "camera_id", "start_time"),
        Index("ix_segment_end", "end_time"),
    )


class Gap(Base):
    __tablename__ = "recording_gap"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), nullable=False)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """Open (None) while the camera is still away."""
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    """`camera_offline`, `recorder_down`, `storage_error` or `crash`."""
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")

    __table_args__ = (Index("ix_recording_gap_camera_start", "camera_id", "start_time"),)


class MediaEvent(Base):
    """Things an operator of the platform should know: recovery reports, storage warnings."""

    __tablename__ = "media_event"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    camera_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)


class StorageArea(Base):
    """A storage folder this database records into; its id is also in the folder's metadata file."""

    __tablename__ = "storage_area"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    node: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The node that records into it (other nodes ask that node for its segments)."""


class CameraLease(Base):
    """Which node records a camera, until when (one row per camera ever recorded).

    A node holds a camera while `expires_at` lies ahead and renews it every few seconds;
    `epoch` grows by one each time another hold begins, so a node that lost its hold
    (paused, cut off) cannot renew it by mistake: its renewal names the old epoch."""

    __tablename__ = "camera_lease"

    camera_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    node: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    epoch: Mapped[int] = mapped_column(BigInteger, nullable=False)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    written_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """The end of the footage the holder had written at its last renewal: where a
    `recorder_down` gap begins when the holder dies."""
