"""The platform's nodes for the platform administrator: `/api/cluster/nodes` and the Cluster
page. Thin over `belfort.cluster.nodes`, which passes the gate."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.cluster.nodes import NodeView
from belfort.i18n import format_ago
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import language_of, render

router = APIRouter(prefix="/api/cluster", tags=["cluster"])
pages = APIRouter(include_in_schema=False)


class NodeOut(BaseModel):
    name: str
    up: bool
    """False once the node has been silent for three heartbeats."""
    silent_seconds: float
    roles: list[str]
    capacity: int
    cameras_recording: int
    cameras_online: int
    cameras_held: int
    """Cameras whose hold this node has (it records them, or is about to)."""
    oldest_hold_renewal_seconds: float | None
    """Since the least recently renewed of its holds; holds run out after `[node] lease_seconds`."""
    storage_used_bytes: int
    storage_free_bytes: int
    version: str
    started_at: datetime
    heartbeat_at: datetime


def _out(view: NodeView) -> NodeOut:
    node = view.node
    return NodeOut(
        name=node.name,
        up=view.up,
        silent_seconds=round(view.silent_seconds, 1),
        roles=node.roles.split(),
        capacity=node.capacity,
        cameras_recording=node.cameras_recording,
        cameras_online=node.cameras_online,
        cameras_held=view.holds,
        oldest_hold_renewal_seconds=None
        if view.oldest_renewal_seconds is None
        else round(view.oldest_renewal_seconds, 1),
        storage_used_bytes=node.storage_used_bytes,
        storage_free_bytes=node.storage_free_bytes,
        version=node.version,
        started_at=node.started_at,
        heartbeat_at=node.heartbeat_at,
    )


@router.get("/nodes", summary="The platform's nodes: roles, load, cameras, heartbeats, storage")
def nodes(
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[NodeOut]:
    return [_out(view) for view in services.nodes.listed(session, identity.actor)]


@pages.get("/cluster")
def cluster_page(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    views = services.nodes.listed(session, identity.actor)
    language = language_of(request)
    return render(request, "cluster.html", views=views, ago=lambda seconds: format_ago(seconds, language))
