"""The camera table."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, Uuid
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """Removed cameras stop recording; their footage stays until retention erases it."""

    organisation: Mapped[Organisation] = relationship(lazy="joined")
