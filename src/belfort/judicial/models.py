"""The tables of judicial authorisations and drone missions.

An authorisation is registered once by the organisation whose case it is and reused by
its reference for every look it covers; it is never edited, only revoked (a new decision
is a new row). A drone mission keeps its justification as it was written: the council's
yearly report reads it back.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from belfort.auth.models import Organisation
from belfort.cameras.models import Camera
from belfort.db.base import Base, UTCDateTime, new_id


class JudicialAuthorisation(Base):
    """A prosecutor's decision or an investigating judge's order: reference, date, the
    magistrate, the case, its scope (cameras, footage range) and until when it is used."""

    __tablename__ = "judicial_authorisation"
    __table_args__ = (UniqueConstraint("organisation_id", "reference"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    """`prosecutor_decision` or `investigating_judge_order`."""
    reference: Mapped[str] = mapped_column(String(200), nullable=False)
    decided_on: Mapped[date] = mapped_column(Date, nullable=False)
    magistrate: Mapped[str] = mapped_column(String(200), nullable=False)
    """The magistrate or office that decided, e.g. the prosecutor's office of Antwerp."""
    case_number: Mapped[str] = mapped_column(String(100), nullable=False)
    all_cameras: Mapped[bool] = mapped_column(Boolean, nullable=False)
    """True: every camera the organisation may consult; else the cameras listed."""
    footage_from: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    footage_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    """End-exclusive."""
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    registered_by: Mapped[str] = mapped_column(String(200), nullable=False)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    revoke_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    cameras: Mapped[list[Camera]] = relationship(
        secondary="judicial_authorisation_camera", lazy="selectin", order_by="Camera.name"
    )


class JudicialAuthorisationCamera(Base):
    __tablename__ = "judicial_authorisation_camera"

    authorisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("judicial_authorisation.id", ondelete="CASCADE"), primary_key=True
    )
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), primary_key=True, index=True)


class DroneMission(Base):
    """One flight: its regime, who asked and who answered for it, why, where, when, with
    which drone (a camera of kind `drone`) and the justification the law asks for. Its
    recordings are the drone camera's footage within [started_at, ended_at)."""

    __tablename__ = "drone_mission"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    regime: Mapped[str] = mapped_column(String(20), nullable=False)
    """`administrative` or `judicial`."""
    authorisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("judicial_authorisation.id"), nullable=True, index=True
    )
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), nullable=False, index=True)
    requesting_officer: Mapped[str] = mapped_column(String(200), nullable=False)
    responsible_officer: Mapped[str] = mapped_column(String(200), nullable=False)
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    proportionality: Mapped[str] = mapped_column(Text, nullable=False)
    subsidiarity: Mapped[str] = mapped_column(Text, nullable=False)
    area: Mapped[str] = mapped_column(String(200), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    logged_by: Mapped[str] = mapped_column(String(200), nullable=False)
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    camera: Mapped[Camera] = relationship(lazy="joined")
    authorisation: Mapped[JudicialAuthorisation | None] = relationship(lazy="joined")
