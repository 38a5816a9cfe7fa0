"""Camera holds on both databases, with several nodes in one process on a shared clock: the
cameras are spread in proportion to capacity with one holder each; a silent node stops
writing before its holds run out and is taken over only after; a node that comes back
cannot renew what was taken; a joining node gets its share without a camera held twice;
cameras beyond every capacity are still recorded; a `recorder_down` gap is cut to the
footage its holder indexes late."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from belfort.app import Services
from belfort.db import Database
from belfort.media.leases import NEVER_HELD, CameraLeases, Hold
from belfort.media.models import CameraLease, Gap, Segment
from belfort.settings import NodeSettings
from belfort.timeutil import FrozenClock
from tests.conftest import Population
from tests.support.recordings import police_camera


class Ticking:
    """A monotonic clock the test moves (with the FrozenClock)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Platform:
    """Nodes sharing one database and one clock; `alive` says whose heartbeat is fresh."""

    def __init__(self, db: Database, clock: FrozenClock, cameras: int) -> None:
        self.db = db
        self.clock = clock
        self.monotonic = Ticking()
        self.cameras = {uuid.uuid4() for _ in range(cameras)}
        self.nodes: dict[str, CameraLeases] = {}
        self.alive: dict[str, int] = {}

    def node(self, name: str, capacity: int = 200) -> CameraLeases:
        leases = CameraLeases(self.db, NodeSettings(name=name, capacity=capacity), self.clock, self.monotonic)
        leases.recorders = lambda session: dict(self.alive)
        self.nodes[name] = leases
        self.alive[name] = capacity
        return leases

    def round(self, *names: str) -> None:
        """One settling round of each named node (all live ones by default), as the media service does."""
        for name in names or list(self.alive):
            leases = self.nodes[name]
            settled = leases.settle(self.cameras)
            leases.commit(settled)
            leases.release(dict.fromkeys(settled.give_up))

    def wait(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))
        self.monotonic.now += seconds

    def holders(self) -> Counter[str]:
        with self.db.session() as session:
            now = self.clock()
            return Counter(row.node for row in session.scalars(select(CameraLease)) if row.expires_at > now)

    def held_in_memory(self) -> dict[uuid.UUID, list[str]]:
        found: dict[uuid.UUID, list[str]] = {}
        for name, leases in self.nodes.items():
            if leases.valid():
                for camera_id in leases.held():
                    found.setdefault(camera_id, []).append(name)
        return found


def test_cameras_are_spread_in_proportion_to_capacity_with_one_holder_each(
    services: Services, clock: FrozenClock
) -> None:
    platform = Platform(services.db, clock, 40)
    platform.node("a", 100)
    platform.node("b", 100)
    platform.node("c", 200)
    platform.round()  # "a" settles first and takes its share, the others theirs
    platform.round()
    assert platform.holders() == Counter({"a": 10, "b": 10, "c": 20})
    held = platform.held_in_memory()
    assert set(held) == platform.cameras and all(len(names) == 1 for names in held.values())


def test_a_silent_node_stops_writing_before_its_cameras_are_taken_over(services: Services, clock: FrozenClock) -> None:
    platform = Platform(services.db, clock, 9)
    for name in "abc":
        platform.node(name)
    platform.round()
    platform.round()
    assert platform.holders() == Counter({"a": 3, "b": 3, "c": 3})
    silent = platform.nodes["c"]
    taken = set(silent.held())
    del platform.alive["c"]  # its heartbeat goes stale; it renews nothing (paused, cut off, killed)
    platform.wait(9)
    platform.round()
    assert silent.valid(), "9 s after its last renewal the node may still write"
    assert platform.holders()["c"] == 3, "its holds have not run out: nobody takes them"
    platform.wait(1.5)
    assert not silent.valid(), "past two thirds of the hold it stops writing"
    platform.round()
    assert platform.holders()["c"] == 3, "10.5 s: still nobody takes them over"
    platform.wait(5)
    platform.round()
    assert platform.holders() == Counter({"a": 4, "b": 5}) or platform.holders() == Counter({"a": 5, "b": 4})
    with services.db.session() as session:
        epochs = {row.camera_id: row.epoch for row in session.scalars(select(CameraLease))}
    assert {epochs[camera_id] for camera_id in taken} == {2}, epochs

    # the paused node comes back: it cannot renew what was taken, and takes a share again
    platform.alive["c"] = 200
    settled = silent.settle(platform.cameras)
    assert settled.lost == taken and not (set(settled.held) & taken)
    silent.commit(settled)
    platform.round()
    platform.round()
    platform.round()
    assert sorted(platform.holders().values()) == [3, 3, 3]
    held = platform.held_in_memory()
    assert set(held) == platform.cameras and all(len(names) == 1 for names in held.values())


def test_a_joining_node_gets_its_share_and_no_camera_is_ever_held_twice(services: Services, clock: FrozenClock) -> None:
    platform = Platform(services.db, clock, 10)
    platform.node("a")
    platform.node("b")
    platform.round()
    platform.round()
    assert platform.holders() == Counter({"a": 5, "b": 5})
    platform.node("c")
    for _ in range(4):
        platform.round()
        platform.wait(3)
        held = platform.held_in_memory()
        assert all(len(names) == 1 for names in held.values()), held
    assert sorted(platform.holders().values()) in ([3, 3, 4], [3, 4, 3])
    assert set(platform.held_in_memory()) == platform.cameras


