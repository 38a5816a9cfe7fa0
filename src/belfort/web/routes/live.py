"""Live view API: the shift's purpose, the camera tree, snapshots, and the live stream.

A stream is one WebSocket per camera and viewer (`/api/live/{camera}/ws`). Opening it
passes the policy gate with the purpose stated for the shift (or given in the query
by an API client) and leaves one audit record; closing it leaves a second record with
how long the person watched and what was sent. After the hello the socket carries
fragmented MP4 (binary, see `belfort.media.live.HEADER`) and state changes (JSON text).
Errors are sent as a JSON text message, then the socket is closed with code 4000 plus
the HTTP status (4401, 4403, 4404, 4409), so a page can explain them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, WebSocket
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect, WebSocketState

from belfort.app import Services
from belfort.audit import AuditEntry, ResourceRef
from belfort.auth.service import Identity
from belfort.cameras.models import Camera
from belfort.cameras.service import live_resource
from belfort.errors import BelfortError, InvalidInput, NotFound
from belfort.media.live import LiveFeed, QueueSink, TransportSink, Viewer, ViewerSink, Watcher, Watching
from belfort.policy import (
    Action,
    Actor,
    Purpose,
    PurposeKind,
    Resource,
    ResourceKind,
    audit_review_scope,
    sees_camera,
)
from belfort.policy.gate import actor_fields
from belfort.policy.rules import ACTIONS
from belfort.web.deps import (
    NotAuthenticated,
    connection_identity,
    current_actor,
    current_identity,
    db_session,
    get_services,
)
from belfort.web.routes.cameras import visible
from belfort.web.routes.common import enforce
from belfort.web.routes.schemas import LiveCameraOut, LivePurposeOut, PurposeIn, WatchingOut
from belfort.web.transport import SCOPE_KEY

router = APIRouter(tags=["live"])
CLOSED_ACTION = "live.closed"
QueryText = Annotated[str, Query(max_length=500)]


def purpose_from_query(kind: str, justification: str, legal_basis_ref: str) -> Purpose | None:
    if not kind and not justification:
        return None
    if kind not in ("administrative", "judicial"):
        raise InvalidInput("purpose must be 'administrative' or 'judicial'")
    return Purpose(PurposeKind(kind), justification.strip(), legal_basis_ref.strip())


def _purpose_out(purpose: Purpose | None) -> LivePurposeOut:
    if purpose is None:
        return LivePurposeOut(stated=False)
    return LivePurposeOut(
        stated=True,
        kind=purpose.kind.value,
        justification=purpose.justification,
        legal_basis_ref=purpose.legal_basis_ref,
    )


@router.get("/api/live/purpose", response_model=LivePurposeOut, summary="The purpose stated for this shift")
def get_purpose(
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> LivePurposeOut:
    return _purpose_out(services.accounts.live_purpose(session, identity.session_id))


@router.put(
    "/api/live/purpose",
    response_model=LivePurposeOut,
    summary="State why you watch live during this shift (carried by every stream you open)",
)
def put_purpose(
    body: PurposeIn,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> LivePurposeOut:
    purpose = Purpose(PurposeKind(body.kind), body.justification, body.legal_basis_ref)
    services.accounts.set_live_purpose(session, identity.session_id, purpose)
    return _purpose_out(purpose)


@router.delete("/api/live/purpose", response_model=LivePurposeOut, summary="Withdraw the shift's purpose")
def delete_purpose(
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> LivePurposeOut:
    services.accounts.set_live_purpose(session, identity.session_id, None)
    return _purpose_out(None)


def live_cameras(services: Services, session: Session, actor: Actor) -> list[LiveCameraOut]:
    """The camera tree: cameras the actor sees, with whether they stream now."""
    may_watch = actor.role in ACTIONS[Action.VIEW_LIVE].roles
    rows = []
    for camera in services.cameras.list(session):
        if not camera.enabled or not sees_camera(actor, camera.organisation_id):
            continue
        feed = services.media.live.get(str(camera.id))
        rows.append(
            LiveCameraOut(
                id=str(camera.id),
                name=camera.name,
                organisation=camera.organisation.name,
                area=camera.area,
                street=camera.street,
                kind=camera.kind,
                state=feed.state if feed else "not streaming",
                may_watch=may_watch,
            )
        )
    return sorted(rows, key=lambda row: (row.organisation, row.area, row.name))


@router.get("/api/live/cameras", response_model=list[LiveCameraOut], summary="The camera tree of the video wall")
def camera_tree(
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[LiveCameraOut]:
    return live_cameras(services, session, identity.actor)


def watching_now(services: Services, session: Session, actor: Actor, gate: bool = True) -> list[tuple[Watching, str]]:
    """Streams open now, with camera names, for a reviewer: the team chief sees the people
    of their organisation, the DPO everyone's. Looking is itself an audited review; pass
    `gate=False` only when the caller's review already passed the gate (the audit page)."""
    scope = audit_review_scope(actor)
    if gate:
        enforce(
            services,
            session,
            actor,
            Action.REVIEW_AUDIT,
            Resource(ResourceKind.AUDIT_LOG, "live", "streams open now"),
            detail={"scope": scope or "all organisations"},
        )
    names = {str(camera.id): camera.name for camera in services.cameras.list(session, include_removed=True)}
    return [
        (stream, names.get(stream.camera_id, stream.camera_id))
        for stream in services.media.live.watching()
        if not scope or stream.watcher.organisation_id == scope
    ]


