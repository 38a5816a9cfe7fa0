"""What a large hotlist import costs everyone else on SQLite, where a transaction holds the
database's only write lock from its start (Belfort begins every one IMMEDIATE) to its end.

A hotlist of N lines (default 1,000,000; the plates of `bench/anpr.py`: European formats as
written, 10% wildcard patterns) is parsed once, then imported into a fresh data folder with
`HotlistService.import_entries` (a new generation in batches, the switch, the previous rows
deleted in batches), first into an empty list, then again over the list it filled. Meanwhile
a prober thread stores one plate read every 20 ms in a transaction of its own (what an edge
camera's request does: `ReadService.ingest` and commit). Measured: each import's time; how
long each of its own transactions held the write lock (from BEGIN IMMEDIATE to the
connection's return to the pool, after the commit: p50, p99, longest); the p50 and longest
time of the probe's transactions, lock wait included (a failed one counts with the time it
took to fail: "database is locked" once Belfort's wait for the lock ran out), and how many failed; the
longest full garbage collection of the interpreter meanwhile (it stops every thread, lock
held or not); the same for compiling the matcher afterwards.
The import thread, the prober and Belfort's own builder thread share the interpreter, so
holds include waits for the GIL, as in a server. Baseline in the same run, in another fresh
data folder: the old way, the whole import in one transaction
(`HotlistService.replace_entries`), the same two imports, the same prober.

Run: `.venv/bin/python bench/hotlist_import.py [--lines N] [--seed S]`. About 5 minutes.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import markdown

from anpr import hotlist, hotlist_csv, percentile
from belfort.anpr.hotlists import EntryIn, parse_csv
from belfort.anpr.models import Hotlist
from belfort.anpr.reads import IncomingRead
from belfort.app import Services, build_services
from belfort.auth.service import actor_of_user
from belfort.policy import Actor
from belfort.policy.model import system_actor
from belfort.settings import load_settings

SETUP = system_actor("bench-setup")
PROBE_EVERY = 0.02
PASSWORD = "bench-password-0123"  # noqa: S105 - a throwaway account


class LockHolds:
    """How long each transaction of the watched threads held SQLite's write lock."""

    def __init__(self, services: Services) -> None:
        self.started: dict[int, float] = {}
        self.holds: list[float] = []
        self.watching = False
        self.ignored: set[int] = set()
        event.listen(services.db.engine, "begin", self._begin)
        event.listen(services.db.engine.pool, "checkin", self._checkin)

    def _begin(self, _connection: Any) -> None:
        if self.watching and threading.get_ident() not in self.ignored:
            self.started[threading.get_ident()] = time.perf_counter()

    def _checkin(self, _dbapi: Any, _record: Any) -> None:
        began = self.started.pop(threading.get_ident(), None)
        if began is not None:
            self.holds.append(time.perf_counter() - began)

    @contextmanager
    def watch(self) -> Iterator[list[float]]:
        self.holds = []
        self.watching = True
        try:
            yield self.holds
        finally:
            self.watching = False


@dataclass
class Probe:
    """Stores one read every `PROBE_EVERY` s in its own transaction until stopped."""

    services: Services
    organisation_id: uuid.UUID
    holds: LockHolds
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    count: int = 0

    def run(self) -> None:
        self.holds.ignored.add(threading.get_ident())
        actor = system_actor("bench-probe")
        while not self.stop.is_set():
            self.count += 1
            read = IncomingRead(
                plate=f"1PRB{self.count:03d}", ts=datetime.now(UTC), client_read_id=f"p{self.count}", unit="Combi 1"
            )
            began = time.perf_counter()
            try:
                with self.services.db.session() as session:
                    self.services.anpr.reads.ingest(session, actor, "bench", self.organisation_id, [read], audit=False)
                self.latencies.append(time.perf_counter() - began)
            except Exception:
                self.failures += 1
                self.latencies.append(time.perf_counter() - began)
            self.stop.wait(PROBE_EVERY)


@dataclass
class Phase:
    name: str
    seconds: float
    holds: list[float]
    transactions: int
    probe_p50: float
    probe_max: float
    probe_failures: int
    probes: int
    longest_gc: float


def site(root: Path) -> tuple[Services, Actor, uuid.UUID, uuid.UUID]:
    services = build_services(load_settings(data_dir=root, environ={"BELFORT_DATABASE__URL": ""}))
    with services.db.session() as session:
        organisation = services.accounts.add_organisation(session, SETUP, "PZ Bench", "police_zone")
        user = services.accounts.add_user(
            session, SETUP, username="chief", role="supervisor", organisation="PZ Bench", password=PASSWORD
        )
        actor = actor_of_user(user)
        created = services.anpr.hotlists.create(session, actor, "National")
    return services, actor, organisation.id, created.id


