"""Plate search over the read history: full, partial (`1-AB*`, `*23?`) and fuzzy.

Every search is a consultation with a purpose, decided by the policy gate and audited
with the query (the 30-day rule applies from the start of the searched period). Each
kind of query seeks an index instead of scanning the reads: an exact plate or a pattern
with a literal start by the plate, a pattern with a literal end by the reversed plate,
other patterns through the table of distinct plates (by 36 ranges of its plate or
reversed-plate index when the pattern's literal follows one `?` at either end, as in
`?AB?23?` and `*23?`); fuzzy by the OCR-equivalence key and the plates one edit away.
Results are the newest first, a page at a time. Neither database can tell a rare pattern
from a common one, so for a pattern or a fuzzy search the matches are first counted in
the index (up to SPARSE) and the query is built to seek them when they are few, or to
walk the period newest first when they are many (see `_few_matches`).
"""

from __future__ import annotations

import re
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Interval, and_, func, literal, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.expression import ColumnElement

from belfort.anpr.models import PlateRead, SeenPlate
from belfort.anpr.plates import PlatePattern, equivalence_key, normalise, one_edit_variants
from belfort.anpr.reads import reads_resource
from belfort.cameras.grants import granted_footage
from belfort.cameras.models import Camera, Grant
from belfort.cameras.service import CameraService
from belfort.errors import InvalidInput
from belfort.i18n import _
from belfort.policy import Action, Actor, PolicyGate, Purpose, Resource, ResourceKind, Right
from belfort.timeutil import Clock, iso_utc, utcnow

Mode = Literal["auto", "exact", "partial", "fuzzy"]
DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_PLATES = 20_000
"""A pattern matching more distinct plates than this is too broad to search."""
MAX_LIMIT = 200
MAX_GRANT_REFS = 20
"""A search's record names the grants it rests on when there are at most this many."""
HIGH = "\x7f"
"""Sorts after every plate character: [prefix, prefix + HIGH) holds every plate with that prefix."""
PLATE_CHARACTERS = string.digits + string.ascii_uppercase
"""Every character a normalised plate holds, in the order the indexes sort them."""
SPARSE = 5_000
"""A pattern or fuzzy search matching fewer reads than this is sought by its index; a more
common one is found by walking the period newest first."""


@dataclass(frozen=True)
class SearchQuery:
    text: str
    mode: Mode = "auto"
    start: datetime | None = None
    end: datetime | None = None
    cameras: tuple[uuid.UUID, ...] = ()
    area: str = ""
    limit: int = 50
    before: tuple[datetime, uuid.UUID] | None = None
    """The page after this (ts, id): the last result of the previous page."""


@dataclass(frozen=True)
class Found:
    read: PlateRead
    match: str
    """`exact`, `pattern`, `equivalent` (OCR-confusable characters) or `one edit`."""


@dataclass
class SearchPage:
    results: list[Found]
    start: datetime
    end: datetime
    mode: Mode
    next_before: tuple[datetime, uuid.UUID] | None


CLOCK_SLACK = timedelta(minutes=5)
"""Without an end, a search reaches this far past now: senders' clocks run a little ahead."""


def _range(query: SearchQuery, now: datetime) -> tuple[datetime, datetime]:
    end = query.end or now + CLOCK_SLACK
    start = query.start or end - timedelta(days=DEFAULT_DAYS)
    if end <= start:
        raise InvalidInput(_("the search period must end after it starts"))
    if end - start > timedelta(days=MAX_DAYS):
        raise InvalidInput(_("search at most {days} days at a time", days=MAX_DAYS))
    return start, end


def _mode(query: SearchQuery) -> Mode:
    if query.mode != "auto":
        return query.mode
    return "partial" if any(ch in query.text for ch in "*?") else "exact"


def _with_owners(resource: Resource, grants: Sequence[Grant]) -> Resource:
    """The search's resource naming every owner whose granted reads it reaches (and the grants,
    when few): the record is then part of each owner's view of the use of its cameras."""
    owners = {str(grant.owner_organisation_id): grant.owner.name for grant in grants}
    refs = tuple(("organisation", owner, name) for owner, name in sorted(owners.items()))
    if len(grants) <= MAX_GRANT_REFS:
        refs += tuple(("grant", str(grant.id), "") for grant in grants)
    return replace(resource, extra_ids=resource.extra_ids + refs)