@router.get(
    "/api/live/watching",
    response_model=list[WatchingOut],
    summary="Who watches which camera live now, and why (team chief: own organisation; DPO: all)",
)
def list_watching(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[WatchingOut]:
    return [
        WatchingOut(
            camera_id=stream.camera_id,
            camera=name,
            person=stream.watcher.person,
            organisation=stream.watcher.organisation,
            purpose=stream.watcher.purpose,
            justification=stream.watcher.justification,
            since=stream.watcher.since,
            seconds=float(stream.stats["seconds"]),  # type: ignore[arg-type]
        )
        for stream, name in watching_now(services, session, actor)
    ]


def _authorize_live(
    services: Services,
    session: Session,
    identity: Identity,
    camera: Camera,
    purpose: Purpose | None,
    detail: dict[str, str],
) -> Purpose | None:
    """Pass the gate for a live look (raising Forbidden on a refusal); the purpose it was granted with."""
    purpose = purpose or services.accounts.live_purpose(session, identity.session_id)
    services.gate.require(session, identity.actor, Action.VIEW_LIVE, live_resource(camera), purpose, detail=detail)
    return purpose


@router.get(
    "/api/live/{ref}/snapshot",
    summary="A JPEG of the camera's latest keyframe (a live look: purpose needed, audited)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def snapshot(
    ref: str,
    purpose: QueryText = "",
    justification: QueryText = "",
    legal_basis_ref: QueryText = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    camera = visible(services, session, identity.actor, ref)
    feed = _feed(services, camera)
    _authorize_live(
        services,
        session,
        identity,
        camera,
        purpose_from_query(purpose, justification, legal_basis_ref),
        {"live": "snapshot"},
    )
    jpeg = feed.snapshot_jpeg()
    if jpeg is None:
        raise NotFound(f"camera '{camera.name}' has sent no picture yet; try again in a few seconds")
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


def _feed(services: Services, camera: Camera) -> LiveFeed:
    feed = services.media.live.get(str(camera.id))
    if feed is None:
        raise LiveUnavailable(
            f"camera '{camera.name}' is not streaming on this server (it is disabled, or recording has not started)"
        )
    return feed


class LiveUnavailable(BelfortError):
    status_code = 409


class _Opened:
    """What the open step hands to the streaming step."""

    def __init__(self, actor: Actor, camera: Camera, purpose: Purpose, feed: LiveFeed, stream_id: str) -> None:
        self.actor = actor
        self.camera_id = str(camera.id)
        self.camera_name = camera.name
        self.purpose = purpose
        self.feed = feed
        self.stream_id = stream_id


def _open_stream(services: Services, identity: Identity, ref: str, query_purpose: Purpose | None) -> _Opened:
    with services.db.session() as session:
        camera = visible(services, session, identity.actor, ref)
        feed = _feed(services, camera)
        stream_id = str(uuid.uuid4())
        purpose = _authorize_live(
            services, session, identity, camera, query_purpose, {"live": "stream opened", "stream": stream_id}
        )
        assert purpose is not None
        return _Opened(identity.actor, camera, purpose, feed, stream_id)


def _record_close(services: Services, opened: _Opened, started: datetime, stats: dict[str, Any]) -> None:
    ended = services.clock()
    with services.db.session() as session:
        services.audit.append(
            session,
            AuditEntry(
                op="consult",
                action=CLOSED_ACTION,
                outcome="ended",
                purpose=opened.purpose.kind.value,
                justification=opened.purpose.justification,
                legal_basis_ref=opened.purpose.legal_basis_ref,
                resources=(ResourceRef("camera", opened.camera_id, opened.camera_name),),
                range_start=started,
                range_end=ended,
                reason=f"Stopped watching live after {stats['seconds']} s.",
                detail=json.dumps({**stats, "live": "stream closed", "stream": opened.stream_id}, sort_keys=True),
                **actor_fields(opened.actor),
            ),
        )


async def _refuse(websocket: WebSocket, status: int, detail: str, needs: tuple[str, ...] = ()) -> None:
    message = json.dumps({"type": "error", "status": status, "detail": detail, "needs": list(needs)})
    with contextlib.suppress(WebSocketDisconnect):  # the viewer may already have left
        await websocket.send_text(message)
        await websocket.close(code=4000 + status, reason=detail[:120])


@router.websocket("/api/live/{ref}/ws")
async def live_stream(
    websocket: WebSocket,
    ref: str,
    purpose: str = "",
    justification: str = "",
    legal_basis_ref: str = "",
) -> None:
    services: Services = websocket.app.state.services
    await websocket.accept()
    try:
        identity = await connection_identity(websocket, services)
        query_purpose = purpose_from_query(purpose[:20], justification[:500], legal_basis_ref[:200])
        opened = await run_in_threadpool(_open_stream, services, identity, ref, query_purpose)
    except NotAuthenticated as exc:
        await _refuse(websocket, 401, exc.message)
        return
    except BelfortError as exc:
        await _refuse(websocket, exc.status_code, exc.message, getattr(exc, "needs", ()))
        return
    started = services.clock()
    viewer: Viewer | None = None
    try:
        await websocket.send_text(
            json.dumps(
                {
                    "type": "hello",
                    "camera": opened.camera_id,
                    "name": opened.camera_name,
                    "purpose": {"kind": opened.purpose.kind.value, "justification": opened.purpose.justification},
                    "server_time": time.time() * 1000,
                }
            )
        )
        transport = websocket.scope.get(SCOPE_KEY)
        sink: ViewerSink = TransportSink(transport) if transport is not None else QueueSink()
        viewer = opened.feed.join(sink, _watcher(opened, started))
        await _watch(websocket, viewer, sink)
    except WebSocketDisconnect:
        pass  # the viewer left before the stream started
    except LookupError:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await websocket.close(code=1012)  # the feed stopped in between: the page reconnects
    finally:
        if viewer is not None:
            opened.feed.leave(viewer)
        stats = viewer.stats() if viewer is not None else {"seconds": 0.0, "frames_sent": 0, "bytes_sent": 0}
        # The record must be written even when this task is cancelled (server shutdown):
        # the executor thread finishes it whatever happens to the awaiting task.
        closing = asyncio.get_running_loop().run_in_executor(None, _record_close, services, opened, started, stats)
        await asyncio.shield(closing)


def _watcher(opened: _Opened, started: datetime) -> Watcher:
    return Watcher(
        person=opened.actor.name,
        organisation_id=str(opened.actor.organisation_id or ""),
        organisation=opened.actor.organisation_name,
        purpose=opened.purpose.kind.value,
        justification=opened.purpose.justification,
        since=started,
    )


async def _watch(websocket: WebSocket, viewer: Viewer, sink: ViewerSink) -> None:
    """Stream until the viewer leaves or the camera's feed stops. Nothing here runs per
    frame or on a timer: frames are written by the feed, and this task only wakes for a
    message from the viewer, the end of the feed, or (without a transport) a failed send."""
    feed = viewer.feed
    pump = (
        asyncio.ensure_future(sink.pump(websocket.send_bytes, websocket.send_text))
        if isinstance(sink, QueueSink)
        else None
    )
    ends = {viewer.ended, *([pump] if pump is not None else [])}
    receiving = asyncio.ensure_future(websocket.receive())
    try:
        while True:
            done, _ = await asyncio.wait({receiving, *ends}, return_when=asyncio.FIRST_COMPLETED)
            if receiving not in done or receiving.result()["type"] == "websocket.disconnect":
                break
            receiving = asyncio.ensure_future(websocket.receive())
    except WebSocketDisconnect:
        pass
    finally:
        receiving.cancel()
        if pump is not None:
            assert isinstance(sink, QueueSink)
            sink.close()
            await asyncio.gather(pump, return_exceptions=True)
        if websocket.client_state is WebSocketState.CONNECTED and not (
            isinstance(sink, TransportSink) and sink.closed()
        ):
            with contextlib.suppress(RuntimeError, OSError):
                await websocket.close(code=1012 if feed.closed else 1000)
