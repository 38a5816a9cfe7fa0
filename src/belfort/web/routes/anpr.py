"""ANPR API: plate reads in, hits out (REST, WebSocket, webhooks), search, hotlists, sections.

Edge cameras and patrol cars send reads with a machine token (scope `anpr:ingest`);
people see hits, search plates and manage hotlists under the policy gate. Pictures of
reads (plate crop, overview) are served under a signed grant that comes with the hits
or search results the person was allowed to see, bound to that person and that read.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from belfort.anpr.hotlists import EntryIn, entry, parse_csv
from belfort.anpr.images import MEDIA_TYPES
from belfort.anpr.models import Hit, Hotlist, PlateRead
from belfort.anpr.reads import IncomingRead, hit_message, hits_topic, organisation_of, reads_resource
from belfort.anpr.search import SearchQuery, camera_names
from belfort.anpr.sections import Passage
from belfort.app import Services
from belfort.auth.service import Identity
from belfort.errors import BelfortError, InvalidInput
from belfort.policy import Actor, Purpose, PurposeKind
from belfort.timeutil import as_utc, iso_utc
from belfort.web.deps import NotAuthenticated, connection_identity, current_actor, db_session, get_services, release
from belfort.web.routes.schemas import PurposeIn, StrictBody, UtcDateTime

router = APIRouter(prefix="/api/anpr", tags=["anpr"])
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
        raise InvalidInput(f"read {index + 1}: the {what} is not valid base64") from None


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


# -- reads and hits -------------------------------------------------------------------------


@router.post(
    "/reads",
    response_model=IngestOut,
    summary="Send plate reads (machine token with scope anpr:ingest); idempotent by your read id",
)
def ingest_reads(
    body: ReadsIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> IngestOut:
    source = f"token:{actor.id}" if actor.id else f"actor:{actor.name}"
    results = services.anpr.reads.ingest(session, actor, source, organisation_of(actor), incoming(body))
    hits = [hit for result in results for hit in result.hits]
    session.commit()
    services.anpr.reads.announce(hits)
    return IngestOut(
        accepted=sum(1 for r in results if not r.duplicate),
        duplicates=sum(1 for r in results if r.duplicate),
        reads=[
            IngestedOut(
                id=result.read.client_read_id,
                read_id=str(result.read.id),
                duplicate=result.duplicate,
                plate=result.read.plate,
                hits=[hit_out(services, session, actor, hit, result.read) for hit in result.hits],
            )
            for result in results
        ],
    )


@router.get("/hits", response_model=list[HitOut], summary="Hotlist hits of your organisation, newest first")
def list_hits(
    state: Literal["new", "accepted", "rejected", "all"] = "new",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[HitOut]:
    return [hit_out(services, session, actor, hit) for hit in services.anpr.reads.hits(session, actor, state, limit)]


def _handle(
    services: Services, session: Session, actor: Actor, hit_id: uuid.UUID, accepted: bool, reason: str
) -> HitOut:
    hit = services.anpr.reads.handle(session, actor, hit_id, accepted, reason)
    session.commit()
    services.anpr.reads.bus.publish(hits_topic(hit.organisation_id), hit_message(hit))
    return hit_out(services, session, actor, hit)


@router.post("/hits/{hit_id}/accept", response_model=HitOut, summary="Accept a hit: the vehicle is the listed one")
def accept_hit(
    hit_id: uuid.UUID,
    body: HandleIn = Body(default_factory=HandleIn),
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HitOut:
    return _handle(services, session, actor, hit_id, True, body.reason)


@router.post("/hits/{hit_id}/reject", response_model=HitOut, summary="Reject a hit, saying why (a misread, ...)")
def reject_hit(
    hit_id: uuid.UUID,
    body: HandleIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HitOut:
    return _handle(services, session, actor, hit_id, False, body.reason)


@router.get(
    "/reads/{read_id}/{kind}",
    summary="A read's plate crop or overview picture, under the grant that came with the hit or search result",
    response_class=FileResponse,
)
def read_picture(
    read_id: uuid.UUID,
    kind: Literal["crop", "overview"],
    grant: Annotated[str, Query(max_length=2000)],
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> FileResponse:
    path = services.anpr.pictures.picture(session, actor, read_id, kind, grant)
    release(session)
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"))


def _open_hits(services: Services, identity: Identity) -> list[dict[str, Any]]:
    """Authorise watching hits (audited) and return the recent new ones."""
    with services.db.session() as session:
        hits = services.anpr.reads.hits(session, identity.actor, "new", 20)
        return [json.loads(hit_out(services, session, identity.actor, hit).model_dump_json()) for hit in reversed(hits)]


def _shape(services: Services, actor: Actor, message: dict[str, Any]) -> dict[str, Any]:
    """The hit as the panel shows it: a hit that joined a series as the series' first hit,
    with its count and last read, so the panel updates that entry."""
    with services.db.session() as session:
        hit = session.get(Hit, uuid.UUID(message.get("series_id") or message["id"]))
        if hit is None:
            return message
        shaped: dict[str, Any] = json.loads(hit_out(services, session, actor, hit).model_dump_json())
        return shaped


@router.websocket("/hits/ws")
async def hits_stream(websocket: WebSocket) -> None:
    """New hits and hit decisions of your organisation, as JSON text messages, as they happen."""
    services: Services = websocket.app.state.services
    await websocket.accept()
    try:
        identity = await connection_identity(websocket, services)
        recent = await run_in_threadpool(_open_hits, services, identity)
    except NotAuthenticated as exc:
        await _close(websocket, 401, exc.message)
        return
    except BelfortError as exc:
        await _close(websocket, exc.status_code, exc.message)
        return
    actor = identity.actor
    async with services.bus.subscribe(hits_topic(organisation_of(actor))) as subscription:
        receiving = asyncio.ensure_future(websocket.receive())
        try:
            await websocket.send_text(json.dumps({"type": "hello", "recent": recent}))
            while True:
                getting = asyncio.ensure_future(subscription.get())
                done, _ = await asyncio.wait({receiving, getting}, return_when=asyncio.FIRST_COMPLETED)
                if receiving in done:
                    getting.cancel()
                    if receiving.result()["type"] == "websocket.disconnect":
                        break
                    receiving = asyncio.ensure_future(websocket.receive())
                    continue
                shaped = await run_in_threadpool(_shape, services, actor, getting.result())
                await websocket.send_text(json.dumps({"type": "hit", "hit": shaped}))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            receiving.cancel()


async def _close(websocket: WebSocket, status: int, detail: str) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await websocket.send_text(json.dumps({"type": "error", "status": status, "detail": detail}))
        await websocket.close(code=4000 + status, reason=detail[:120])


# -- search ---------------------------------------------------------------------------------


def cursor_of(text: str) -> tuple[datetime, uuid.UUID] | None:
    if not text:
        return None
    try:
        ts, read_id = text.split("~", 1)
        return as_utc(datetime.fromisoformat(ts.replace("Z", "+00:00"))), uuid.UUID(read_id)
    except ValueError:
        raise InvalidInput("before: not a cursor this search returned as `next`") from None


@router.post("/search", response_model=SearchOut, summary="Search plates in the read history (audited, with a purpose)")
def search_reads(
    body: SearchIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> SearchOut:
    cameras = services.anpr.search.camera_ids(session, actor, body.cameras)
    query = SearchQuery(
        body.query,
        body.mode,
        as_utc(body.start) if body.start else None,
        as_utc(body.end) if body.end else None,
        cameras,
        body.area,
        body.limit,
        cursor_of(body.before),
    )
    page = services.anpr.search.search(session, actor, query, purpose_of(body.purpose))
    names = camera_names(session, [found.read for found in page.results])
    following = f"{iso_utc(page.next_before[0])}~{page.next_before[1]}" if page.next_before else None
    return SearchOut(
        mode=page.mode,
        start=page.start,
        end=page.end,
        results=[read_out(services, actor, found.read, found.match, names) for found in page.results],
        next=following,
    )


# -- hotlists -------------------------------------------------------------------------------


def _rebuild(services: Services, hotlist: Hotlist) -> None:
    services.anpr.hotlists.rebuild(hotlist.organisation_id)


@router.get("/hotlists", response_model=list[HotlistOut], summary="Your organisation's hotlists (names and sizes)")
def list_hotlists(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[HotlistOut]:
    return [hotlist_out(services, h) for h in services.anpr.hotlists.lists(session, actor)]


@router.post("/hotlists", response_model=HotlistOut, status_code=201, summary="Create a hotlist")
def create_hotlist(
    body: HotlistIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HotlistOut:
    return hotlist_out(services, services.anpr.hotlists.create(session, actor, body.name, body.watch_path))


@router.put(
    "/hotlists/{hotlist_id}/entries",
    response_model=ImportOut,
    summary="Import a CSV (plate, category, priority, valid until, note): replaces every entry, all or nothing",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}},
)
async def import_hotlist(
    hotlist_id: uuid.UUID,
    request: Request,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
) -> ImportOut:
    data = await request.body()
    return await run_in_threadpool(_import, services, actor, hotlist_id, data)


def _import(services: Services, actor: Actor, hotlist_id: uuid.UUID, data: bytes) -> ImportOut:
    """In short transactions of its own (a million lines never hold the database for long);
    the matcher is rebuilt after the switch."""
    hotlist, count = services.anpr.hotlists.import_entries(actor, hotlist_id, parse_csv(data))
    return ImportOut(hotlist=hotlist_out(services, hotlist), imported=count)


@router.post("/hotlists/{hotlist_id}/entries", response_model=HotlistOut, status_code=201, summary="Add one entry")
def add_hotlist_entry(
    hotlist_id: uuid.UUID,
    body: EntryBody,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HotlistOut:
    hotlist = services.anpr.hotlists.get(session, actor, hotlist_id)
    try:
        item: EntryIn = entry(body.plate, body.category, body.priority, body.valid_until, body.note)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    services.anpr.hotlists.add_entry(session, actor, hotlist, item)
    session.commit()
    _rebuild(services, hotlist)
    return hotlist_out(services, hotlist)


@router.get("/hotlists/{hotlist_id}/entries", response_model=list[EntryOut], summary="A hotlist's plates (audited)")
def list_hotlist_entries(
    hotlist_id: uuid.UUID,
    contains: Annotated[str, Query(max_length=40)] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[EntryOut]:
    hotlist = services.anpr.hotlists.get(session, actor, hotlist_id)
    rows = services.anpr.hotlists.entries(session, actor, hotlist, contains, limit)
    return [EntryOut.model_validate(row) for row in rows]


@router.delete("/hotlists/{hotlist_id}/entries/{entry_id}", status_code=204, summary="Remove one entry")
def remove_hotlist_entry(
    hotlist_id: uuid.UUID,
    entry_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> None:
    hotlist = services.anpr.hotlists.get(session, actor, hotlist_id)
    services.anpr.hotlists.remove_entry(session, actor, hotlist, entry_id)
    session.commit()
    _rebuild(services, hotlist)


@router.delete("/hotlists/{hotlist_id}", status_code=204, summary="Delete a hotlist and its entries")
def delete_hotlist(
    hotlist_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
) -> None:
    """In transactions of its own: the list is out of use at once, its entries are deleted
    in short steps after (the matcher is rebuilt meanwhile)."""
    services.anpr.hotlists.remove(actor, hotlist_id)


# -- section control ------------------------------------------------------------------------


@router.get("/sections", response_model=list[SectionOut], summary="Speed sections of your organisation")
def list_sections(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[SectionOut]:
    return [SectionOut.model_validate(s) for s in services.anpr.sections.sections(session, actor)]


@router.post("/sections", response_model=SectionOut, status_code=201, summary="Set up a speed section (administrators)")
def create_section(
    body: SectionIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> SectionOut:
    section = services.anpr.sections.create(
        session, actor, body.name, body.entry_camera, body.exit_camera, body.distance_m, body.limit_kmh
    )
    return SectionOut.model_validate(section)


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


@router.post(
    "/sections/{section_id}/report",
    response_model=list[PassageOut],
    summary="Average speeds through a section in a period, fastest first (a plate search: purpose, audited)",
)
def section_report(
    section_id: uuid.UUID,
    body: ReportIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[PassageOut]:
    section = services.anpr.sections.get(session, actor, section_id)
    passages = services.anpr.sections.passages(
        session, actor, section, as_utc(body.start), as_utc(body.end), purpose_of(body.purpose), body.over_limit_only
    )
    return passages_out(services, session, actor, passages)


__all__ = ["reads_resource", "router"]
