"""ANPR API: plate reads in, hits out (REST, WebSocket, webhooks), search, hotlists, sections.

Edge cameras and patrol cars send reads with a machine token (scope `anpr:ingest`);
people see hits, search plates and manage hotlists under the policy gate. Pictures of
reads (plate crop, overview) are served under a signed grant that comes with the hits
or search results the person was allowed to see, bound to that person and that read.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, WebSocket
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from belfort.anpr.hotlists import EntryIn, entry, parse_csv
from belfort.anpr.images import MEDIA_TYPES
from belfort.anpr.models import Hit, Hotlist
from belfort.anpr.reads import hit_message, hits_topic, organisation_of, reads_resource
from belfort.anpr.search import SearchQuery, camera_names
from belfort.app import Services
from belfort.auth.service import Identity
from belfort.errors import InvalidInput
from belfort.policy import Actor
from belfort.timeutil import as_utc, iso_utc
from belfort.web.anpr_shapes import (
    EntryBody,
    EntryOut,
    HandleIn,
    HitOut,
    HotlistIn,
    HotlistOut,
    ImportOut,
    IngestedOut,
    IngestOut,
    PassageOut,
    ReadsIn,
    ReportIn,
    SearchIn,
    SearchOut,
    SectionIn,
    SectionOut,
    cursor_of,
    hit_out,
    hotlist_out,
    incoming,
    passages_out,
    purpose_of,
    read_out,
)
from belfort.web.deps import current_actor, db_session, get_services, release
from belfort.web.feeds import serve_feed

router = APIRouter(prefix="/api/anpr", tags=["anpr"])


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
    with services.db.reading() as session:
        hit = session.get(Hit, uuid.UUID(message.get("series_id") or message["id"]))
        if hit is None:
            return message
        shaped: dict[str, Any] = json.loads(hit_out(services, session, actor, hit).model_dump_json())
        return shaped


def _open_feed(services: Services, identity: Identity) -> tuple[str, dict[str, Any]]:
    recent = _open_hits(services, identity)
    return hits_topic(organisation_of(identity.actor)), {"type": "hello", "recent": recent}


def _hit_message(services: Services, identity: Identity, message: dict[str, Any]) -> dict[str, Any]:
    return {"type": "hit", "hit": _shape(services, identity.actor, message)}


@router.websocket("/hits/ws")
async def hits_stream(websocket: WebSocket) -> None:
    """New hits and hit decisions of your organisation, as JSON text messages, as they happen."""
    await serve_feed(websocket, _open_feed, _hit_message)


# -- search ---------------------------------------------------------------------------------


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
    entries = parse_csv(data, services.settings.zone)  # a file people wrote: its dates are the site's
    hotlist, count = services.anpr.hotlists.import_entries(actor, hotlist_id, entries)
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
        raise InvalidInput(exc.args[0] if exc.args else str(exc)) from None
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
