"""Saving and listing wall layouts and camera tours.

A layout belongs to one person; a tour to the control room of one organisation. Only
people whose role watches live may keep either: the gate decides (`wall.use`), and
records a refusal. Every camera id is checked on save
against what the person may see, and on reading, cameras that were removed or are no
longer visible are left out (an empty tile, a shorter tour), so a saved layout never
reveals a camera or opens a stream the reader may not see.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from belfort.cameras.models import Camera
from belfort.cameras.service import CameraService, visible_condition
from belfort.errors import Conflict, InvalidInput, NotFound
from belfort.i18n import Message, _, _n
from belfort.policy import Action, Actor, PolicyGate, Resource, ResourceKind, Right
from belfort.timeutil import Clock, utcnow
from belfort.wall.models import CameraTour, WallLayout

TILES = {"1": 1, "2x2": 4, "3x3": 9, "4x4": 16, "1+5": 6, "5x5": 25, "6x6": 36}
"""Each layout and its number of tiles, in the order the wall offers them (keys 1 to 7)."""
NAME_MAX = 80
TOUR_MAX_CAMERAS = 64
DWELL_MIN_SECONDS = 5
DWELL_MAX_SECONDS = 600


@dataclass(frozen=True)
class SavedLayout:
    name: str
    layout: str
    tiles: list[str | None]
    is_default: bool
    updated_at: datetime


@dataclass(frozen=True)
class SavedTour:
    name: str
    camera_ids: list[str]
    dwell_seconds: int
    created_by: str
    updated_at: datetime


def check_name(name: str, too_long: Message, not_printable: Message) -> str:
    """The name stripped, or InvalidInput saying what a name may be (`too_long` when it is
    empty or longer than NAME_MAX, `not_printable` when it holds '/' or control characters)."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > NAME_MAX:
        raise InvalidInput(too_long)
    if "/" in cleaned or any(not c.isprintable() for c in cleaned):
        raise InvalidInput(not_printable)
    return cleaned


def check_tiles(layout: str, tiles: Sequence[str | None]) -> None:
    if layout not in TILES:
        raise InvalidInput(
            _("layout must be one of {choices}; got '{layout}'", choices=", ".join(TILES), layout=layout)
        )
    wanted = TILES[layout]
    if len(tiles) != wanted:
        raise InvalidInput(
            _n(
                "a {layout} layout has {count} tile; got {got}",
                "a {layout} layout has {count} tiles; got {got}",
                wanted,
                layout=layout,
                got=len(tiles),
            )
        )


def check_tour(camera_ids: Sequence[str], dwell_seconds: int) -> None:
    if not 1 <= len(camera_ids) <= TOUR_MAX_CAMERAS:
        raise InvalidInput(
            _("a tour shows 1 to {maximum} cameras; got {got}", maximum=TOUR_MAX_CAMERAS, got=len(camera_ids))
        )
    if not DWELL_MIN_SECONDS <= dwell_seconds <= DWELL_MAX_SECONDS:
        raise InvalidInput(
            _(
                "dwell_seconds must be between {minimum} and {maximum}; got {got}",
                minimum=DWELL_MIN_SECONDS,
                maximum=DWELL_MAX_SECONDS,
                got=dwell_seconds,
            )
        )


