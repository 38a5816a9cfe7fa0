"""Tables of the register of processing activities: the DPO's own words and the cameras'
declarations.

Most of the register is drawn from the registry and the settings each time it is read; what
a person writes is kept here. `processing_register_edit` is append-only: each edit of a
free-text part keeps who, when, the text before and the text after, and the newest edit of
a part is its current text. `camera_declaration` holds a camera-law camera's declaration to
the police services and the day it was last validated.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from belfort.db.base import Base, UTCDateTime, new_id


class ProcessingRegisterEdit(Base):
    __tablename__ = "processing_register_edit"
    __table_args__ = (Index("ix_processing_register_edit_org_section", "organisation_id", "section", "edited_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    section: Mapped[str] = mapped_column(String(40), nullable=False)
    """Which free-text part: `description`, `data_subjects`, `recipients`, `transfers`, `measures`."""
    old_text: Mapped[str] = mapped_column(Text, nullable=False)
    new_text: Mapped[str] = mapped_column(Text, nullable=False)
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    edited_by: Mapped[str] = mapped_column(String(200), nullable=False)


class CameraDeclaration(Base):
    """A camera's declaration to the police services (the camera law's electronic form) and
    its last yearly validation."""

    __tablename__ = "camera_declaration"

    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), primary_key=True)
    reference: Mapped[str] = mapped_column(String(200), nullable=False)
    validated_on: Mapped[date] = mapped_column(Date, nullable=False)
    """The day the declaration was made or last validated, in the site's calendar."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)
