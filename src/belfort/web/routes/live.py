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
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, WebSocket
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.errors import BelfortError, InvalidInput
from belfort.i18n import _
from belfort.media.live import QueueSink, TransportSink, Viewer, ViewerSink
from belfort.policy import Action, Actor, Purpose, PurposeKind, may
from belfort.viewing.live import OpenedStream
from belfort.web.deps import (
    NotAuthenticated,
    connection_identity,
    current_actor,
    current_identity,
    db_session,
    get_services,
)
from belfort.web.routes.schemas import LiveCameraOut, LiveGroupOut, LivePurposeOut, PurposeIn, WatchingOut
from belfort.web.streaming import refuse, watch
from belfort.web.transport import SCOPE_KEY

router = APIRouter(tags=["live"])


def purpose_from_query(kind: str, justification: str, legal_basis_ref: str) -> Purpose | None:
    if not kind and not justification:
        return None
    if kind not in ("administrative", "judicial"):
        raise InvalidInput(_("purpose must be 'administrative' or 'judicial'"))
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


def _purpose(body: PurposeIn | None) -> Purpose | None:
    return Purpose(PurposeKind(body.kind), body.justification, body.legal_basis_ref) if body else None


@router.get("/api/live/purpose", response_model=LivePurposeOut, summary="The purpose stated for this shift")
def get_purpose(
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> LivePurposeOut:
    return _purpose_out(services.live.shift_purpose(session, identity.session_id))


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
    purpose = _purpose(body)
    services.live.set_shift_purpose(session, identity.actor, identity.session_id, purpose)
    return _purpose_out(purpose)


@router.delete("/api/live/purpose", response_model=LivePurposeOut, summary="Withdraw the shift's purpose")
def delete_purpose(
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> LivePurposeOut:
    services.live.set_shift_purpose(session, identity.actor, identity.session_id, None)
    return _purpose_out(None)


@router.get("/api/live/cameras", response_model=list[LiveCameraOut], summary="The camera tree of the video wall")
def camera_tree(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[LiveCameraOut]:
    may_watch = may(actor, Action.VIEW_LIVE)
    return [
        LiveCameraOut(
            id=str(row.camera.id),
            name=row.camera.name,
            organisation=row.camera.organisation.name,
            area=row.camera.area,
            street=row.camera.street,
            kind=row.camera.kind,
            state=row.state,
            may_watch=may_watch,
            shared=row.camera.organisation_id != actor.organisation_id,
            groups=list(row.groups),
        )
        for row in services.live.camera_tree(session, actor)
    ]


@router.get(
    "/api/live/groups",
    response_model=list[LiveGroupOut],
    summary="Your organisation's camera groups, to narrow the camera tree with (each camera lists its groups)",
)
def tree_groups(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[LiveGroupOut]:
    return [
        LiveGroupOut(id=str(group.id), name=group.name, rule=group.rule)
        for group in services.live.tree_groups(session, actor)
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
        for stream, name in services.review.watching(session, actor)
    ]


@router.post(
    "/api/live/{ref}/snapshot",
    summary="A JPEG of the camera's latest keyframe (a live look: purpose needed, audited)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def snapshot(
    ref: str,
    body: Annotated[PurposeIn | None, Body()] = None,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    """The purpose is the shift's, unless the body states one (`{"kind": ..., "justification": ...}`)."""
    _camera, jpeg = services.live.snapshot(session, identity.actor, identity.session_id, ref, _purpose(body))
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


def _open_stream(services: Services, identity: Identity, ref: str, query_purpose: Purpose | None) -> OpenedStream:
    with services.db.session() as session:
        return services.live.open(session, identity.actor, identity.session_id, ref, query_purpose)


def _record_close(services: Services, opened: OpenedStream, stats: dict[str, Any]) -> None:
    with services.db.session() as session:
        services.live.close(session, opened, stats)


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
        websocket.state.identity = identity  # the person's language, for a refusal
        query_purpose = purpose_from_query(purpose[:20], justification[:500], legal_basis_ref[:200])
        opened = await run_in_threadpool(_open_stream, services, identity, ref[:120], query_purpose)
    except NotAuthenticated as exc:
        await refuse(websocket, 401, exc.message)
        return
    except BelfortError as exc:
        await refuse(websocket, exc.status_code, exc.message, getattr(exc, "needs", ()))
        return
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
        viewer = opened.feed.join(sink, opened.watcher())
        stopped = await watch(websocket, viewer, sink)
        if stopped is not None:
            await refuse(websocket, 403, stopped)
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
        closing = asyncio.get_running_loop().run_in_executor(None, _record_close, services, opened, stats)
        await asyncio.shield(closing)
