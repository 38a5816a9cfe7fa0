"""The alarm tables: premises, consents, incidents and their timelines, receipts and faults.

A premises belongs to an alarm centre (an organisation) and is reached by its DC-09 account
prefix and number; its key is stored sealed with the site's credentials key and never
answered. A consent is the camera owner's word that one camera may be forwarded to the
premises' police zone when an alarm arrives: incidents open grants only within it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from belfort.auth.models import Organisation
from belfort.cameras.models import Camera
from belfort.db.base import Base, UTCDateTime, new_id


class Premises(Base):
    """A subscriber's premises under an alarm centre's contract, and how alarms reach Belfort."""

    __tablename__ = "alarm_premises"
    __table_args__ = (UniqueConstraint("prefix", "account"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    centre_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    police_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    """The police zone that intervenes at this address and receives the incidents."""
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    subscriber: Mapped[str] = mapped_column(String(200), nullable=False)
    address: Mapped[str] = mapped_column(String(300), nullable=False)
    municipality: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    contact: Mapped[str] = mapped_column(Text, nullable=False, default="")
    zones: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    """JSON object: alarm zone number (as the panel sends it) to its name."""
    prefix: Mapped[str] = mapped_column(String(6), nullable=False, default="0")
    """The DC-09 account prefix (`L`), upper-case hexadecimal."""
    account: Mapped[str] = mapped_column(String(16), nullable=False)
    """The DC-09 account number (`#`), upper-case hexadecimal."""
    key_sealed: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """The AES key (hex), sealed with the site's credentials key; empty: plain messages."""
    key_bits: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    key_fingerprint: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    supervision_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    """How often the transmitter polls (NULL messages); 0: not supervised."""
    live_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    prealarm_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=120)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fault_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """Set while supervision polls are missing."""
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    centre: Mapped[Organisation] = relationship(foreign_keys=[centre_organisation_id], lazy="joined")
    police: Mapped[Organisation] = relationship(foreign_keys=[police_organisation_id], lazy="joined")


class Consent(Base):
    """A camera owner's consent that one camera is forwarded to the police on an alarm."""

    __tablename__ = "alarm_consent"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    premises_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alarm_premises.id"), nullable=False, index=True)
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), nullable=False, index=True)
    owner_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    live: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    prealarm: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    """Whether the minutes before the alarm may be played back too."""
    reference: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    """The signed form or contract the consent rests on."""
    given_by: Mapped[str] = mapped_column(String(200), nullable=False)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    withdraw_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    premises: Mapped[Premises] = relationship(lazy="joined")
    camera: Mapped[Camera] = relationship(lazy="joined")
    owner: Mapped[Organisation] = relationship(lazy="joined")


class Incident(Base):
    """An alarm a police zone (or a camera owner, for motion) has to handle."""

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_queue", "organisation_id", "state", "opened_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    number: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    premises_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alarm_premises.id"), nullable=True, index=True)
    camera_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("camera.id"), nullable=True)
    """For a camera's own alarm (motion): the camera."""
    source: Mapped[str] = mapped_column(String(12), nullable=False)
    """`dc09-tcp`, `dc09-udp`, `http` or `motion`."""
    category: Mapped[str] = mapped_column(String(12), nullable=False)
    code: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    zone: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    zone_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    alarm_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="open")
    """`open`, `acknowledged` or `closed`."""
    live_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """When the incident's grants end (None: no camera was forwarded)."""
    acknowledged_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False, default="")

    premises: Mapped[Premises | None] = relationship(lazy="joined")
    camera: Mapped[Camera | None] = relationship(lazy="joined")


class IncidentEntry(Base):
    """One step of an incident's timeline: an event, an operator's act, a grant's end."""

    __tablename__ = "incident_entry"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")


class IncidentGrant(Base):
    """A grant an incident opened (one per forwarded camera)."""

    __tablename__ = "incident_grant"

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), primary_key=True)
    grant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera_grant.id"), primary_key=True, index=True)


class AlarmReceipt(Base):
    """What the receiver got and answered, accepted or not: the receiver's log."""

    __tablename__ = "alarm_receipt"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    transport: Mapped[str] = mapped_column(String(8), nullable=False)
    peer: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    premises_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alarm_premises.id"), nullable=True, index=True)
    account: Mapped[str] = mapped_column(String(24), nullable=False, default="")
    token: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    seq: Mapped[str] = mapped_column(String(4), nullable=False, default="")
    codes: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    reply: Mapped[str] = mapped_column(String(4), nullable=False)
    """`ACK`, `NAK`, `DUH` or `none`."""
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    duplicate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class SupervisionFault(Base):
    """A span during which a supervised premises sent no poll in time."""

    __tablename__ = "alarm_fault"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    premises_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alarm_premises.id"), nullable=False, index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