def _narrowed(resource: Resource, cameras: Sequence[uuid.UUID]) -> Resource:
    """The search's resource naming the cameras it is narrowed to: a judicial authorisation
    that names cameras then opens the search of those."""
    refs = tuple((ResourceKind.CAMERA.value, str(camera), "") for camera in cameras)
    return replace(resource, extra_ids=resource.extra_ids + refs)


class PlateSearch:
    def __init__(self, gate: PolicyGate, cameras: CameraService, clock: Clock = utcnow) -> None:
        self.gate = gate
        self.cameras = cameras
        self._clock = clock

    def camera_ids(self, session: Session, actor: Actor, refs: Sequence[str]) -> tuple[uuid.UUID, ...]:
        """The cameras a search is narrowed to, each one the actor may see (a refusal is recorded)."""
        return tuple(self.cameras.require(session, actor, ref, Action.VIEW_CAMERA).id for ref in refs)

    def search(self, session: Session, actor: Actor, query: SearchQuery, purpose: Purpose | None) -> SearchPage:
        """Authorise, audit and run a search of the actor's organisation's reads."""
        mode = _mode(query)
        start, end = _range(query, self._clock())
        if not 1 <= query.limit <= MAX_LIMIT:
            raise InvalidInput(_("ask for 1 to {limit} results at a time", limit=MAX_LIMIT))
        plate_condition, classify = self._plate_condition(session, query.text, mode)
        now = self._clock()
        shared, grants = granted_footage(
            session, actor, now, Right.ANPR_READS, purpose.kind if purpose else None, PlateRead.camera_id, PlateRead.ts
        )
        self.gate.require(
            session,
            actor,
            Action.SEARCH_PLATES,
            _with_owners(_narrowed(reads_resource(actor.organisation_id, start), query.cameras), grants),
            purpose,
            detail={
                "query": query.text[:40],
                "mode": mode,
                "from": iso_utc(start),
                "until": iso_utc(end),
                "cameras": [str(c) for c in query.cameras][:20],
                "area": query.area,
            },
        )
        seek = classify.mode != "exact" and _few_matches(session, plate_condition)
        ts, order = _time_columns(session, seek)
        conditions = [plate_condition, ts >= start, ts < end]
        if actor.organisation_id is not None:
            own = PlateRead.organisation_id == actor.organisation_id
            conditions.append(or_(own, shared) if shared is not None else own)
        cameras = list(query.cameras)
        if query.area:
            cameras += list(session.scalars(select(Camera.id).where(Camera.area == query.area)))
            if not cameras:
                return SearchPage([], start, end, mode, None)
        if cameras:
            conditions.append(PlateRead.camera_id.in_(cameras))
        if query.before is not None:
            last, read_id = query.before
            conditions.append(or_(ts < last, and_(ts == last, PlateRead.id < read_id)))
        rows = session.scalars(
            select(PlateRead).where(*conditions).order_by(order.desc(), PlateRead.id.desc()).limit(query.limit + 1)
        ).all()
        page = rows[: query.limit]
        following = (page[-1].ts, page[-1].id) if len(rows) > query.limit else None
        return SearchPage([Found(row, classify(row.plate)) for row in page], start, end, mode, following)

    def _plate_condition(self, session: Session, text: str, mode: Mode) -> tuple[ColumnElement[bool], _Classifier]:
        if mode == "partial":
            try:
                pattern = PlatePattern.parse(text)
            except ValueError as exc:
                raise InvalidInput(exc.args[0] if exc.args else str(exc)) from None
            if pattern.is_exact:
                mode = "exact"
            else:
                return self._pattern_condition(session, pattern), _Classifier(pattern.text, "pattern")
        plate = normalise(text)
        if not 1 <= len(plate) <= 16:
            raise InvalidInput(_("'{plate}' is not a plate: give 1 to 16 letters and digits", plate=text[:40]))
        if mode == "exact":
            return PlateRead.plate == plate, _Classifier(plate, "exact")
        variants = sorted(one_edit_variants(plate) | {plate})
        condition = or_(PlateRead.plate_key == equivalence_key(plate), PlateRead.plate.in_(variants))
        return condition, _Classifier(plate, "fuzzy")

    def _pattern_condition(self, session: Session, pattern: PlatePattern) -> ColumnElement[bool]:
        if pattern.prefix:
            return _starting(PlateRead.plate, pattern.prefix, pattern.like)
        if pattern.suffix:
            return _starting(PlateRead.plate_reversed, pattern.suffix[::-1], pattern.like[::-1])
        seen = _after_one_character(SeenPlate.plate, pattern.text, pattern.like)
        if seen is None:
            seen = _after_one_character(SeenPlate.plate_reversed, pattern.text[::-1], pattern.like[::-1])
        if seen is None:
            seen = SeenPlate.plate.like(pattern.like)
        plates = session.scalars(select(SeenPlate.plate).where(seen).limit(MAX_PLATES + 1)).all()
        if len(plates) > MAX_PLATES:
            raise InvalidInput(
                _(
                    "'{pattern}' matches more than {limit} different plates: add characters to narrow it",
                    pattern=pattern.text,
                    limit=format(MAX_PLATES, ","),
                )
            )
        return PlateRead.plate.in_(plates) if plates else PlateRead.plate == ""