def test_a_node_does_not_take_back_what_it_handed_to_a_joining_node(services: Services, clock: FrozenClock) -> None:
    """Nodes started together settle in the same order every round: the giving nodes' next
    round comes before the joining node's, and must leave the handed-back cameras to it."""
    platform = Platform(services.db, clock, 6)
    platform.node("a")
    platform.node("b")
    platform.round()
    platform.round()
    assert platform.holders() == Counter({"a": 3, "b": 3})
    platform.node("c")
    for _ in range(3):
        platform.round("a", "b")  # they give up; their next round comes first, again
        platform.wait(1)
        platform.round("a", "b")
        platform.round("c")
        platform.wait(2)
    assert platform.holders() == Counter({"a": 2, "b": 2, "c": 2})
    assert set(platform.held_in_memory()) == platform.cameras


def test_new_cameras_get_a_row_held_by_nobody_and_are_taken_from_it(services: Services, clock: FrozenClock) -> None:
    """Each enabled camera gets a hold row before any node takes it, so taking is always an
    update that skips rows another node is taking; such a row is nobody's hold."""
    platform = Platform(services.db, clock, 5)
    platform.node("a", capacity=2)
    platform.round()
    with services.db.session() as session:
        rows = {row.camera_id: row for row in session.scalars(select(CameraLease))}
    assert set(rows) == platform.cameras
    unheld = [row for row in rows.values() if row.node == NEVER_HELD]
    assert len(unheld) == 3 and {row.epoch for row in unheld} == {0}, "just started: it takes its capacity"
    assert {row.epoch for row in rows.values() if row.node == "a"} == {1}
    assert platform.holders() == Counter({"a": 2}), "a row held by nobody is no node's hold"
    platform.node("b", capacity=3)
    platform.round()
    assert platform.holders() == Counter({"a": 2, "b": 3})


def test_cameras_beyond_every_capacity_are_still_recorded_once_the_nodes_have_settled(
    services: Services, clock: FrozenClock
) -> None:
    platform = Platform(services.db, clock, 7)
    platform.node("a", capacity=2)
    platform.round()
    assert platform.holders() == Counter({"a": 2}), "just started, a node takes no more than its capacity"
    platform.node("b", capacity=2)
    platform.round()
    assert platform.holders() == Counter({"a": 2, "b": 2})
    platform.wait(2)
    platform.round()
    platform.wait(14)  # a hold after their start, the nodes take what is left over their capacity
    platform.round()
    platform.round()
    assert sum(platform.holders().values()) == 7
    assert max(platform.holders().values()) == 4


def test_a_disabled_camera_is_handed_back_and_a_restarted_node_takes_its_own_back_at_once(
    services: Services, clock: FrozenClock
) -> None:
    platform = Platform(services.db, clock, 3)
    first = platform.node("a")
    platform.round()
    gone = next(iter(platform.cameras))
    platform.cameras.remove(gone)
    platform.round()
    assert set(first.held()) == platform.cameras and platform.holders() == Counter({"a": 2})
    again = platform.node("a")  # the process restarted under the same name before its holds ran out
    platform.round()
    assert set(again.held()) == platform.cameras
    with services.db.session() as session:
        assert {row.epoch for row in session.scalars(select(CameraLease)) if row.camera_id != gone} == {2}


def test_a_recorder_down_gap_is_cut_to_footage_indexed_later(
    services: Services, population: Population, clock: FrozenClock
) -> None:
    camera_id = police_camera(services)
    t0 = clock()
    late = Segment(
        id=uuid.uuid4(),
        camera_id=camera_id,
        storage_id="elsewhere",
        path="late.mp4",
        state="writing",
        start_time=t0,
        end_time=t0,
        codec="avc1.640028",
        width=320,
        height=240,
    )
    with services.db.session() as session:
        session.add(late)
        # the node that took over began the gap where the holder said it had written (t0 + 10 s)
        for start, end, reason in ((10, 20, "recorder_down"), (11, 12, "recorder_down"), (11, 30, "camera_offline")):
            session.add(
                Gap(
                    camera_id=camera_id,
                    start_time=t0 + timedelta(seconds=start),
                    end_time=t0 + timedelta(seconds=end),
                    reason=reason,
                )
            )
    services.media.index.start()
    services.media.index.segment_closed(late.id, t0 + timedelta(seconds=14), 1000, 300, 14, [])
    assert services.media.index.wait_idle()
    with services.db.session() as session:
        gaps = [
            (gap.reason, (gap.start_time - t0).total_seconds(), (gap.end_time - t0).total_seconds())
            for gap in session.scalars(select(Gap).order_by(Gap.reason)).all()
            if gap.end_time is not None
        ]
    assert gaps == [("camera_offline", 11.0, 30.0), ("recorder_down", 14.0, 20.0)]


def test_a_round_whose_taking_fails_holds_only_what_it_renewed(services: Services, clock: FrozenClock) -> None:
    platform = Platform(services.db, clock, 4)
    leases = platform.node("a", capacity=2)
    platform.round()
    renewed = set(leases.held())
    assert len(renewed) == 2
    platform.wait(16)  # a hold after its start: it would take the other two now

    def refuse_taking(step: Any, room: int) -> None:  # one camera taken, then the transaction fails
        step.settled.held[next(iter(platform.cameras - renewed))] = Hold(1)
        raise RuntimeError("deadlock detected")  # as PostgreSQL answers a contended round

    leases._take = refuse_taking  # type: ignore[method-assign]
    settled = leases.settle(platform.cameras)
    assert set(settled.held) == renewed and not settled.give_up
    leases.commit(settled)
    assert leases.valid() and set(leases.held()) == renewed
