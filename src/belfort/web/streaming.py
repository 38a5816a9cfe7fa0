"""What every WebSocket that streams live fragments shares: the loop that serves one viewer
until it leaves, and the refusal that tells it why before closing."""

from __future__ import annotations

import asyncio
import contextlib
import json

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from belfort.media.live import QueueSink, TransportSink, Viewer, ViewerSink
from belfort.web.rendering import say


async def refuse(websocket: WebSocket, status: int, problem: str, needs: tuple[str, ...] = ()) -> None:
    """Tell the viewer why (in their language), then close with 4000 plus the status."""
    detail = say(websocket, problem)
    message = json.dumps({"type": "error", "status": status, "detail": detail, "needs": list(needs)})
    with contextlib.suppress(WebSocketDisconnect):  # the viewer may already have left
        await websocket.send_text(message)
        # A close reason holds at most 123 bytes: cut the (perhaps accented) text on a character.
        await websocket.close(code=4000 + status, reason=detail.encode()[:120].decode(errors="ignore"))


async def watch(websocket: WebSocket, viewer: Viewer, sink: ViewerSink) -> str | None:
    """Stream until the viewer leaves, the camera's feed stops or the look may go on no
    longer (then return why, for the viewer to be told). Nothing here runs per frame or on a
    timer: frames are written by the feed, and this task only wakes for a message from the
    viewer, the end of the feed, or (without a transport) a failed send."""
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
        stopped = viewer.ended.result() if viewer.ended.done() else None
        if (
            stopped is None
            and websocket.client_state is WebSocketState.CONNECTED
            and not (isinstance(sink, TransportSink) and sink.closed())
        ):
            with contextlib.suppress(RuntimeError, OSError):
                await websocket.close(code=1012 if feed.closed else 1000)
    return stopped
