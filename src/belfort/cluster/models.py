"""The node table: one row per Belfort process that ever ran against this database, kept up
to date by its heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from belfort.db.base import Base, UTCDateTime


class Node(Base):
    __tablename__ = "node"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    roles: Mapped[str] = mapped_column(String(100), nullable=False)
    """Space-separated: `recorder`, `web`, `analytics`."""
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    """How many cameras the node may record."""
    version: Mapped[str] = mapped_column(String(40), nullable=False)
    address: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    """Where the other nodes reach its HTTP server (`[node] url`); empty if they cannot."""
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    cameras_recording: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cameras_online: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    storage_used_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    storage_free_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