def measured(
    name: str, services: Services, holds: LockHolds, organisation_id: uuid.UUID, work: Callable[[], object]
) -> Phase:
    pauses: list[float] = []
    collecting: list[float] = []

    def timed_gc(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                collecting.append(time.perf_counter())
            elif collecting:
                pauses.append(time.perf_counter() - collecting.pop())

    gc.callbacks.append(timed_gc)
    probe = Probe(services, organisation_id, holds)
    prober = threading.Thread(target=probe.run)
    prober.start()
    time.sleep(0.5)
    with holds.watch() as held:
        began = time.perf_counter()
        work()
        seconds = time.perf_counter() - began
    probe.stop.set()
    prober.join()
    gc.callbacks.remove(timed_gc)
    return Phase(
        name,
        seconds,
        sorted(held),
        len(held),
        statistics.median(probe.latencies) if probe.latencies else float("nan"),
        max(probe.latencies) if probe.latencies else float("nan"),
        probe.failures,
        len(probe.latencies),
        max(pauses, default=0.0),
    )


def batched(
    services: Services, actor: Actor, organisation_id: uuid.UUID, list_id: uuid.UUID, entries: list[EntryIn]
) -> list[Phase]:
    holds = LockHolds(services)
    hotlists = services.anpr.hotlists
    phases = []
    for name in ("import into an empty list", "import over the same list"):
        phases.append(
            measured(name, services, holds, organisation_id, lambda: hotlists.import_entries(actor, list_id, entries))
        )
        hotlists.wait_built(600)
    phases.append(
        measured(
            "compile the matcher",
            services,
            holds,
            organisation_id,
            lambda: hotlists.build_now(organisation_id) or hotlists.mark_stale(),
        )
    )
    return phases


def one_transaction(
    services: Services, actor: Actor, organisation_id: uuid.UUID, list_id: uuid.UUID, entries: list[EntryIn]
) -> list[Phase]:
    holds = LockHolds(services)

    def replace() -> None:
        with services.db.session() as session:
            found = session.get(Hotlist, list_id)
            assert found is not None
            services.anpr.hotlists.replace_entries(session, actor, found, entries)

    return [
        measured(name, services, holds, organisation_id, replace)
        for name in ("import into an empty list", "import over the same list")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    data = hotlist_csv(hotlist(random.Random(args.seed), args.lines, datetime.now(UTC)))
    began = time.perf_counter()
    entries = parse_csv(data)
    print(f"{len(entries):,} lines, {len(data) / 1e6:.0f} MB, parsed in {time.perf_counter() - began:.1f} s")
    results: dict[str, list[Phase]] = {}
    for way, run in (("batches", batched), ("one transaction", one_transaction)):
        with tempfile.TemporaryDirectory(prefix="belfort-hotlist-import-") as root:
            services, actor, organisation_id, list_id = site(Path(root))
            try:
                results[way] = run(services, actor, organisation_id, list_id, entries)
            finally:
                services.close()
    rows = []
    for way, phases in results.items():
        for phase in phases:
            rows.append(
                [
                    way,
                    phase.name,
                    f"{phase.seconds:.1f} s",
                    f"{phase.transactions:,}",
                    " / ".join(f"{percentile(phase.holds, q) * 1000:,.0f}" for q in (0.5, 0.99))
                    + " / "
                    + f"{phase.holds[-1] * 1000:,.0f} ms",
                    f"{phase.probe_p50 * 1000:,.0f} / {phase.probe_max * 1000:,.0f} ms",
                    f"{phase.probe_failures} of {phase.probes}",
                    f"{phase.longest_gc * 1000:,.0f} ms",
                ]
            )
    print(
        markdown(
            [
                "import",
                "phase",
                "time",
                "transactions",
                "write-lock hold p50 / p99 / max",
                "probe write p50 / max",
                "probe failures",
                "longest full GC",
            ],
            rows,
            ":-- :-- --: --: --: --: --: --:",
        )
    )
    for new, old in zip(results["batches"], results["one transaction"], strict=False):
        print(
            f"{new.name}: longest hold {old.holds[-1] / new.holds[-1]:,.0f}x shorter, probe max "
            f"{old.probe_max / new.probe_max:,.0f}x lower, import time {new.seconds / old.seconds:.2f}x the baseline's"
        )


if __name__ == "__main__":
    main()
