"""ANPR answers: the request and response bodies of the ANPR API, and how reads, hits,
hotlists and passages are shaped for a person (with signed links to pictures they were
allowed to see). Shared by the API and the pages; no access decisions here.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from belfort.anpr.models import Hit, Hotlist, PlateRead
from belfort.anpr.reads import IncomingRead
from belfort.anpr.search import camera_names
from belfort.anpr.sections import Passage
from belfort.app import Services
from belfort.errors import InvalidInput
from belfort.i18n import _
from belfort.policy import Actor, Purpose, PurposeKind
from belfort.timeutil import as_utc
from belfort.web.routes.schemas import PurposeIn, StrictBody, UtcDateTime

Base64 = Annotated[str, StringConstraints(max_length=14_000_000)]


# -- schemas ------------------------------------------------------------------------------


class CandidateIn(StrictBody):
    plate: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    confidence: Annotated[float, Field(ge=0, le=1)]


class ReadIn(StrictBody):
    id: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    """Your own id for the read: sending it again changes nothing."""
    plate: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    confidence: Annotated[float, Field(ge=0, le=1)] = 1.0
    candidates: Annotated[list[CandidateIn], Field(max_length=10)] = []
    country: Annotated[str, StringConstraints(max_length=2)] = ""
    time: UtcDateTime
    camera: Annotated[str, StringConstraints(min_length=1, max_length=120)] | None = None
    """A fixed ANPR camera registered in Belfort (id or name); leave out for a mobile unit."""
    unit: Annotated[str, StringConstraints(max_length=100)] = ""
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    heading: Annotated[float, Field(ge=0, lt=360)] | None = None
    crop: Base64 | None = None
    """The plate crop, JPEG or PNG, base64."""
    overview: Base64 | None = None


class ReadsIn(StrictBody):
    reads: Annotated[list[ReadIn], Field(min_length=1, max_length=1000)]


class HitOut(BaseModel):
    id: str
    read_id: str | None
    ts: datetime
    plate: str
    display: str
    camera_id: str | None
    camera: str | None
    place: str
    hotlist: str
    pattern: str
    category: str
    priority: int
    mode: str
    """`exact`, `wildcard`, or `equivalent`: matched only through OCR-confusable characters (check it)."""
    note: str
    state: str
    handled_by: str
    handled_at: datetime | None
    reason: str
    series_id: str | None
    """On a hit that joined a series: the series' first hit (lists show only first hits)."""
    repeats: int
    """On a series' first hit: how many later hits of the plate on the entry joined it."""
    last_ts: datetime | None
    """On a series' first hit: when the plate was last read."""
    crop_url: str | None
    overview_url: str | None


class IngestedOut(BaseModel):
    id: str | None
    read_id: str
    duplicate: bool
    plate: str
    hits: list[HitOut]


class IngestOut(BaseModel):
    accepted: int
    duplicates: int
    reads: list[IngestedOut]


class HandleIn(StrictBody):
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class SearchIn(StrictBody):
    query: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    mode: Literal["auto", "exact", "partial", "fuzzy"] = "auto"
    start: UtcDateTime | None = None
    end: UtcDateTime | None = None
    cameras: Annotated[list[str], Field(max_length=100)] = []
    area: Annotated[str, StringConstraints(max_length=100)] = ""
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    before: Annotated[str, StringConstraints(max_length=100)] = ""
    """The `next` cursor of the previous page."""
    purpose: PurposeIn


class ReadOut(BaseModel):
    id: str
    ts: datetime
    plate: str
    display: str
    country: str
    confidence: float
    match: str
    camera_id: str | None
    camera: str | None
    area: str | None
    unit: str
    latitude: float | None
    longitude: float | None
    heading: float | None
    crop_url: str | None
    overview_url: str | None


class SearchOut(BaseModel):
    mode: str
    start: datetime
    end: datetime
    results: list[ReadOut]
    next: str | None


class HotlistIn(StrictBody):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
    watch_path: Annotated[str, StringConstraints(max_length=1000)] = ""


class HotlistOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    entries: int
    watch_path: str
    watch_problem: str
    """Why the watched file was last not reloaded (outside the hotlist folders, not a regular
    file, too large, a bad line); empty when it was."""
    updated_at: datetime
    updated_by: str


class EntryBody(StrictBody):
    plate: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    category: Annotated[str, StringConstraints(max_length=30)]
    priority: Annotated[int, Field(ge=1, le=5)] = 3
    valid_until: Annotated[str, StringConstraints(max_length=40)] = ""
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    pattern: str
    category: str
    priority: int
    valid_until: datetime | None
    note: str


class ImportOut(BaseModel):
    hotlist: HotlistOut
    imported: int


class SectionIn(StrictBody):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
    entry_camera: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    exit_camera: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    distance_m: Annotated[float, Field(gt=0, le=1_000_000)]
    limit_kmh: Annotated[float, Field(gt=0, le=1000)]


class SectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    entry_camera_id: uuid.UUID
    exit_camera_id: uuid.UUID
    distance_m: float
    limit_kmh: float


class ReportIn(StrictBody):
    start: UtcDateTime
    end: UtcDateTime
    over_limit_only: bool = False
    purpose: PurposeIn


