"""Tables for wall layouts (one person's) and camera tours (one organisation's)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from belfort.db.base import Base, UTCDateTime, new_id


class WallLayout(Base):
    """A named arrangement of cameras on a person's video wall."""

    __tablename__ = "wall_layout"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    layout: Mapped[str] = mapped_column(String(10), nullable=False)
    """One of `belfort.wall.service.TILES`: "1", "2x2", "3x3", "4x4", "1+5", "5x5", "6x6"."""
    tiles: Mapped[str] = mapped_column(Text, nullable=False)
    """JSON list, one entry per tile: a camera id or null for an empty tile."""
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    """The layout the wall opens with; at most one per person."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("user_id", "name"),)


class CameraTour(Base):
    """Cameras a wall tile cycles through, shared by the control room of one organisation."""

    __tablename__ = "camera_tour"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    camera_ids: Mapped[str] = mapped_column(Text, nullable=False)
    """JSON list of camera ids, in the order the tour shows them."""
    dwell_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    """Username of the person who first saved the tour."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
