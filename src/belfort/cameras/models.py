"""The camera table."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from belfort.auth.models import Organisation
from belfort.db.base import Base, UTCDateTime, new_id


class Camera(Base):
    __tablename__ = "camera"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    legal_regime: Mapped[str] = mapped_column(String(20), nullable=False)
    main_url: Mapped[str] = mapped_column(Text, nullable=False)
    """Without credentials (see `username` and `password_enc`)."""
    sub_url: Mapped[str] = mapped_column(Text, nullable=False, default="")
    username: Mapped[str] = mapped_column(String(200), nullable=False, default="", server_default="")
    """The user name both streams sign in with; kept apart from the URLs."""
    password_enc: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    """The stream password, encrypted with the site's credentials key: never shown, logged or answered."""
    transport: Mapped[str] = mapped_column(String(3), nullable=False, default="tcp")
    street: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    area: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    retention_max_days: Mapped[int] = mapped_column(Integer, nullable=False)
    retention_min_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    council_consent_ref: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    motion_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    """Whether motion on the decoded sub-stream raises incidents in the owner's queue."""
    motion_sensitivity: Mapped[int] = mapped_column(Integer, nullable=False, default=50, server_default="50")
    """1 (only large, sustained changes) to 100 (the slightest change)."""
    motion_zones: Mapped[str] = mapped_column(Text, nullable=False, default="[]", server_default="[]")
    """JSON list of rectangles `[x, y, w, h]` in fractions of the picture; empty: the whole picture."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """Removed cameras stop recording; their footage stays until retention erases it."""

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class CameraGroup(Base):
    """A named set of cameras of one organisation: hand-picked, or all cameras of an area, a
    street or an owner (kept up to date as cameras change). A group never opens a camera by
    itself: every use meets the visible cameras (the tree, the wall) or the owner's cameras
    (a grant)."""

    __tablename__ = "camera_group"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    rule: Mapped[str] = mapped_column(String(10), nullable=False)
    """`picked`, `area`, `street` or `owner`."""
    value: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    """The area or street name, or the owner organisation's id; empty for a picked group."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class CameraGroupMember(Base):
    __tablename__ = "camera_group_member"

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera_group.id", ondelete="CASCADE"), primary_key=True)
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), primary_key=True, index=True)


class Grant(Base):
    """An owner's grant to another organisation on one camera or on a group of its cameras.

    The owner sets the ceiling: rights, validity, purposes and (for a request's approval) the
    footage range. The receiving organisation's administrator may narrow it to roles, named
    people and fewer rights, never widen it. Sets are stored space-padded (` live playback `)
    so one LIKE finds a member in SQL."""

    __tablename__ = "camera_grant"
    __table_args__ = (Index("ix_camera_grant_grantee_active", "grantee_organisation_id", "revoked_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    owner_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    grantee_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    camera_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("camera.id"), nullable=True, index=True)
    group_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("camera_group.id"), nullable=True, index=True)
    rights: Mapped[str] = mapped_column(String(100), nullable=False)
    purposes: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    """Empty: any purpose."""
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    footage_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    footage_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    request_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    """The access request this grant approves, if any."""
    narrow_rights: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    narrow_roles: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    narrow_people: Mapped[str] = mapped_column(Text, nullable=False, default="")
    narrowed_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    revoke_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    owner: Mapped[Organisation] = relationship(foreign_keys=[owner_organisation_id], lazy="joined")
    grantee: Mapped[Organisation] = relationship(foreign_keys=[grantee_organisation_id], lazy="joined")
    camera: Mapped[Camera | None] = relationship(lazy="joined")
    group: Mapped[CameraGroup | None] = relationship(lazy="joined")
