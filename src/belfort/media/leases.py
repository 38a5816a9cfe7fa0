"""Which node records which camera: holds in the shared database, renewed every few seconds
and fenced by an epoch (docs/design/camera-leases.md).

Each recording node settles its holds every `[node] lease_renew_seconds`, in one transaction:

1. it renews the holds it has (naming their epoch, so a hold another node has taken since
   is not renewed but lost), and hands back those of cameras no longer enabled;
2. it works out its share: the enabled cameras spread over the live recording nodes in
   proportion to their capacity. A node above its share while another is below gives up
   the difference (stopping those cameras before the hold is handed back, so a camera is
   never recorded twice);
3. it takes free cameras up to its share: never held, handed back, or run out (the holder
   died). Taking a hold raises its epoch; it is a compare-and-set on the old epoch, so of two
   nodes racing for a camera one wins.

A node writes only while its last successful renewal is younger than two thirds of the
hold (`valid`); past that it stops every camera, a third of the hold before any other node
may take them over. A node that is paused or cut off from the database therefore stops
writing before another starts. Cameras beyond the sum of the capacities are still taken
(a node over capacity records more rather than leave a camera unrecorded).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from belfort.db import Database
from belfort.db.base import UTCDateTime
from belfort.media.models import CameraLease
from belfort.settings import NodeSettings
from belfort.timeutil import Clock, utcnow

log = logging.getLogger(__name__)

NEVER_HELD = ""
"""The node of a camera's hold row before any node held it (node names are never empty)."""

Recorders = Callable[[Session], dict[str, int]]
"""The live recording nodes of the platform, by name, with their capacity."""


@dataclass(frozen=True)
class Hold:
    epoch: int
    taken_over_at: datetime | None = None
    """For a hold just taken: how far the previous holder had written (where its gap begins)."""


@dataclass
class Settled:
    """One round's outcome, applied by `commit` once its transaction is in."""

    started: float
    held: dict[uuid.UUID, Hold] = field(default_factory=dict)
    give_up: set[uuid.UUID] = field(default_factory=set)
    """Held cameras to stop and then hand back (`release`): another node is below its share."""
    lost: set[uuid.UUID] = field(default_factory=set)
    """Cameras another node holds now: stop them at once."""


@dataclass
class _Round:
    """What one round reads once and its steps share."""

    session: Session
    settled: Settled
    rows: dict[uuid.UUID, Any]
    """This node's holds and the run-out ones: the only rows a round reads whole."""
    enabled: set[uuid.UUID]
    now: datetime
    expiry: datetime


def _unlocked(session: Session, column: Any, condition: Any, chunk: list[uuid.UUID]) -> Any:
    """The ids of the rows among `chunk` (matching `condition`, if any), locked for this
    transaction; on PostgreSQL rows another transaction holds are skipped rather than waited
    for (SQLite has one writer at a time: nothing to skip)."""
    query = select(column).where(column.in_(chunk))
    if condition is not None:
        query = query.where(condition)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query


