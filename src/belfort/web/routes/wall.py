"""Video wall API: a person's saved layouts and their control room's camera tours.

Thin over `belfort.wall.service`: the gate decides who may use the wall (`wall.use`,
recording a refusal); the service checks that every camera named is one the caller may
see, and answers leave out cameras they no longer may.
"""

from __future__ import annotations

from datetime import datetime
from math import isqrt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.policy import Action, Actor, may
from belfort.wall.service import TILES, SavedLayout, SavedTour
from belfort.web.deps import current_actor, current_identity, db_session, get_services
from belfort.web.rendering import render
from belfort.web.routes.schemas import StrictBody

router = APIRouter(tags=["wall"])
pages = APIRouter(include_in_schema=False)
WALL_LAYOUTS = tuple((name, tiles, 3 if name == "1+5" else isqrt(tiles)) for name, tiles in TILES.items())
"""Each layout the wall offers: its name, its number of tiles and of columns ("1+5": one
large tile over two by two places, beside and under it five small ones)."""


@pages.get("/wall")
def wall_page(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """The video wall (control-room operators land here); the gate decides who may use it."""
    services.wall.require_wall(session, identity.actor)
    return render(
        request,
        "wall.html",
        team_chiefs=services.shifts.team_chiefs_on_duty(session, identity.actor),
        layouts=WALL_LAYOUTS,
        min_justification=services.settings.policy.justification_min_length,
        hits=may(identity.actor, Action.HANDLE_HITS),
    )


CameraRef = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]


class LayoutIn(StrictBody):
    layout: Annotated[str, StringConstraints(max_length=10)]
    """One of "1", "2x2", "3x3", "4x4", "1+5", "5x5", "6x6"."""
    tiles: Annotated[list[CameraRef | None], Field(max_length=max(TILES.values()))]
    """A camera id or null for each tile, left to right, top to bottom; "1+5" starts with the large tile."""
    is_default: bool = False


class LayoutOut(BaseModel):
    name: str
    layout: str
    tiles: list[str | None]
    """Cameras removed since, or no longer visible to you, come back as null."""
    is_default: bool
    updated_at: datetime


class TourIn(StrictBody):
    cameras: Annotated[list[CameraRef], Field(min_length=1, max_length=64)]
    dwell_seconds: Annotated[int, Field(ge=0, le=86_400)]
    """How long each camera stays on screen: 5 to 600 seconds."""


class TourOut(BaseModel):
    name: str
    cameras: list[str]
    """Cameras removed since, or no longer visible to you, are left out."""
    dwell_seconds: int
    created_by: str
    updated_at: datetime


def layout_out(saved: SavedLayout) -> LayoutOut:
    return LayoutOut(
        name=saved.name,
        layout=saved.layout,
        tiles=saved.tiles,
        is_default=saved.is_default,
        updated_at=saved.updated_at,
    )


def tour_out(saved: SavedTour) -> TourOut:
    return TourOut(
        name=saved.name,
        cameras=saved.camera_ids,
        dwell_seconds=saved.dwell_seconds,
        created_by=saved.created_by,
        updated_at=saved.updated_at,
    )


@router.get("/api/wall/layouts", response_model=list[LayoutOut], summary="Your saved video wall layouts")
def list_layouts(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[LayoutOut]:
    return [layout_out(saved) for saved in services.wall.list_layouts(session, actor)]


@router.put("/api/wall/layouts/{name}", response_model=LayoutOut, summary="Save a layout under a name (replaces)")
def save_layout(
    name: str,
    body: LayoutIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> LayoutOut:
    saved = services.wall.save_layout(session, actor, name, body.layout, body.tiles, body.is_default)
    session.commit()
    return layout_out(saved)


@router.delete("/api/wall/layouts/{name}", status_code=204, summary="Delete one of your layouts")
def delete_layout(
    name: str,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> None:
    services.wall.delete_layout(session, actor, name)
    session.commit()


@router.get("/api/wall/tours", response_model=list[TourOut], summary="Your organisation's camera tours")
def list_tours(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[TourOut]:
    return [tour_out(saved) for saved in services.wall.list_tours(session, actor)]


@router.put("/api/wall/tours/{name}", response_model=TourOut, summary="Save a camera tour for your organisation")
def save_tour(
    name: str,
    body: TourIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> TourOut:
    saved = services.wall.save_tour(session, actor, name, body.cameras, body.dwell_seconds)
    session.commit()
    return tour_out(saved)


@router.delete("/api/wall/tours/{name}", status_code=204, summary="Delete one of your organisation's tours")
def delete_tour(
    name: str,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> None:
    services.wall.delete_tour(session, actor, name)
    session.commit()
