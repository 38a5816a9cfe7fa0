"""A WebSocket fed by the event bus: who may follow is decided first, then a hello, then one
text message per bus message on the topic, shaped for the follower, until they leave.

The ANPR hit panel and the incident queue use it; what they send is theirs (`opening` and
`shape` run in a worker thread, as they read the database). Refusals close the socket with
the reason, as `{"type": "error", ...}` then close code 4000 + status.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.errors import BelfortError
from belfort.web.deps import NotAuthenticated, connection_identity
from belfort.web.rendering import say

Opening = Callable[[Services, Identity], tuple[str, dict[str, Any]]]
"""Authorise the follower; return the bus topic and the hello message (raises on a refusal)."""
Shape = Callable[[Services, Identity, Any], dict[str, Any] | None]
"""One bus message as the follower receives it, or None to send nothing."""


async def serve_feed(websocket: WebSocket, opening: Opening, shape: Shape) -> None:
    services: Services = websocket.app.state.services
    await websocket.accept()
    try:
        identity = await connection_identity(websocket, services)
        topic, hello = await run_in_threadpool(opening, services, identity)
    except NotAuthenticated as exc:
        await close_with(websocket, 401, say(websocket, exc.message))
        return
    except BelfortError as exc:
        await close_with(websocket, exc.status_code, say(websocket, exc.message))
        return
    async with services.bus.subscribe(topic) as subscription:
        receiving = asyncio.ensure_future(websocket.receive())
        try:
            await websocket.send_text(json.dumps(hello))
            while True:
                getting = asyncio.ensure_future(subscription.get())
                done, _pending = await asyncio.wait({receiving, getting}, return_when=asyncio.FIRST_COMPLETED)
                if receiving in done:
                    getting.cancel()
                    if receiving.result()["type"] == "websocket.disconnect":
                        break
                    receiving = asyncio.ensure_future(websocket.receive())
                    continue
                shaped = await run_in_threadpool(shape, services, identity, getting.result())
                if shaped is not None:
                    await websocket.send_text(json.dumps(shaped))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            receiving.cancel()


async def close_with(websocket: WebSocket, status: int, detail: str) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await websocket.send_text(json.dumps({"type": "error", "status": status, "detail": detail}))
        await websocket.close(code=4000 + status, reason=detail[:120])