def _chunks(items: list[uuid.UUID], size: int = 1000) -> list[list[uuid.UUID]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


class CameraLeases:
    def __init__(
        self,
        db: Database,
        settings: NodeSettings,
        clock: Clock = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.settings = settings
        self.recorders: Recorders | None = None
        """Set by the composition root (the cluster's heartbeats); alone, a node takes every camera."""
        self._clock = clock
        self._monotonic = monotonic
        self._held: dict[uuid.UUID, int] = {}
        self._valid_until = 0.0
        self._first_round: float | None = None
        self._handed_back: set[uuid.UUID] = set()
        """Cameras this process gave up to another node: not its own to take back at once."""
        self._known: set[uuid.UUID] = set()
        """Cameras that have a hold row (held now or before); read whole now and then, else
        only for cameras not known yet."""
        self._rounds = 0
        self._lock = threading.Lock()

    @property
    def node(self) -> str:
        return self.settings.name

    def valid(self) -> bool:
        """Whether this node may write: its holds were renewed recently enough."""
        return self._monotonic() < self._valid_until

    def held(self) -> dict[uuid.UUID, int]:
        with self._lock:
            return dict(self._held)

    def settle(self, enabled: set[uuid.UUID]) -> Settled:
        """Renew and hand back holds (one transaction), then work out the share and take free
        cameras (a second one); `commit` the outcome after. Taking may fail when the database
        is contended (a lock wait, a deadlock another round caused): the renewal stands, and the
        next round tries again. A renewal that fails raises: the holds are not renewed."""
        settled = Settled(started=self._monotonic())
        if self._first_round is None:
            self._first_round = settled.started
        now = self._clock()
        self._register(enabled, now)
        with self.db.session() as session:
            # plain rows, not entities, and only those a round can use: a region has 8000
            # holds, and reading them all made a round cost 0.2 s of CPU on every node
            rows, loads = self._read(session, enabled, now)
            self._renew(
                _Round(session, settled, rows, enabled, now, now + timedelta(seconds=self.settings.lease_seconds))
            )
        renewed = dict(settled.held)
        try:
            with self.db.session() as session:
                self._settle(session, settled, enabled, rows, loads, now)
        except Exception:  # what it took is rolled back: hold only what was renewed
            log.warning("node %s: no camera taken this round; the next one tries again", self.node, exc_info=True)
            settled.held, settled.give_up = renewed, set()
        return settled

    def commit(self, settled: Settled) -> None:
        with self._lock:
            self._held = {camera_id: hold.epoch for camera_id, hold in settled.held.items()}
            self._handed_back -= set(self._held)
            self._valid_until = settled.started + self.settings.lease_seconds * 2 / 3

    def release(self, cameras: dict[uuid.UUID, datetime | None]) -> None:
        """Hand back holds of cameras this node has stopped, saying how far it wrote."""
        if not cameras:
            return
        now = self._clock()
        with self._lock:
            epochs = {camera_id: self._held.pop(camera_id) for camera_id in cameras if camera_id in self._held}
            self._handed_back |= set(epochs)
        with self.db.session() as session:
            for camera_id, epoch in epochs.items():
                values: dict[str, object] = {"expires_at": now}
                if cameras[camera_id] is not None:
                    values["written_until"] = cameras[camera_id]
                session.execute(
                    update(CameraLease)
                    .where(
                        CameraLease.camera_id == camera_id,
                        CameraLease.node == self.node,
                        CameraLease.epoch == epoch,
                    )
                    .values(**values)
                )

    def forget(self) -> None:
        """Drop every hold from memory (this node stopped writing: fenced)."""
        with self._lock:
            self._held = {}
            self._valid_until = 0.0

    # -- one round ---------------------------------------------------------------------

    def _register(self, enabled: set[uuid.UUID], now: datetime) -> None:
        """Give every enabled camera a hold row, held by nobody (`NEVER_HELD`), in a short
        transaction of its own: taking is then always an update of an existing row, which
        skips rows another node is taking rather than wait (inserting the same new camera,
        40 nodes starting at once waited on each other until the lock timeout). Which
        cameras have a row is kept in memory (`_known`), read whole every 20 rounds."""
        table = CameraLease.__table__
        try:
            with self.db.session() as session:
                if self._rounds % 20 == 0:
                    self._known = set(session.scalars(select(table.c.camera_id)))
                unknown = sorted(enabled - self._known)
                for chunk in _chunks(unknown):
                    self._known |= set(session.scalars(select(table.c.camera_id).where(table.c.camera_id.in_(chunk))))
            missing = [camera_id for camera_id in unknown if camera_id not in self._known]
            # a transaction per statement of 500: nodes starting at once wait for each other
            # one statement at a time, never for a whole registration
            for chunk in _chunks(missing, 500):  # in camera order, as everywhere: no deadlock
                with self.db.session() as session:
                    _register_unheld(session, chunk, now)
                self._known |= set(chunk)
        except Exception:  # the cameras are taken by an insert in the round then
            log.warning("node %s: new cameras not registered; the round takes them itself", self.node, exc_info=True)
        self._rounds += 1

    def _read(
        self, session: Session, enabled: set[uuid.UUID], now: datetime
    ) -> tuple[dict[uuid.UUID, Any], Counter[str]]:
        """The rows this round may act on, and how many live holds each node has. The rows:
        this node's, those run out for a whole hold (their node died), and a random sample of
        the other free ones, as many as the node could take (at a cold start all 8000 are
        free, and 40 nodes reading them all every round starved each other of CPU)."""
        table = CameraLease.__table__
        abandoned = now - timedelta(seconds=self.settings.lease_seconds)
        mine_or_stranded = (table.c.node == self.node) | (
            (table.c.expires_at <= abandoned) & (table.c.node != NEVER_HELD)
        )
        rows = {row.camera_id: row for row in session.execute(select(*table.c).where(mine_or_stranded))}
        sample = (
            select(*table.c)
            .where(table.c.expires_at <= now, ~mine_or_stranded)
            .order_by(func.random())
            .limit(2 * self.settings.capacity + 100)
        )
        rows |= {row.camera_id: row for row in session.execute(sample)}
        loads = Counter(
            dict(
                session.execute(
                    select(table.c.node, func.count()).where(table.c.expires_at > now).group_by(table.c.node)
                ).all()
            )
        )
        return rows, loads

    def _settle(
        self,
        session: Session,
        settled: Settled,
        enabled: set[uuid.UUID],
        rows: dict[uuid.UUID, Any],
        counted: Counter[str],
        now: datetime,
    ) -> None:
        step = _Round(session, settled, rows, enabled, now, now + timedelta(seconds=self.settings.lease_seconds))

        recorders = dict(self.recorders(session)) if self.recorders is not None else {}
        recorders[self.node] = self.settings.capacity
        total = sum(recorders.values())
        count = len(enabled)
        # live holds of the other recording nodes (a disabled camera's hold counts until its
        # holder's next round hands it back)
        loads = Counter({node: held for node, held in counted.items() if node in recorders and node != self.node})
        loads[self.node] = len(settled.held)

        def floor_share(node: str) -> int:
            return count * recorders[node] // total

        share = -(-count * recorders[self.node] // total)
        if self._first_round is not None and self._monotonic() - self._first_round < self.settings.lease_seconds:
            # just started: the other nodes may not have said they are there yet, so take no
            # more than the capacity (a cold start would otherwise hand everything to the first)
            share = min(share, self.settings.capacity)
        deficit = sum(max(0, floor_share(other) - loads[other]) for other in recorders if other != self.node)
        above = [other for other in recorders if loads[other] > floor_share(other)]
        if deficit and len(settled.held) > floor_share(self.node) and above:
            give = min(len(settled.held) - floor_share(self.node), -(-deficit // len(above)))
            acquired = {camera_id: row.acquired_at for camera_id, row in rows.items()}
            newest = sorted(settled.held, key=lambda camera_id: acquired.get(camera_id, now), reverse=True)
            settled.give_up = set(newest[:give])
        self._take(step, 0 if settled.give_up else share - len(settled.held))

    def _renew(self, step: _Round) -> None:
        """Renew every hold in one statement (a hold another node took since names that node
        or a higher epoch, and is not renewed but lost), and hand back those of cameras no
        longer enabled. How far each camera is written is in the index already (the segment
        being written is updated every round), so the renewal does not repeat it."""
        with self._lock:
            mine = dict(self._held)
        settled, table = step.settled, CameraLease.__table__
        keep = [camera_id for camera_id in mine if camera_id in step.enabled]
        drop = [camera_id for camera_id in mine if camera_id not in step.enabled]
        renewed: dict[uuid.UUID, int] = {}
        for cameras, until in ((keep, step.expiry), (drop, step.now)):
            for chunk in _chunks(cameras):
                # a row another node is taking right now is skipped, not waited for: it is lost
                mine_now = _unlocked(step.session, table.c.camera_id, table.c.node == self.node, chunk)
                renewed |= dict(
                    step.session.execute(
                        update(table)
                        .where(table.c.camera_id.in_(mine_now))
                        .values(renewed_at=step.now, expires_at=until)
                        .returning(table.c.camera_id, table.c.epoch)
                    ).all()
                )
        for camera_id, epoch in mine.items():
            if renewed.get(camera_id) != epoch:
                settled.lost.add(camera_id)
            elif camera_id in step.enabled:
                settled.held[camera_id] = Hold(epoch)
        if settled.lost:
            log.warning("node %s: %d camera hold(s) taken by other nodes", self.node, len(settled.lost))

    def _take(self, step: _Round, room: int) -> None:
        """Take free cameras: first those still named after this node (left by its previous
        run, not handed back by this one: a node whose next round comes before the taker's
        would otherwise take back what it gave, round after round), then, up to `room`,
        never held or run out ones; beyond `room`, those run out for a whole hold (no node
        with room took them)."""
        own, free, stranded = [], [], []
        abandoned = step.now - timedelta(seconds=self.settings.lease_seconds)
        with self._lock:
            handed_back = set(self._handed_back)
        never_held = step.enabled - self._known
        for camera_id in (set(step.rows) & step.enabled | never_held) - set(step.settled.held) - step.settled.lost:
            row = step.rows.get(camera_id)
            if row is not None and row.node == self.node and camera_id not in handed_back:
                own.append(camera_id)
            elif row is None or row.node == NEVER_HELD:
                free.append(camera_id)
            elif row.expires_at <= step.now:
                (stranded if row.expires_at <= abandoned else free).append(camera_id)
        random.shuffle(free)  # nodes taking at once pick different cameras...
        chosen = own + stranded + free[: max(0, room - len(own) - len(stranded))]
        table = CameraLease.__table__
        existing = [camera_id for camera_id in chosen if camera_id in step.rows]
        free_now: set[uuid.UUID] = set()
        for chunk in _chunks(existing):  # rows another node is taking right now are left to it
            free_now |= set(step.session.scalars(_unlocked(step.session, table.c.camera_id, None, chunk)))
        for camera_id in sorted(chosen):  # ...and lock them in one order, so two rounds never deadlock
            row = step.rows.get(camera_id)
            if row is None:
                taken = self._insert(step.session, camera_id, step.now, step.expiry)
                self._known.add(camera_id)  # taken here, or by another node just before
                hold = Hold(1)
            elif camera_id not in free_now:
                continue
            else:
                epoch, written_until = row.epoch, row.written_until
                taken = (
                    step.session.execute(
                        update(CameraLease)
                        .where(CameraLease.camera_id == camera_id, CameraLease.epoch == epoch)
                        .values(
                            node=self.node,
                            epoch=epoch + 1,
                            acquired_at=step.now,
                            renewed_at=step.now,
                            expires_at=step.expiry,
                        )
                    ).rowcount
                    == 1
                )  # type: ignore[attr-defined]
                hold = Hold(epoch + 1, written_until)
            if taken:
                step.settled.held[camera_id] = hold

    def _insert(self, session: Session, camera_id: uuid.UUID, now: datetime, expiry: datetime) -> bool:
        values = {**_unheld(camera_id, now), "node": self.node, "epoch": 1, "expires_at": expiry}
        table = CameraLease.__table__
        statement = _insert_nothing_on_conflict(session, table).values(**values)
        # the row count of an INSERT .. ON CONFLICT is not told on PostgreSQL: the returned row is
        return session.execute(statement.returning(table.c.camera_id)).first() is not None


def _unheld(camera_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """A hold row of a camera nobody has held yet (run out already, epoch 0)."""
    return {
        "camera_id": camera_id,
        "node": NEVER_HELD,
        "epoch": 0,
        "acquired_at": now,
        "renewed_at": now,
        "expires_at": now,
        "written_until": None,
    }


_REGISTER_ON_POSTGRESQL = text(
    "INSERT INTO camera_lease (camera_id, node, epoch, acquired_at, renewed_at, expires_at, written_until) "
    "SELECT unnest(CAST(:ids AS uuid[])), :node, 0, :now, :now, :now, NULL ON CONFLICT DO NOTHING"
).bindparams(bindparam("now", type_=UTCDateTime()))


def _register_unheld(session: Session, cameras: list[uuid.UUID], now: datetime) -> None:
    """Hold rows for `cameras`, held by nobody; those that have one already are left alone.
    On PostgreSQL one statement with one array (40 nodes starting at once each compiled a
    500-row insert 16 times over, and starved each other of CPU)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_REGISTER_ON_POSTGRESQL, {"ids": [str(c) for c in cameras], "node": NEVER_HELD, "now": now})
        return
    table = CameraLease.__table__
    session.execute(_insert_nothing_on_conflict(session, table), [_unheld(c, now) for c in cameras])


def _insert_nothing_on_conflict(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    return insert(table)  # pragma: no cover - Belfort runs on these two
