"""The tables of designations to watch live and of planned shifts.

A designation is never edited: a renewal is a new row, which ends the one it replaces, and
a revocation keeps the row with who revoked it and why, so the history of who was allowed
to watch live, trained when, stays readable. A shift is cancelled, not deleted, for the
same reason: the supervisor dashboard weighs past viewings against the shifts planned then.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from belfort.auth.models import User
from belfort.db.base import Base, UTCDateTime, new_id


class LiveDesignation(Base):
    """The chief's designation of one person to watch live: their training, the last day it
    holds (inclusive, in the site's zone) and, for a private security guard, the supervising
    inspector they report to."""

    __tablename__ = "live_designation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), nullable=False, index=True)
    trained_on: Mapped[date] = mapped_column(Date, nullable=False)
    training: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    """Which training, in the chief's words (a course, a certificate number); may be empty."""
    valid_until: Mapped[date] = mapped_column(Date, nullable=False)
    """The last day the designation holds, inclusive."""
    supervisor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    """The supervising inspector of a private security guard; None for everyone else."""
    designated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    designated_by: Mapped[str] = mapped_column(String(200), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """Set when revoked, or when a renewal replaced it."""
    revoked_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    revoke_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    person: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    supervisor: Mapped[User | None] = relationship(foreign_keys=[supervisor_id], lazy="joined")


class Shift(Base):
    """One person's planned shift in the control room, [starts_at, ends_at) in UTC; the team
    chief's shift names the team chief on duty."""

    __tablename__ = "staff_shift"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), nullable=False, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    team_chief: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    person: Mapped[User] = relationship(lazy="joined")
