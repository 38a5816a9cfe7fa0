"""The access request table: a detective's question to a camera owner, and its answer."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from belfort.auth.models import Organisation
from belfort.db.base import Base, UTCDateTime, new_id


class AccessRequest(Base):
    """Asked: cameras (or a group) of one owner, a footage range, rights, the purpose, the
    case and its legal basis. Answered by the owner's approver: approved as asked or
    narrower (a grant), approved as "export only" (the owner builds the signed package for
    the requester), or refused with a reason. Sets are stored space-padded like a grant's."""

    __tablename__ = "access_request"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    requester_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id"), nullable=False, index=True
    )
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id"), nullable=False)
    requester_name: Mapped[str] = mapped_column(String(200), nullable=False)
    owner_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    cameras: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """The cameras asked for (ids), space-padded; empty when a group is asked for."""
    group_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("camera_group.id"), nullable=True)
    rights: Mapped[str] = mapped_column(String(100), nullable=False)
    footage_from: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    footage_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    justification: Mapped[str] = mapped_column(Text, nullable=False)
    case_number: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    pv_number: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    legal_basis_ref: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    """The prosecutor's decision (or investigating judge's order) where the 30-day rule needs it."""
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="pending", index=True)
    """`pending`, `approved`, `export_only`, `refused` or `withdrawn`."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    decision_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    grant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("camera_grant.id"), nullable=True)
    export_ids: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """For an "export only" approval: the packages the owner built for the requester."""
    requester_seen: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    """False once decided, until the requester has looked: the badge on their side."""

    requester_organisation: Mapped[Organisation] = relationship(foreign_keys=[requester_organisation_id], lazy="joined")
    owner_organisation: Mapped[Organisation] = relationship(foreign_keys=[owner_organisation_id], lazy="joined")