def _as_uuid(ref: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(ref)
    except ValueError:
        return None


def visible_camera_ids(session: Session, actor: Actor, refs: Iterable[str], now: datetime) -> set[str]:
    """Of `refs`, the canonical ids of cameras that exist, are not removed and that the actor sees."""
    ids = {parsed for parsed in map(_as_uuid, refs) if parsed is not None}
    if not ids:
        return set()
    found = session.scalars(
        select(Camera.id).where(
            Camera.id.in_(ids), Camera.removed_at.is_(None), visible_condition(actor, now, Right.LIVE)
        )
    )
    return {str(camera_id) for camera_id in found}


class WallService:
    def __init__(self, gate: PolicyGate, cameras: CameraService, clock: Clock = utcnow) -> None:
        self.gate = gate
        self.cameras = cameras
        self._clock = clock

    def require_visible(self, session: Session, actor: Actor, refs: Iterable[str | None]) -> list[str | None]:
        """The refs as camera ids, each a camera the actor may see (the gate refuses, and
        records, one of another organisation or none), and not removed."""
        canonical: list[str | None] = []
        for ref in refs:
            if ref is None:
                canonical.append(None)
                continue
            camera = self.cameras.require(session, actor, ref, Action.VIEW_CAMERA)
            if camera.removed_at is not None:
                raise InvalidInput(_("camera '{name}' was removed; choose another one", name=camera.name))
            canonical.append(str(camera.id))
        return canonical

    def require_wall(self, session: Session, actor: Actor) -> tuple[uuid.UUID, uuid.UUID]:
        """The actor's user and organisation ids once the gate lets them use the wall; a
        refusal (a role that does not watch live, an API token) is recorded."""
        self.gate.require(session, actor, Action.USE_WALL, Resource(ResourceKind.PAGE, "wall", "video wall"))
        if actor.id is None or actor.organisation_id is None:
            raise InvalidInput(_("Only people signed in to the video wall keep layouts and tours."))
        return actor.id, actor.organisation_id

    def list_layouts(self, session: Session, actor: Actor) -> list[SavedLayout]:
        user_id, _organisation_id = self.require_wall(session, actor)
        rows = list(session.scalars(select(WallLayout).where(WallLayout.user_id == user_id).order_by(WallLayout.name)))
        stored = [json.loads(row.tiles) for row in rows]
        visible = visible_camera_ids(
            session, actor, (ref for tiles in stored for ref in tiles if ref is not None), self._clock()
        )
        return [
            SavedLayout(
                row.name, row.layout, [ref if ref in visible else None for ref in tiles], row.is_default, row.updated_at
            )
            for row, tiles in zip(rows, stored, strict=True)
        ]

    def save_layout(
        self, session: Session, actor: Actor, name: str, layout: str, tiles: Sequence[str | None], is_default: bool
    ) -> SavedLayout:
        """Create or replace the actor's layout called `name`; a new default unsets the previous one."""
        user_id, _organisation_id = self.require_wall(session, actor)
        name = check_name(
            name,
            _n(
                "a layout needs a name of 1 to {count} character",
                "a layout needs a name of 1 to {count} characters",
                NAME_MAX,
            ),
            _("a layout name may not contain '/' or control characters"),
        )
        check_tiles(layout, tiles)
        canonical = self.require_visible(session, actor, tiles)
        if is_default:
            session.execute(
                update(WallLayout)
                .where(WallLayout.user_id == user_id, WallLayout.name != name)
                .values(is_default=False)
            )
        row = self._layout(session, user_id, name)
        if row is None:
            row = WallLayout(user_id=user_id, name=name)
            session.add(row)
        row.layout = layout
        row.tiles = json.dumps(canonical)
        row.is_default = is_default
        row.updated_at = self._clock()
        _flush(session, _("the layout '{name}' was saved twice at the same moment; save it again", name=name))
        return SavedLayout(row.name, row.layout, canonical, row.is_default, row.updated_at)

    def delete_layout(self, session: Session, actor: Actor, name: str) -> None:
        user_id, _organisation_id = self.require_wall(session, actor)
        row = self._layout(session, user_id, name.strip())
        if row is None:
            raise NotFound(_("you have no layout '{name}'; list them with GET /api/wall/layouts", name=name))
        session.delete(row)
        session.flush()

    def list_tours(self, session: Session, actor: Actor) -> list[SavedTour]:
        _user_id, organisation_id = self.require_wall(session, actor)
        statement = select(CameraTour).where(CameraTour.organisation_id == organisation_id).order_by(CameraTour.name)
        rows = list(session.scalars(statement))
        stored = [json.loads(row.camera_ids) for row in rows]
        visible = visible_camera_ids(session, actor, (ref for ids in stored for ref in ids), self._clock())
        return [
            SavedTour(
                row.name, [ref for ref in ids if ref in visible], row.dwell_seconds, row.created_by, row.updated_at
            )
            for row, ids in zip(rows, stored, strict=True)
        ]

    def save_tour(
        self, session: Session, actor: Actor, name: str, camera_ids: Sequence[str], dwell_seconds: int
    ) -> SavedTour:
        """Create or replace the organisation's tour called `name`; its creator stays on record."""
        _user_id, organisation_id = self.require_wall(session, actor)
        name = check_name(
            name,
            _n(
                "a tour needs a name of 1 to {count} character",
                "a tour needs a name of 1 to {count} characters",
                NAME_MAX,
            ),
            _("a tour name may not contain '/' or control characters"),
        )
        check_tour(camera_ids, dwell_seconds)
        canonical = [ref for ref in self.require_visible(session, actor, camera_ids) if ref is not None]
        row = self._tour(session, organisation_id, name)
        if row is None:
            row = CameraTour(organisation_id=organisation_id, name=name, created_by=actor.name)
            session.add(row)
        row.camera_ids = json.dumps(canonical)
        row.dwell_seconds = dwell_seconds
        row.updated_at = self._clock()
        _flush(session, _("the tour '{name}' was saved twice at the same moment; save it again", name=name))
        return SavedTour(row.name, canonical, row.dwell_seconds, row.created_by, row.updated_at)

    def delete_tour(self, session: Session, actor: Actor, name: str) -> None:
        _user_id, organisation_id = self.require_wall(session, actor)
        row = self._tour(session, organisation_id, name.strip())
        if row is None:
            raise NotFound(_("your organisation has no tour '{name}'; list them with GET /api/wall/tours", name=name))
        session.delete(row)
        session.flush()

    @staticmethod
    def _layout(session: Session, user_id: uuid.UUID, name: str) -> WallLayout | None:
        statement = select(WallLayout).where(WallLayout.user_id == user_id, WallLayout.name == name)
        return session.scalars(statement).first()

    @staticmethod
    def _tour(session: Session, organisation_id: uuid.UUID, name: str) -> CameraTour | None:
        statement = select(CameraTour).where(CameraTour.organisation_id == organisation_id, CameraTour.name == name)
        return session.scalars(statement).first()


def _flush(session: Session, conflict: Message) -> None:
    """Flush; a concurrent insert of the same name becomes a Conflict, not a server error."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(conflict) from exc
