"""ANPR tables: plate reads, the distinct plates seen, hotlists, hits and speed sections.

A read is kept with its plate three ways, each with its own index, so every kind of
search seeks instead of scanning: as read (exact and prefix), reversed (suffix), and as
its OCR-equivalence key (fuzzy). `anpr_plate` holds each plate once, so a pattern with
no anchored literal scans the distinct plates, not every read. Images (plate crop,
overview) are files under `<data>/anpr/`, named in the row. A hit copies what it shows
from its read and its hotlist entry, so it outlives both under its own retention.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, Session, mapped_column

from belfort.db.base import Base, UTCDateTime, new_id
from belfort.policy import Action, Actor, PolicyGate, Resource, ResourceKind


class PlateRead(Base):
    __tablename__ = "anpr_read"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    """Whose read it is: the camera's owner, or the organisation of the sending token."""
    source: Mapped[str] = mapped_column(String(80), nullable=False)
    """What sent it: `camera:<id>` for the built-in reader, `token:<id>` for an edge camera or car."""
    client_read_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """The sender's own id for the read: sending it again changes nothing."""
    unit: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    """A mobile unit's name (a patrol car), as the sender gives it."""
    camera_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("camera.id"), nullable=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    plate: Mapped[str] = mapped_column(String(16), nullable=False)
    plate_reversed: Mapped[str] = mapped_column(String(16), nullable=False)
    plate_key: Mapped[str] = mapped_column(String(16), nullable=False)
    """The OCR-equivalence key (`belfort.anpr.plates.equivalence_key`)."""
    country: Mapped[str] = mapped_column(String(2), nullable=False, default="")
    display: Mapped[str] = mapped_column(String(24), nullable=False)
    confidence: Mapped[float] = mapped_column(Float, nullable=False)
    candidates: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    """JSON list of [plate, confidence] alternatives."""
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    heading: Mapped[float | None] = mapped_column(Float, nullable=True)
    crop_path: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    overview_path: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (
        UniqueConstraint("source", "client_read_id"),
        Index("ix_anpr_read_plate_ts", "plate", "ts"),
        Index("ix_anpr_read_reversed", "plate_reversed"),
        Index("ix_anpr_read_key_ts", "plate_key", "ts"),
        Index("ix_anpr_read_ts", "ts"),
        Index("ix_anpr_read_camera_ts", "camera_id", "ts"),
    )


class SeenPlate(Base):
    """Every plate read at least once, with when it was last seen; kept reversed too, so a
    pattern such as `*23?` finds its plates by ranges of an index (migration 0006)."""

    __tablename__ = "anpr_plate"

    plate: Mapped[str] = mapped_column(String(16), primary_key=True)
    plate_reversed: Mapped[str] = mapped_column(String(16), nullable=False, server_default="")
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (Index("ix_anpr_plate_reversed", "plate_reversed"),)


class Hotlist(Base):
    __tablename__ = "anpr_hotlist"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    watch_path: Mapped[str] = mapped_column(Text, nullable=False, default="")
    """A CSV file reloaded when it changes; empty for a list kept by import only."""
    watch_mtime: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    """The entries in force are those of this generation; an import writes the next one, then switches."""
    entries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)

    __table_args__ = (UniqueConstraint("organisation_id", "name"),)


class HotlistRow(Base):
    __tablename__ = "anpr_hotlist_entry"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    hotlist_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("anpr_hotlist.id", ondelete="CASCADE"), nullable=False, index=True
    )
    pattern: Mapped[str] = mapped_column(String(32), nullable=False)
    """Normalised plate, with `*` and `?` wildcards."""
    category: Mapped[str] = mapped_column(String(24), nullable=False)
    priority: Mapped[int] = mapped_column(Integer, nullable=False)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    __table_args__ = (Index("ix_anpr_hotlist_entry_generation", "hotlist_id", "generation"),)


class HotlistVersion(Base):
    """One counter per organisation, raised in the transaction of every change to its hotlists:
    a matcher built from version N is newer than one built from N - 1, whatever order builds end in."""

    __tablename__ = "anpr_hotlist_version"

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)


class Hit(Base):
    __tablename__ = "anpr_hit"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    read_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    """The read, while it is kept (reads and hits have their own retention)."""
    ts: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    plate: Mapped[str] = mapped_column(String(16), nullable=False)
    display: Mapped[str] = mapped_column(String(24), nullable=False)
    camera_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    """Camera name or mobile unit, with the position when known."""
    hotlist: Mapped[str] = mapped_column(String(100), nullable=False)
    pattern: Mapped[str] = mapped_column(String(32), nullable=False)
    category: Mapped[str] = mapped_column(String(24), nullable=False)
    priority: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    mode: Mapped[str] = mapped_column(String(12), nullable=False)
    """`exact`, `wildcard` or `equivalent` (matched only through OCR-confusable characters)."""
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="new")
    """`new`, `accepted` or `rejected`."""
    handled_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    series_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    """The first hit of a series: later hits of the same plate on the same entry join it."""
    repeats: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    """On the first hit of a series: how many later hits joined it."""
    last_ts: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """On the first hit of a series: when the plate was last read."""

    __table_args__ = (
        Index("ix_anpr_hit_org_created", "organisation_id", "created_at"),
        Index("ix_anpr_hit_org_plate", "organisation_id", "plate", "created_at"),
    )


class SpeedSection(Base):
    """Two ANPR cameras a known distance apart on one road, and the speed limit between them."""

    __tablename__ = "anpr_section"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    entry_camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), nullable=False)
    exit_camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("camera.id"), nullable=False)
    distance_m: Mapped[float] = mapped_column(Float, nullable=False)
    limit_kmh: Mapped[float] = mapped_column(Float, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("organisation_id", "name"),)


class _Owned(Protocol):
    @property
    def id(self) -> uuid.UUID: ...

    @property
    def organisation_id(self) -> uuid.UUID: ...


Owned = TypeVar("Owned", bound=_Owned)


def owned(
    session: Session,
    gate: PolicyGate,
    actor: Actor,
    action: Action,
    model: type[Owned],
    row_id: uuid.UUID,
    kind: ResourceKind,
    describe: Callable[[Owned], str],
) -> Owned:
    """The row `row_id` of `model`, once the gate lets the actor reach it for `action`: a row
    of another organisation and no row at all are refused alike, and the refusal recorded."""
    row = session.get(model, row_id)
    gate.require_reach(
        session,
        actor,
        action,
        Resource(
            kind,
            str(row_id),
            describe(row) if row is not None else "",
            row.organisation_id if row is not None else None,
            asked=str(row_id),
            known=row is not None,
        ),
    )
    assert row is not None  # refused above otherwise
    return row