def _starting(column: InstrumentedAttribute[str], start: str, like: str) -> ColumnElement[bool]:
    """Values of `column` in the index range of `start` that match `like`: both are checked in
    the column's own index (the reversed plate against the reversed pattern, so that a read's
    row is only fetched once it matches)."""
    return and_(column >= start, column < start + HIGH, column.like(like))


def _after_one_character(column: InstrumentedAttribute[str], text: str, like: str) -> ColumnElement[bool] | None:
    """For a pattern that starts with one `?` and then a literal (`?AB?23?`; `*23?` read
    reversed): the index ranges of that literal after each possible first character, checked
    against `like` in the index. None for any other pattern."""
    if len(text) < 2 or text[0] != "?" or text[1] in "*?":
        return None
    literal = re.split(r"[*?]", text[1:], maxsplit=1)[0]
    ranges = [and_(column >= first + literal, column < first + literal + HIGH) for first in PLATE_CHARACTERS]
    return and_(or_(*ranges), column.like(like))


def _few_matches(session: Session, condition: ColumnElement[bool]) -> bool:
    """Whether a pattern or fuzzy search matches fewer than SPARSE reads: counted through the
    plate indexes, stopping at SPARSE (a few milliseconds at most).

    Left to themselves, both databases often walk the time index newest first, which is
    quick for a common pattern ("1-A*": 51 matches are soon found) and reads the whole period
    for a rare one: over a year, 4 s for "1-ABC*" in 10 million reads on SQLite, which keeps
    no statistics on plates, and up to 39 s for "?AB?23?" in 50 million on PostgreSQL, whose
    sample of the table puts 10 million distinct plates at 400,000. Counted over all the reads
    kept, not the period: the suffix index has no time, and retention keeps a year at most.
    """
    matches = select(literal(1)).where(condition).limit(SPARSE).subquery()
    return (session.scalar(select(func.count()).select_from(matches)) or 0) < SPARSE


def _time_columns(session: Session, seek: bool) -> tuple[ColumnElement[datetime], ColumnElement[datetime]]:
    """The read time to filter by, and to sort by. To seek, neither database may walk the time
    index instead: SQLite is kept from it by `+ts` (its documented way to keep a term from an
    index), PostgreSQL by sorting on `ts + 0 seconds`, which no index gives in order."""
    ts = PlateRead.ts.expression
    if not seek:
        return ts, ts
    if session.get_bind().dialect.name == "sqlite":
        return UnaryExpression(ts, operator=operators.custom_op("+"), type_=ts.type), ts
    return ts, ts + literal(timedelta(0), Interval())


class _Classifier:
    """Says how a found plate matches the query, for the result list."""

    def __init__(self, query: str, mode: str) -> None:
        self.query = query
        self.mode = mode
        self.key = equivalence_key(query) if mode == "fuzzy" else ""

    def __call__(self, plate: str) -> str:
        if self.mode in ("exact", "pattern"):
            return self.mode
        if plate == self.query:
            return "exact"
        return "equivalent" if equivalence_key(plate) == self.key else "one edit"


def camera_names(session: Session, reads: Sequence[PlateRead]) -> dict[uuid.UUID, Camera]:
    ids = {read.camera_id for read in reads if read.camera_id}
    return {camera.id: camera for camera in session.scalars(select(Camera).where(Camera.id.in_(ids)))} if ids else {}
