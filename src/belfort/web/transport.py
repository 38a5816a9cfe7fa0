"""Reaching the connection under a WebSocket, so live video skips per-viewer framing.

Live view writes the same bytes to every viewer of a camera. ASGI gives an application
only `send`, which frames and copies each message per connection; under uvicorn that
`send` is a method of the protocol object holding the asyncio transport. This
middleware puts that transport into the scope (`belfort.transport`) for WebSocket
connections. Under any other server the key is absent and live view falls back to
ordinary ASGI sends: slower with many viewers, never wrong.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

SCOPE_KEY = "belfort.transport"


class ExposeTransport:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            if isinstance(transport, asyncio.Transport):
                scope = {**scope, SCOPE_KEY: transport}
        await self.app(scope, receive, send)
