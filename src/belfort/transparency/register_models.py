"""Tables of the public camera register: which cameras an owner publishes, and each owner's
transparency profile (its public name, its DPO's contact, the legal basis and the pictogram).

A camera's street and area stay the registry's (`camera`); the register adds only what the
owner says in public about it. Nothing here holds a position, a camera name or an address
of a stream: the register never has them to leak.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from belfort.db.base import Base, UTCDateTime


class CameraPublication(Base):
    """Whether one camera is listed in the public register, the municipality it films in and
    its purpose in a few public words. No row, or `public` false: not listed."""

    __tablename__ = "camera_publication"

    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), primary_key=True)
    public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    municipality: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    purpose: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    """For example "traffic safety" or "prevention of nuisance"."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)


class TransparencyProfile(Base):
    """What the register says of an organisation that owns cameras: public as soon as it exists."""

    __tablename__ = "transparency_profile"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    """The owner's page: `/register/<slug>`, linkable from its website."""
    public_name: Mapped[str] = mapped_column(String(200), nullable=False)
    dpo_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    dpo_email: Mapped[str] = mapped_column(String(254), nullable=False)
    dpo_phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    dpo_address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    legal_basis_police: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """Empty: the law's own words (the Police Function Act, art. 25/1 and following)."""
    legal_basis_camera_law: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """Empty: the law's own words (the camera law of 21 March 2007)."""
    pictogram: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """The text of the pictogram at the cameras; empty: the standard wording with the owner's name."""
    website: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)
