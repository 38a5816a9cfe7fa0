"""Plate reads in, hits out: storing reads, matching them against hotlists, handling hits.

Reads come from edge ANPR cameras and patrol cars through the API (a machine token with
scope `anpr:ingest`, one policy decision and one audit record per batch) and from the
built-in reader. Sending a read again with the same client id changes nothing. Each
read is matched against its organisation's hotlists at once; a hit is stored, then
announced (WebSocket subscribers, webhooks) only after the transaction that stored it
commits. Hits of one plate on one entry while the first is open and the plate was read
less than `SERIES_WINDOW` before form a series: shown, counted and handled as one.
Reads and hits are erased after their retention, and each erasure is audited.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from belfort.anpr.hotlists import HotlistService
from belfort.anpr.images import ImageStore
from belfort.anpr.models import Hit, PlateRead, SeenPlate, owned
from belfort.anpr.plates import display, equivalence_key, guess_country, normalise
from belfort.cameras.models import Camera
from belfort.cameras.service import CameraService, camera_resource
from belfort.errors import Conflict, InvalidInput
from belfort.events import EventBus
from belfort.i18n import _
from belfort.policy import (
    Action,
    Actor,
    LegalRegime,
    PolicyGate,
    Resource,
    ResourceKind,
)
from belfort.policy.model import system_actor
from belfort.timeutil import Clock, iso_utc, utcnow

MAX_BATCH = 1000
HIT_STATES = ("new", "accepted", "rejected")
SERIES_WINDOW = timedelta(minutes=15)
"""A hit joins the open series of its plate and entry when the plate was last read less than
this long before (or after) it; a car parked in view of a camera is one series, not dozens."""


@dataclass(frozen=True)
class IncomingRead:
    plate: str
    ts: datetime
    confidence: float = 1.0
    client_read_id: str | None = None
    candidates: tuple[tuple[str, float], ...] = ()
    country: str = ""
    camera: str | None = None
    """A registered camera (id or name): an edge ANPR camera of the sender's organisation."""
    unit: str = ""
    """A mobile unit's name (a patrol car)."""
    latitude: float | None = None
    longitude: float | None = None
    heading: float | None = None
    crop: bytes | None = None
    overview: bytes | None = None


@dataclass
class Ingested:
    read: PlateRead
    duplicate: bool
    hits: list[Hit] = field(default_factory=list)


def hits_topic(organisation_id: uuid.UUID) -> str:
    return f"anpr.hits.{organisation_id}"


def reads_resource(organisation_id: uuid.UUID | None, start: datetime | None = None) -> Resource:
    return Resource(
        ResourceKind.PLATE_READS,
        "",
        "plate reads",
        organisation_id,
        LegalRegime.POLICE,
        (),
        start,
        None,
    )


def hit_message(hit: Hit) -> dict[str, Any]:
    """What subscribers and webhooks receive about a hit (no pictures: those need a grant)."""
    return {
        "type": "hit",
        "id": str(hit.id),
        "read_id": str(hit.read_id) if hit.read_id else None,
        "ts": iso_utc(hit.ts),
        "plate": hit.plate,
        "display": hit.display,
        "camera_id": str(hit.camera_id) if hit.camera_id else None,
        "place": hit.place,
        "hotlist": hit.hotlist,
        "category": hit.category,
        "priority": hit.priority,
        "mode": hit.mode,
        "note": hit.note,
        "state": hit.state,
        "series_id": str(hit.series_id) if hit.series_id else None,
    }


