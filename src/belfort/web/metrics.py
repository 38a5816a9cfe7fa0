"""`/metrics`: the node's operating figures for Prometheus, and the middleware that times
every HTTP request by its route's template. The gate decides who reads them, in
`belfort.metrics`."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.metrics import CONTENT_TYPE
from belfort.web.deps import current_identity, db_session, get_services

router = APIRouter(tags=["system"])


@router.get(
    "/metrics",
    summary="The node's operating figures in Prometheus' text format",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format 0.0.4"}},
)
def metrics(
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    """Cameras recorded by this node and their state, frames received and lost, stream bytes,
    reconnections, HTTP latency by route, and the process' CPU and memory. For the platform
    administrator, or a machine token with scope `metrics:read` (Prometheus' `authorization`
    with that token as its credentials)."""
    return Response(services.metrics.render(session, identity.actor), media_type=CONTENT_TYPE)


class TimeRequests:
    """Times each HTTP request from its start to its last byte, labelled with the route's
    template (`/api/cameras/{ref}`) or `unmatched`; WebSockets are not timed."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.services.metrics.observe_http(scope["method"], route, status, time.perf_counter() - started)
