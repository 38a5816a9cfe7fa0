"""What one node asks of another, under a link the asking node signed with the site's
shared key: a segment file of this node's storage folder, by byte range, and the live
stream of a camera this node records. The checks are in `Playback.segment_for_node` and
`LiveViewing.relay_feed`; each look itself was decided and recorded on the asking node."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, WebSocket
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from belfort.app import Services
from belfort.errors import BelfortError
from belfort.media.live import LiveFeed, QueueSink, TransportSink, ViewerSink
from belfort.web.deps import db_session, get_services
from belfort.web.streaming import refuse, watch
from belfort.web.transport import SCOPE_KEY

router = APIRouter(prefix="/internal", include_in_schema=False)


@router.get("/segments/{storage_id}/{path:path}", response_class=FileResponse)
def segment(
    storage_id: str,
    path: str,
    link: str = Query(max_length=2000),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> FileResponse:
    file = services.playback.segment_for_node(session, link, storage_id, path)
    return FileResponse(file, media_type="video/mp4", headers={"Cache-Control": "private, max-age=3600"})


def _relay_feed(services: Services, link: str, camera: str) -> LiveFeed:
    with services.db.session() as session:
        return services.live.relay_feed(session, link, camera)


@router.websocket("/live/{camera}/ws")
async def relay_stream(websocket: WebSocket, camera: str, link: str = "") -> None:
    """A camera's live fragments for another node, which relays them to its own viewers."""
    services: Services = websocket.app.state.services
    await websocket.accept()
    try:
        feed = await run_in_threadpool(_relay_feed, services, link[:2000], camera[:64])
    except BelfortError as exc:
        await refuse(websocket, exc.status_code, exc.message)
        return
    transport = websocket.scope.get(SCOPE_KEY)
    sink: ViewerSink = TransportSink(transport) if transport is not None else QueueSink()
    viewer = feed.join(sink)
    try:
        await watch(websocket, viewer, sink)
    except WebSocketDisconnect:
        pass
    finally:
        feed.leave(viewer)