class ReadService:
    def __init__(
        self,
        gate: PolicyGate,
        cameras: CameraService,
        hotlists: HotlistService,
        images: ImageStore,
        bus: EventBus,
        clock: Clock = utcnow,
    ) -> None:
        self.gate = gate
        self.cameras = cameras
        self.hotlists = hotlists
        self.images = images
        self.bus = bus
        self._clock = clock
        self.listeners: list[Any] = []
        """Called with each announced hit message (webhooks)."""

    # -- ingestion ----------------------------------------------------------------------

    def ingest(
        self,
        session: Session,
        actor: Actor,
        source: str,
        organisation_id: uuid.UUID,
        reads: Sequence[IncomingRead],
        audit: bool = True,
    ) -> list[Ingested]:
        """Store a batch of reads and the hits they make; the caller commits, then `announce`s."""
        if not 1 <= len(reads) <= MAX_BATCH:
            raise InvalidInput(_("send 1 to {limit} reads at a time; got {count}", limit=MAX_BATCH, count=len(reads)))
        cameras = self._cameras(session, reads)
        if audit:
            self.gate.require(
                session,
                actor,
                Action.INGEST_READS,
                self._batch_resource(organisation_id, cameras),
                None,
                detail={"reads": len(reads), "source": source},
            )
        plates = [self._plate(item, index) for index, item in enumerate(reads)]
        existing = self._existing(session, source, [r.client_read_id for r in reads if r.client_read_id])
        now = self._clock()
        results: list[Ingested] = []
        rows: list[PlateRead] = []
        for item, plate in zip(reads, plates, strict=True):
            known = existing.get(item.client_read_id) if item.client_read_id else None
            if known is not None:
                results.append(Ingested(known, True))
                continue
            camera = cameras.get(item.camera or "")
            row = self._row(item, plate, source, organisation_id, camera, now)
            rows.append(row)
            results.append(Ingested(row, False))
            if item.client_read_id:
                existing[item.client_read_id] = row
        session.add_all(rows)
        session.flush()
        self._remember_plates(session, rows)
        for result in results:
            if not result.duplicate:
                result.hits = self._hits(session, result.read, cameras)
        session.flush()
        return results

    def _plate(self, item: IncomingRead, index: int) -> str:
        plate = normalise(item.plate)
        if not 1 <= len(plate) <= 16:
            raise InvalidInput(
                _(
                    "read {number}: '{plate}' is not a plate (1 to 16 letters and digits)",
                    number=index + 1,
                    plate=item.plate[:40],
                )
            )
        if not 0 <= item.confidence <= 1:
            raise InvalidInput(_("read {number}: confidence must be between 0 and 1", number=index + 1))
        return plate

    def _cameras(self, session: Session, reads: Sequence[IncomingRead]) -> dict[str, Camera | None]:
        """The cameras the batch names, by the reference given (None for one that names none)."""
        return {ref: self.cameras.find(session, ref) for ref in {r.camera for r in reads if r.camera}}

    @staticmethod
    def _batch_resource(organisation_id: uuid.UUID, cameras: dict[str, Camera | None]) -> Resource:
        """What a batch of reads touches: the organisation's reads, on its own cameras. A camera
        that does not exist or is another organisation's is the resource the gate refuses."""
        for ref, camera in sorted(cameras.items()):
            if camera is None or camera.organisation_id != organisation_id:
                return camera_resource(camera, ref)
        extra = tuple(("camera", str(c.id), c.name) for c in cameras.values() if c is not None)
        return replace(reads_resource(organisation_id), extra_ids=extra)

    def _existing(self, session: Session, source: str, client_ids: list[str]) -> dict[str, PlateRead]:
        if not client_ids:
            return {}
        rows = session.scalars(
            select(PlateRead).where(PlateRead.source == source, PlateRead.client_read_id.in_(set(client_ids)))
        )
        return {row.client_read_id or "": row for row in rows}

    def _row(
        self,
        item: IncomingRead,
        plate: str,
        source: str,
        organisation_id: uuid.UUID,
        camera: Camera | None,
        now: datetime,
    ) -> PlateRead:
        read_id = uuid.uuid4()
        country = (item.country or guess_country(plate) or "").upper()[:2]
        candidates = [[normalise(text), round(float(score), 4)] for text, score in item.candidates[:10]]
        row = PlateRead(
            id=read_id,
            organisation_id=organisation_id,
            source=source,
            client_read_id=item.client_read_id,
            unit=item.unit[:100],
            camera_id=camera.id if camera else None,
            ts=item.ts,
            plate=plate,
            plate_reversed=plate[::-1],
            plate_key=equivalence_key(plate),
            country=country,
            display=display(plate, country or None)[:24],
            confidence=float(item.confidence),
            candidates=json.dumps(candidates),
            latitude=item.latitude,
            longitude=item.longitude,
            heading=item.heading,
            crop_path=self.images.save(read_id, "crop", item.ts, item.crop) if item.crop else "",
            overview_path=self.images.save(read_id, "overview", item.ts, item.overview) if item.overview else "",
            received_at=now,
        )
        return row

    def _remember_plates(self, session: Session, rows: Sequence[PlateRead]) -> None:
        latest: dict[str, datetime] = {}
        for row in rows:
            if row.plate not in latest or row.ts > latest[row.plate]:
                latest[row.plate] = row.ts
        if not latest:
            return
        values = [{"plate": plate, "plate_reversed": plate[::-1], "last_seen": ts} for plate, ts in latest.items()]
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(SeenPlate)
        statement = statement.on_conflict_do_update(
            index_elements=[SeenPlate.plate],
            set_={"last_seen": statement.excluded.last_seen},
            where=SeenPlate.last_seen < statement.excluded.last_seen,
        )
        session.execute(statement, values)

    def _hits(self, session: Session, read: PlateRead, cameras: dict[str, Camera | None]) -> list[Hit]:
        matches = self.hotlists.match(read.organisation_id, read.plate, read.ts)
        if not matches:
            return []
        camera = next((c for c in cameras.values() if c is not None and c.id == read.camera_id), None)
        if camera is None and read.camera_id is not None:
            camera = session.get(Camera, read.camera_id)
        place = camera.name if camera else read.unit or "mobile unit"
        if read.latitude is not None and read.longitude is not None:
            place += f" ({read.latitude:.5f}, {read.longitude:.5f})"
        hits = []
        for match in matches:
            first = self._open_series(session, read, match.entry.pattern)
            hit = Hit(
                id=uuid.uuid4(),
                organisation_id=read.organisation_id,
                read_id=read.id,
                ts=read.ts,
                plate=read.plate,
                display=read.display,
                camera_id=read.camera_id,
                place=place[:200],
                hotlist=self.hotlists.list_name(match.entry.list_id)[:100],
                pattern=match.entry.pattern,
                category=match.entry.category,
                priority=match.entry.priority,
                note=match.entry.note,
                mode=match.mode,
                state="new",
                handled_by="",
                reason="",
                created_at=self._clock(),
                series_id=first.id if first is not None else None,
                repeats=0,
                last_ts=None if first is not None else read.ts,
            )
            if first is not None:  # locked: no other transaction counts it meanwhile
                first.repeats += 1
                first.last_ts = max(first.last_ts or first.ts, read.ts)
            session.add(hit)
            session.flush()
            hits.append(hit)
        return hits

    def _open_series(self, session: Session, read: PlateRead, pattern: str) -> Hit | None:
        """The first hit of the plate's open series on the entry `pattern`: still new, and the
        read within `SERIES_WINDOW` of the series' reads. Locked (PostgreSQL), so a decision on
        the series and a hit joining it never cross."""
        first = session.scalars(
            select(Hit)
            .where(
                Hit.organisation_id == read.organisation_id,
                Hit.plate == read.plate,
                Hit.pattern == pattern,
                Hit.series_id.is_(None),
                Hit.state == "new",
            )
            .order_by(Hit.created_at.desc())
            .limit(1)
            .with_for_update()
        ).first()
        if first is None:
            return None
        last = first.last_ts or first.ts
        if first.ts - SERIES_WINDOW < read.ts < last + SERIES_WINDOW:
            return first
        return None

    def announce(self, hits: Sequence[Hit]) -> None:
        """Tell subscribers and webhooks about committed hits (a hit that joined a series
        names it in `series_id`: panels update the series' entry)."""
        for hit in hits:
            message = hit_message(hit)
            self.bus.publish(hits_topic(hit.organisation_id), message)
            for listener in self.listeners:
                listener(message)

    # -- hits ---------------------------------------------------------------------------

    def _authorize_hits(self, session: Session, actor: Actor, detail: dict[str, object]) -> None:
        self.gate.require(
            session, actor, Action.HANDLE_HITS, reads_resource(actor.organisation_id), None, detail=detail
        )

    def hits(self, session: Session, actor: Actor, state: str = "new", limit: int = 100) -> Sequence[Hit]:
        """The organisation's hits, one per series (its first, with how many joined it and the
        last read), newest first: looking at them is audited."""
        if state not in (*HIT_STATES, "all"):
            raise InvalidInput(_("state must be new, accepted, rejected or all"))
        self._authorize_hits(session, actor, {"hits": state})
        query = (
            select(Hit).where(Hit.series_id.is_(None)).order_by(Hit.created_at.desc()).limit(max(1, min(limit, 500)))
        )
        if actor.organisation_id is not None:
            query = query.where(Hit.organisation_id == actor.organisation_id)
        if state != "all":
            query = query.where(Hit.state == state)
        return session.scalars(query).all()

    def handle(self, session: Session, actor: Actor, hit_id: uuid.UUID, accepted: bool, reason: str) -> Hit:
        """Accept or reject a hit and every hit of its series, audited once with the decision,
        the reason and how many hits it settled; the series' first hit."""
        hit = owned(session, self.gate, actor, Action.HANDLE_HITS, Hit, hit_id, ResourceKind.HIT, _hit_label)
        if hit.series_id is not None:
            hit = session.get(Hit, hit.series_id) or hit
        session.refresh(hit, with_for_update=True)
        reason = reason.strip()
        if not accepted and len(reason) < 3:
            raise InvalidInput(_("say why the hit is rejected (a misread, another vehicle, ...)"))
        if len(reason) > 500:
            raise InvalidInput(
                _("the reason has {length} characters; shorten it to at most {limit}", length=len(reason), limit=500)
            )
        if hit.state != "new":
            if hit.state == "accepted":
                raise Conflict(_("this hit was already accepted by {person}", person=hit.handled_by))
            raise Conflict(_("this hit was already rejected by {person}", person=hit.handled_by))
        decision = "accept" if accepted else "reject"
        members = (
            Hit.organisation_id == hit.organisation_id,
            Hit.plate == hit.plate,
            Hit.series_id == hit.id,
            Hit.state == "new",
        )
        count = 1 + int(session.scalar(select(func.count()).where(*members)) or 0)
        self._authorize_hits(
            session,
            actor,
            {"hit": str(hit.id), "plate": hit.plate, "decision": decision, "reason": reason, "hits": count},
        )
        handled = {
            "state": "accepted" if accepted else "rejected",
            "handled_by": actor.name,
            "handled_at": self._clock(),
            "reason": reason,
        }
        session.execute(update(Hit).where(*members).values(**handled).execution_options(synchronize_session=False))
        for field_name, value in handled.items():
            setattr(hit, field_name, value)
        return hit

    def read_for(self, session: Session, actor: Actor, read_id: uuid.UUID) -> PlateRead:
        return owned(
            session, self.gate, actor, Action.SEARCH_PLATES, PlateRead, read_id, ResourceKind.PLATE_READS, _read_label
        )

    def camera_of(self, session: Session, actor: Actor, hit: Hit) -> Camera | None:
        camera = session.get(Camera, hit.camera_id) if hit.camera_id else None
        return camera if camera is not None and self.cameras.sees(session, actor, camera) else None

    # -- retention ----------------------------------------------------------------------

    def purge(self, session: Session, read_days: int, hit_days: int) -> tuple[int, int]:
        """Erase reads (and their pictures) and hits past retention; one audit record each."""
        now = self._clock()
        read_limit, hit_limit = now - timedelta(days=read_days), now - timedelta(days=hit_days)
        old = session.execute(
            select(PlateRead.id, PlateRead.crop_path, PlateRead.overview_path).where(PlateRead.ts < read_limit)
        ).all()
        for _read_id, crop, overview in old:
            self.images.delete(crop)
            self.images.delete(overview)
        if old:
            self._audit_erasure(session, "plate reads", len(old), read_limit)
            session.execute(delete(PlateRead).where(PlateRead.ts < read_limit))
            session.execute(delete(SeenPlate).where(SeenPlate.last_seen < read_limit))
        hits = session.execute(delete(Hit).where(Hit.created_at < hit_limit))
        erased_hits = int(getattr(hits, "rowcount", 0) or 0)
        if erased_hits:
            self._audit_erasure(session, "hotlist hits", erased_hits, hit_limit)
        return len(old), erased_hits

    def _audit_erasure(self, session: Session, what: str, count: int, before: datetime) -> None:
        self.gate.authorize(
            session,
            system_actor("anpr retention"),
            Action.ERASE_READS,
            Resource(ResourceKind.PLATE_READS, "", what, None, None, (), None, before),
            None,
            detail={"erased": count, "what": what, "older_than": iso_utc(before)},
        )


def _hit_label(hit: Hit) -> str:
    return f"hit {hit.display}"


def _read_label(read: PlateRead) -> str:
    return f"read {read.display}"


def organisation_of(actor: Actor) -> uuid.UUID:
    if actor.organisation_id is None:
        raise InvalidInput(_("plate reads belong to an organisation: send them with a token of one"))
    return actor.organisation_id
