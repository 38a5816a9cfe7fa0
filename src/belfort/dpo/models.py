"""The table of data-subject requests: a person's request for the footage of themselves.

One row per request, from its receipt to its answer. `due_on` is the legal deadline (moved
by an extension); `closed_on` the day it was answered or refused, so "answered in time" is
`closed_on <= due_on`. The cameras are stored space-padded, as a grant's sets are. Nothing
here is deleted: a request and its answer are the proof the right was honoured.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from belfort.auth.models import Organisation
from belfort.db.base import Base, UTCDateTime, new_id


class SubjectRequest(Base):
    __tablename__ = "subject_request"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference"),
        Index("ix_subject_request_org_received", "organisation_id", "received_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    reference: Mapped[str] = mapped_column(String(40), nullable=False)
    """`SR-<year>-<number>`, numbered per organisation and year of receipt."""
    requester_name: Mapped[str] = mapped_column(String(200), nullable=False)
    requester_contact: Mapped[str] = mapped_column(String(300), nullable=False)
    identity_check: Mapped[str] = mapped_column(Text, nullable=False)
    """How the requester's identity was checked ("ID card seen at the desk")."""
    identity_checked_by: Mapped[str] = mapped_column(String(200), nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    """The day the request was received, in the site's calendar: the deadline runs from it."""
    period_start: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    """The footage asked for: [period_start, period_end)."""
    place: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """The street or area, as the requester described it."""
    cameras: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """The organisation's cameras that may have filmed the person (ids, space-padded)."""
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """How to recognise the person in the footage: clothes, what they carried, what they did."""
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="received", index=True)
    """`received`, `searching`, `extended`, `answered` or `refused`."""
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    extension_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    extended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    export_ids: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """The evidence packages built for this request (ids, space-padded)."""
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    """The day it was answered or refused."""
    outcome: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """The answer given, or the reason for a refusal."""
    sent: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """What was sent to the requester, and how."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closed_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    organisation: Mapped[Organisation] = relationship(lazy="joined")
