"""Section control: the average speed of each vehicle between two ANPR cameras.

A section is an entry and an exit camera of one organisation, the road distance between
them and the speed limit. A passage is an exit read paired with the latest entry read of
the same plate before it, no longer ago than a crawl at `SLOWEST_KMH` would take; its
average speed is distance over time. Looking at a section's passages is a plate search:
it needs a purpose and is audited like one. Setting up sections is camera configuration.
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.anpr.models import PlateRead, SpeedSection, owned
from belfort.anpr.reads import reads_resource
from belfort.cameras.service import CameraService
from belfort.errors import Conflict, InvalidInput
from belfort.i18n import _
from belfort.policy import Action, Actor, PolicyGate, Purpose, ResourceKind
from belfort.timeutil import Clock, iso_utc, utcnow

SLOWEST_KMH = 5.0
"""Reads further apart than the section at this speed belong to different trips."""
MAX_REPORT = timedelta(days=31)


@dataclass(frozen=True)
class Passage:
    plate: str
    display: str
    entry: PlateRead
    exit: PlateRead
    seconds: float
    speed_kmh: float
    over_limit: bool


class SectionService:
    def __init__(self, gate: PolicyGate, cameras: CameraService, clock: Clock = utcnow) -> None:
        self.gate = gate
        self.cameras = cameras
        self._clock = clock

    def create(
        self,
        session: Session,
        actor: Actor,
        name: str,
        entry: str,
        exit_: str,
        distance_m: float,
        limit_kmh: float,
    ) -> SpeedSection:
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise InvalidInput(_("a section needs a name of 1 to 100 characters"))
        if not 10 <= distance_m <= 100_000:
            raise InvalidInput(_("the distance between the cameras must be 10 m to 100 km"))
        if not 5 <= limit_kmh <= 200:
            raise InvalidInput(_("the speed limit must be 5 to 200 km/h"))
        detail = {"section": name, "distance_m": distance_m, "limit_kmh": limit_kmh}
        entry_camera = self.cameras.require(session, actor, entry, Action.MANAGE_CAMERAS, detail=detail)
        exit_camera = self.cameras.require(session, actor, exit_, Action.MANAGE_CAMERAS, detail=detail)
        if entry_camera.id == exit_camera.id:
            raise InvalidInput(_("the entry and exit cameras must differ"))
        if entry_camera.organisation_id != exit_camera.organisation_id:
            raise InvalidInput(_("the entry and exit cameras of a section must have the same owner"))
        organisation_id = entry_camera.organisation_id
        if session.scalar(
            select(SpeedSection.id).where(SpeedSection.organisation_id == organisation_id, SpeedSection.name == name)
        ):
            raise Conflict(_("a section named '{name}' exists already", name=name))
        section = SpeedSection(
            organisation_id=organisation_id,
            name=name,
            entry_camera_id=entry_camera.id,
            exit_camera_id=exit_camera.id,
            distance_m=distance_m,
            limit_kmh=limit_kmh,
            created_at=self._clock(),
        )
        session.add(section)
        session.flush()
        return section

    def sections(self, session: Session, actor: Actor) -> Sequence[SpeedSection]:
        """The organisation's sections: for those who set them up or read their reports."""
        self.gate.require_function(session, actor, "speed sections", Action.MANAGE_CAMERAS, Action.SEARCH_PLATES)
        query = select(SpeedSection).order_by(SpeedSection.name)
        if actor.organisation_id is not None:
            query = query.where(SpeedSection.organisation_id == actor.organisation_id)
        return session.scalars(query).all()

    def get(self, session: Session, actor: Actor, section_id: uuid.UUID) -> SpeedSection:
        return owned(
            session,
            self.gate,
            actor,
            Action.SEARCH_PLATES,
            SpeedSection,
            section_id,
            ResourceKind.SECTION,
            lambda section: section.name,
        )

    def passages(
        self,
        session: Session,
        actor: Actor,
        section: SpeedSection,
        start: datetime,
        end: datetime,
        purpose: Purpose | None,
        only_over_limit: bool = False,
    ) -> list[Passage]:
        """Vehicles that left the section in [start, end), fastest first; audited as a plate search."""
        if end <= start:
            raise InvalidInput(_("the period must end after it starts"))
        if end - start > MAX_REPORT:
            raise InvalidInput(_("report at most {days} days at a time", days=31))
        window = timedelta(hours=section.distance_m / 1000 / SLOWEST_KMH)
        self.gate.require(
            session,
            actor,
            Action.SEARCH_PLATES,
            reads_resource(section.organisation_id, start - window),
            purpose,
            detail={"section": section.name, "from": iso_utc(start), "until": iso_utc(end)},
        )
        exits = session.scalars(
            select(PlateRead)
            .where(PlateRead.camera_id == section.exit_camera_id, PlateRead.ts >= start, PlateRead.ts < end)
            .order_by(PlateRead.ts)
        ).all()
        if not exits:
            return []
        entries = session.scalars(
            select(PlateRead)
            .where(
                PlateRead.camera_id == section.entry_camera_id,
                PlateRead.ts >= start - window,
                PlateRead.ts < end,
                PlateRead.plate.in_({read.plate for read in exits}),
            )
            .order_by(PlateRead.ts)
        ).all()
        return pair_passages(section, entries, exits, window, only_over_limit)


def pair_passages(
    section: SpeedSection,
    entries: Sequence[PlateRead],
    exits: Sequence[PlateRead],
    window: timedelta,
    only_over_limit: bool = False,
) -> list[Passage]:
    """Pair each exit read with the latest entry read of its plate within `window` before it;
    an entry read is used for one passage at most. Pure, for tests."""
    by_plate: dict[str, list[PlateRead]] = defaultdict(list)
    for read in entries:
        by_plate[read.plate].append(read)
    used: set[uuid.UUID] = set()
    passages = []
    for out in exits:
        candidates = by_plate.get(out.plate, [])
        index = bisect.bisect_left([read.ts for read in candidates], out.ts) - 1
        while index >= 0 and candidates[index].id in used:
            index -= 1
        if index < 0:
            continue
        entry = candidates[index]
        seconds = (out.ts - entry.ts).total_seconds()
        if seconds <= 0 or out.ts - entry.ts > window:
            continue
        used.add(entry.id)
        speed = round(section.distance_m / seconds * 3.6, 1)
        over = speed > section.limit_kmh
        if only_over_limit and not over:
            continue
        passages.append(Passage(out.plate, out.display, entry, out, seconds, speed, over))
    passages.sort(key=lambda passage: passage.speed_kmh, reverse=True)
    return passages