class PassageOut(BaseModel):
    plate: str
    display: str
    entry: ReadOut
    exit: ReadOut
    seconds: float
    speed_kmh: float
    over_limit: bool


# -- shaping answers ------------------------------------------------------------------------


def image_urls(
    services: Services, actor: Actor, read_id: uuid.UUID | None, has: tuple[bool, bool]
) -> tuple[str | None, str | None]:
    """Signed links to a read's pictures, for the person who was allowed to see the read."""
    if read_id is None:
        return None, None
    link = services.anpr.pictures.link(actor, read_id)
    crop = f"/api/anpr/reads/{read_id}/crop?grant={link}" if has[0] else None
    overview = f"/api/anpr/reads/{read_id}/overview?grant={link}" if has[1] else None
    return crop, overview


def hit_out(services: Services, session: Session, actor: Actor, hit: Hit, read: PlateRead | None = None) -> HitOut:
    if read is None and hit.read_id is not None:
        read = session.get(PlateRead, hit.read_id)
    camera = services.anpr.reads.camera_of(session, actor, hit)
    crop, overview = image_urls(
        services, actor, read.id if read else None, (bool(read and read.crop_path), bool(read and read.overview_path))
    )
    return HitOut(
        id=str(hit.id),
        read_id=str(hit.read_id) if hit.read_id else None,
        ts=hit.ts,
        plate=hit.plate,
        display=hit.display,
        camera_id=str(hit.camera_id) if hit.camera_id else None,
        camera=camera.name if camera else None,
        place=hit.place,
        hotlist=hit.hotlist,
        pattern=hit.pattern,
        category=hit.category,
        priority=hit.priority,
        mode=hit.mode,
        note=hit.note,
        state=hit.state,
        handled_by=hit.handled_by,
        handled_at=hit.handled_at,
        reason=hit.reason,
        series_id=str(hit.series_id) if hit.series_id else None,
        repeats=hit.repeats,
        last_ts=hit.last_ts,
        crop_url=crop,
        overview_url=overview,
    )


def read_out(services: Services, actor: Actor, read: PlateRead, match: str, cameras: dict[uuid.UUID, Any]) -> ReadOut:
    camera = cameras.get(read.camera_id) if read.camera_id else None
    crop, overview = image_urls(services, actor, read.id, (bool(read.crop_path), bool(read.overview_path)))
    return ReadOut(
        id=str(read.id),
        ts=read.ts,
        plate=read.plate,
        display=read.display,
        country=read.country,
        confidence=read.confidence,
        match=match,
        camera_id=str(read.camera_id) if read.camera_id else None,
        camera=camera.name if camera else None,
        area=camera.area if camera else None,
        unit=read.unit,
        latitude=read.latitude,
        longitude=read.longitude,
        heading=read.heading,
        crop_url=crop,
        overview_url=overview,
    )


def hotlist_out(services: Services, hotlist: Hotlist) -> HotlistOut:
    return HotlistOut(
        id=hotlist.id,
        name=hotlist.name,
        entries=hotlist.entries,
        watch_path=hotlist.watch_path,
        watch_problem=services.anpr.hotlists.watch_problem(hotlist.id),
        updated_at=hotlist.updated_at,
        updated_by=hotlist.updated_by,
    )


def purpose_of(body: PurposeIn) -> Purpose:
    return Purpose(PurposeKind(body.kind), body.justification, body.legal_basis_ref)


def _decode(data: str | None, what: str, index: int) -> bytes | None:
    if data is None:
        return None
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        if what == "overview":
            raise InvalidInput(_("read {number}: the overview is not valid base64", number=index + 1)) from None
        raise InvalidInput(_("read {number}: the crop is not valid base64", number=index + 1)) from None


def incoming(body: ReadsIn) -> list[IncomingRead]:
    return [
        IncomingRead(
            plate=read.plate,
            ts=as_utc(read.time),
            confidence=read.confidence,
            client_read_id=read.id,
            candidates=tuple((c.plate, c.confidence) for c in read.candidates),
            country=read.country,
            camera=read.camera,
            unit=read.unit,
            latitude=read.latitude,
            longitude=read.longitude,
            heading=read.heading,
            crop=_decode(read.crop, "crop", index),
            overview=_decode(read.overview, "overview", index),
        )
        for index, read in enumerate(body.reads)
    ]


def cursor_of(text: str) -> tuple[datetime, uuid.UUID] | None:
    if not text:
        return None
    try:
        ts, read_id = text.split("~", 1)
        return as_utc(datetime.fromisoformat(ts.replace("Z", "+00:00"))), uuid.UUID(read_id)
    except ValueError:
        raise InvalidInput(_("before: not a cursor this search returned as `next`")) from None


def passages_out(services: Services, session: Session, actor: Actor, passages: Sequence[Passage]) -> list[PassageOut]:
    names = camera_names(session, [read for p in passages for read in (p.entry, p.exit)])
    return [
        PassageOut(
            plate=p.plate,
            display=p.display,
            entry=read_out(services, actor, p.entry, "exact", names),
            exit=read_out(services, actor, p.exit, "exact", names),
            seconds=round(p.seconds, 1),
            speed_kmh=p.speed_kmh,
            over_limit=p.over_limit,
        )
        for p in passages
    ]
