"""The map: where the cameras a person may see stand, in which state, and the tiles under them.

The cameras are the actor's `visible` ones, the one list every page uses. A camera's exact
position is drawn only for a person the policy lets see it (`sees_exact_position`); the
others are listed beside the map by street and area, without coordinates. The page carries
its cameras as a JSON data block (the Content-Security-Policy runs no inline script).

Tiles come from `map.tile_url` when it is set (the browser fetches them there, and the
policy's `img-src` names that host), else from `tile_dir`, served here to signed-in people
only: z, x and y are whole numbers inside the zoom level's grid, so no path leaves the folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.cameras.models import Camera
from belfort.cameras.service import KIND_WORDS
from belfort.errors import InvalidInput, NotFound
from belfort.i18n import Message, _
from belfort.policy import Action, may, sees_exact_position
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import render, say

router = APIRouter(include_in_schema=False)

LOCAL_TILES = "/map/tiles/{z}/{x}/{y}.png"
TILE_CACHE = "private, max-age=86400"
"""Tiles change rarely; they are kept by the person's browser only (they need a sign-in)."""
WHOLE_NUMBER = re.compile(r"[0-9]{1,7}")
STATUS_LABELS: dict[str, Message] = {
    "recording": _("recording"),
    "connecting": _("connecting"),
    "offline": _("offline"),
    "disabled": _("disabled"),
}


def map_status(camera: Camera, recorder_state: object) -> str:
    """What the map shows of a camera: disabled, or as its recorder finds it (recording,
    connecting, or offline: failing or not started)."""
    if not camera.enabled:
        return "disabled"
    return {"online": "recording", "connecting": "connecting"}.get(str(recorder_state), "offline")


def _place(camera: Camera) -> str:
    return ", ".join(part for part in (camera.street, camera.area) if part)


def _camera_row(request: Request, services: Services, identity: Identity, camera: Camera) -> dict[str, Any]:
    """What the page shows of one camera; `lat` and `lon` only for a person who may see them."""
    status = map_status(camera, services.media.status(camera.id)["state"])
    kind_label = KIND_WORDS.get(camera.kind)
    kind = say(request, kind_label) if kind_label is not None else camera.kind
    status_label = say(request, STATUS_LABELS[status])
    owner = camera.organisation.name
    shown = camera.latitude is not None and sees_exact_position(identity.actor)
    return {
        "id": str(camera.id),
        "name": camera.name,
        "status": status,
        "status_label": status_label,
        "kind": kind,
        "owner": owner,
        "place": _place(camera),
        "lat": camera.latitude if shown else None,
        "lon": camera.longitude if shown else None,
        "title": say(
            request,
            _("{name}: {status}, {kind}, {owner}", name=camera.name, status=status_label, kind=kind, owner=owner),
        ),
    }


@router.get("/map")
def map_page(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    rows = [
        _camera_row(request, services, identity, camera) for camera in services.cameras.visible(session, identity.actor)
    ]
    settings = services.settings.map
    return render(
        request,
        "map.html",
        rows=rows,
        markers=[row for row in rows if row["lat"] is not None and row["lon"] is not None],
        tile_url=settings.tile_url or LOCAL_TILES,
        attribution=settings.attribution,
        center=settings.center,
        zoom=min(settings.zoom, settings.max_zoom),
        max_zoom=settings.max_zoom,
        may_wall=may(identity.actor, Action.USE_WALL),
    )


def _tile_number(field: str, value: str, highest: int) -> int:
    if WHOLE_NUMBER.fullmatch(value) is None or int(value) > highest:
        raise InvalidInput(
            _(
                "Tile {field} must be a whole number from 0 to {highest}; got '{value}'.",
                field=field,
                highest=highest,
                value=value[:20],
            )
        )
    return int(value)


def tile_path(folder: Path, z: str, x: str, y: str, max_zoom: int) -> Path:
    """The file of tile z/x/y inside `folder`: InvalidInput (422) naming the coordinate that is
    not a whole number inside the grid, NotFound (404) when the folder has no such tile."""
    zoom = _tile_number("z", z, max_zoom)
    column = _tile_number("x", x, 2**zoom - 1)
    row = _tile_number("y", y, 2**zoom - 1)
    root = folder.resolve()
    path = (root / str(zoom) / str(column) / f"{row}.png").resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound(
            _("No map tile {z}/{x}/{y} in the tile folder: add it, or set map.tile_url.", z=zoom, x=column, y=row)
        )
    return path


@router.get(LOCAL_TILES)
def map_tile(
    z: str,
    x: str,
    y: str,
    _identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
) -> FileResponse:
    """A tile of the map from the site's tile folder (signed-in people only)."""
    path = tile_path(services.settings.tile_dir, z, x, y, services.settings.map.max_zoom)
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": TILE_CACHE})
