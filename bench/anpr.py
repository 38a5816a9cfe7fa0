"""ANPR cost, one section per part of the pipeline (run all, or pick with --sections).

hotlist: a `HotlistMatcher` built from N entries (default 1,000,000): about 90% exact
plates of realistic European formats (BE, NL, FR, DE, LU, written with their separators as
an import would have them) and 10% wildcard patterns for partly seen plates ("1-ABC-2*",
"*BC-234", "1-?BC-234", "1-?BC-?34", "1-AB*234", and rarely "1-AB*" or "*123").
Measured: build time, memory (RSS of this process before and after the build), then the
time of each `match` over R reads (default 20,000): 5% hit an entry exactly, 5% only
through a wildcard, 5% only through OCR equivalence (one confusable character swapped),
the rest hit nothing. Baseline in the same run, on a subsample: a naive scan (dict lookups
for the exact plates, then every wildcard pattern, precompiled by fnmatch, on the plate and
on its equivalence key); both sides must find the same entries. The maximum includes the
scheduler taking the core away (about 4 ms on this shared machine). Under a minute.

ingest: `belfort serve` as its own process, recording off, on a seeded data folder: a
police zone, a supervisor, a machine token with scope `anpr:ingest`, two ANPR cameras
registered but disabled, and a hotlist of 10,000 entries imported by the supervisor through
`PUT /api/anpr/hotlists/{id}/entries` (the run waits until a listed plate hits, so every
read is matched for real). A client process (its CPU is not the server's) sends batches of
reads as an edge camera does (its own read id, a camera, the country, confidence, 3
candidates; 1 in 1,000 a listed plate) to `POST /api/anpr/reads` as fast as the server
answers, for --seconds after --warmup, over 1 and 2 keep-alive connections: 100 and 500
reads a batch, and 500 with a 15 KB JPEG crop on 1 read in 10. Measured: accepted reads/s,
latency per batch (p50 / p95), server CPU from /proc (% of one core; ms per 1,000 reads),
the rows stored (counted in the database: every read sent is stored once) and a stored
batch sent again (all duplicates, nothing stored). Baseline in the same run: the same rows
inserted into the same schema by one `executemany` and commit per batch in this process
(no HTTP, no validation, no matching). About 3 minutes.

search: a SQLite database at Belfort's schema (migrated by Belfort) with 10,000,000 reads
of one year ending at build time, for one police zone and 20 ANPR cameras (each with its
own token as source and its own running read ids), of 2,000,000 distinct plates (the same
European formats) read with a Pareto skew: about 55% of plates once, 17% twice, 0.5% 100
to 700 times; a plate read 3 times or less is read within one hour. `anpr_plate` holds each
plate with its last read. Loaded with raw sqlite3 `executemany` in transactions of 2.5M
rows (WAL, synchronous off during the load), the five plain indexes dropped during the load
and created after, then ANALYZE. The database is kept in the temp folder for 3 days, keyed
by a version string and its size (`--fresh` builds it again); the first build takes about
10 minutes and 7 GB. Measured in this process through Belfort's own service
(`PlateSearch.search` with an inspector and a judicial purpose with a reference: the
policy gate and its audit record included, each search's session committed), page cache
warm, for the default window (the last 30 days) and a whole year: exact plates (read 100+
times; read once or twice lately), prefix, suffix and infix patterns and fuzzy searches,
--queries of each kind drawn from the data; p50 / p95 / max and the rows returned. The plan
SQLite picks for each kind is printed. Baseline in the same run, on --naive-queries of the
pattern kinds: the plain query (`plate LIKE ?`, window, newest first, a page) without the
index tricks. With --postgres (off by default: about an hour to build and 25 GB of disk the
first time): the same on PostgreSQL 15 with 50,000,000 reads of 10,000,000 plates, loaded by
COPY (constraints and indexes added after, then VACUUM ANALYZE), in a cluster kept in the
temp folder like the SQLite database.

Run: `.venv/bin/python bench/anpr.py [--sections hotlist ingest search] [--entries N]
[--reads R] [--naive-reads K] [--seconds S] [--warmup W] [--queries Q] [--naive-queries K]
[--fresh] [--postgres] [--cache DIR] [--seed S]`. All sections with the database cached:
about 7 minutes.
"""

from __future__ import annotations

import argparse
import base64
import fnmatch
import gc
import http.client
import io
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from PIL import Image
from sqlalchemy import event, select

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from benchkit import ServeProcess, cpu_seconds, machine_busy_seconds, markdown  # noqa: E402
from tests.support.postgres import PostgresCluster, _as_user, _binary  # noqa: E402

from belfort.anpr.matching import CATEGORIES, HotlistEntry, HotlistMatcher  # noqa: E402
from belfort.anpr.plates import PlatePattern, display, equivalence_key, guess_country, normalise  # noqa: E402
from belfort.anpr.search import Mode, SearchQuery  # noqa: E402
from belfort.app import build_services  # noqa: E402
from belfort.auth.models import User  # noqa: E402
from belfort.auth.service import actor_of_user  # noqa: E402
from belfort.cameras.service import CameraSpec  # noqa: E402
from belfort.errors import InvalidInput  # noqa: E402
from belfort.policy import Purpose, PurposeKind  # noqa: E402
from belfort.policy.model import system_actor  # noqa: E402
from belfort.settings import Settings, load_settings  # noqa: E402
from belfort.timeutil import iso_utc  # noqa: E402

DIGITS = string.digits
LETTERS = string.ascii_uppercase
NL_LETTERS = "BDFGHJKLNPRSTVXZ"
FR_LETTERS = "ABCDEFGHJKLMNPQRSTVWXYZ"
DE_DISTRICTS = ["B", "M", "K", "F", "S", "HH", "HB", "KA", "MZ", "AC", "BN", "DO", "FFB", "TOL", "AIC", "NEA"]
CONFUSIONS = ["0ODQ", "1ILT", "2Z", "5S", "6G", "8B"]
ORGANISATION = "PZ Bench"
SUPERVISOR = "bench-supervisor"
INSPECTOR = "bench-inspector"
PASSWORD = "bench-password-0123"  # noqa: S105 - a throwaway account


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def pattern_text(pattern: str) -> str:
    """A pattern as imported, separators dropped: what fnmatch is given."""
    return re.sub(r"[^A-Z0-9*?]", "", pattern.upper())


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- plates as an import has them ------------------------------------------------------------


def pick(rng: random.Random, alphabet: str, count: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


def written_plate(rng: random.Random) -> tuple[str, str]:
    """A plate written as its country writes it, and the country: BE half of the time, then NL, FR, DE, LU."""
    country = rng.random()
    if country < 0.5:
        return f"{rng.choice('12')}-{pick(rng, LETTERS, 3)}-{pick(rng, DIGITS, 3)}", "BE"
    if country < 0.65:
        shape = rng.choice(["DD-LLL-D", "D-LLL-DD", "LL-DDD-L", "L-DDD-LL", "LLL-DD-L", "D-LL-DDD", "DD-LL-LL"])
        plate = "".join(rng.choice(NL_LETTERS) if c == "L" else rng.choice(DIGITS) if c == "D" else c for c in shape)
        return plate, "NL"
    if country < 0.8:
        return f"{pick(rng, FR_LETTERS, 2)}-{pick(rng, DIGITS, 3)}-{pick(rng, FR_LETTERS, 2)}", "FR"
    if country < 0.95:
        return f"{rng.choice(DE_DISTRICTS)} {pick(rng, LETTERS, rng.randint(1, 2))} {rng.randint(1, 9999)}", "DE"
    return f"{pick(rng, LETTERS, 2)} {pick(rng, DIGITS, 4)}", "LU"


def european_plate(rng: random.Random) -> str:
    """A plate written as its country writes it (see `written_plate`)."""
    return written_plate(rng)[0]


def wildcard_pattern(rng: random.Random) -> str:
    """A pattern for a partly seen plate, written as an operator types it.

    Mostly one or two characters unknown ("1-ABC-2*", "*BC-234", "1-?BC-234", "1-AB*234"),
    which is what real lists hold; the short shapes ("1-AB*", "*123") are kept rare, as each
    matches about 1 in 1,000 plates and a list full of them would flag every car.
    """
    plate = european_plate(rng)
    while len(normalise(plate)) < 6:  # a short German plate: too little to leave out
        plate = european_plate(rng)
    shape = rng.choices(["prefix", "suffix", "one", "two", "middle", "short"], [35, 20, 25, 14, 5, 1])[0]
    at = [i for i, c in enumerate(plate) if c.isalnum()]
    if shape == "prefix":
        return plate[: at[-2]] + "*"
    if shape == "suffix":
        return "*" + plate[at[2] :]
    if shape in ("one", "two"):
        for i in rng.sample(at, 1 if shape == "one" else 2):
            plate = plate[:i] + "?" + plate[i + 1 :]
        return plate
    if shape == "middle":
        return plate[: at[3]] + "*" + plate[at[-3] :]
    return plate[: at[3]] + "*" if rng.random() < 0.5 else "*" + plate[at[-3] :]


def hotlist(rng: random.Random, count: int, now: datetime) -> list[HotlistEntry]:
    entries = []
    for n in range(count):
        pattern = wildcard_pattern(rng) if rng.random() < 0.1 else european_plate(rng)
        expires = rng.random()
        valid_until = None if expires < 0.6 else now + timedelta(days=rng.randint(-30, 365))
        entries.append(
            HotlistEntry(
                id=f"e{n}",
                pattern=pattern,
                category=rng.choice(CATEGORIES),
                priority=rng.randint(1, 5),
                valid_until=valid_until,
                list_id=f"list{n % 7}",
            )
        )
    return entries


# -- reads -----------------------------------------------------------------------------------


def filled(rng: random.Random, pattern: str) -> str:
    """A plate the wildcard pattern matches."""
    return "".join(
        pick(rng, LETTERS + DIGITS, rng.randint(0, 2)) if c == "*" else rng.choice(LETTERS) if c == "?" else c
        for c in pattern
    )


def swapped(rng: random.Random, plate: str) -> str | None:
    """`plate` with one confusable character replaced by another of its class, if it has one."""
    spots = [i for i, c in enumerate(plate) if any(c in group for group in CONFUSIONS)]
    if not spots:
        return None
    at = rng.choice(spots)
    group = next(group for group in CONFUSIONS if plate[at] in group)
    return plate[:at] + rng.choice(group.replace(plate[at], "")) + plate[at + 1 :]


def reads(
    rng: random.Random, entries: list[HotlistEntry], matcher: HotlistMatcher, count: int, now: datetime
) -> list[tuple[str, str]]:
    """(kind, plate) reads: 5% exact hits, 5% wildcard-only hits, 5% equivalent-only, the rest unknown."""
    exact = [e for e in entries if "*" not in e.pattern and "?" not in e.pattern]
    wildcards = [e for e in entries if "*" in e.pattern or "?" in e.pattern]
    wanted = {"exact": count // 20, "wildcard": count // 20, "equivalent": count // 20}
    wanted["unknown"] = count - sum(wanted.values())
    makers: dict[str, Callable[[], str | None]] = {
        "exact": lambda: normalise(rng.choice(exact).pattern),
        "wildcard": lambda: filled(rng, pattern_text(rng.choice(wildcards).pattern)),
        "equivalent": lambda: swapped(rng, normalise(rng.choice(exact).pattern)),
        "unknown": lambda: normalise(european_plate(rng)),
    }
    found: list[tuple[str, str]] = []
    for kind, number in wanted.items():
        made = 0
        while made < number:
            plate = makers[kind]()
            if plate is None:
                continue
            modes = {hit.mode for hit in matcher.match(plate, now)}
            best = min(modes, key=["exact", "wildcard", "equivalent"].index) if modes else "unknown"
            if best == kind:
                found.append((kind, plate))
                made += 1
    rng.shuffle(found)
    return found


# -- the naive baseline ----------------------------------------------------------------------


class NaiveScan:
    """Dict lookups for exact plates, then every wildcard pattern (precompiled) in turn."""

    def __init__(self, entries: list[HotlistEntry]) -> None:
        self.exact: dict[str, list[HotlistEntry]] = {}
        self.equivalent: dict[str, list[HotlistEntry]] = {}
        self.wildcards: list[tuple[Callable[[str], object], Callable[[str], object], HotlistEntry]] = []
        for entry in entries:
            text = pattern_text(entry.pattern)
            if "*" in text or "?" in text:
                literal = re.compile(fnmatch.translate(text)).match
                equivalent = re.compile(fnmatch.translate(equivalence_key(text))).match
                self.wildcards.append((literal, equivalent, entry))
            else:
                self.exact.setdefault(text, []).append(entry)
                self.equivalent.setdefault(equivalence_key(text), []).append(entry)

    def match(self, plate: str, at: datetime) -> set[tuple[str, str]]:
        read = normalise(plate)
        key = equivalence_key(read)
        found = {e.id: "exact" for e in self.exact.get(read, []) if e.active_at(at)}
        for e in self.equivalent.get(key, []):
            if e.id not in found and e.active_at(at):
                found[e.id] = "equivalent"
        for literal, equivalent, e in self.wildcards:
            if literal(read):
                if e.active_at(at):
                    found[e.id] = "wildcard"
            elif equivalent(key) and e.active_at(at):
                found[e.id] = "equivalent"
        return set(found.items())


# -- sections --------------------------------------------------------------------------------


def bench_hotlist(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    now = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    started, before = time.perf_counter(), rss_mb()
    entries = hotlist(rng, args.entries, now)
    wildcards = sum("*" in e.pattern or "?" in e.pattern for e in entries)
    print(
        f"hotlist: {len(entries):,} entries ({len(entries) - wildcards:,} exact, {wildcards:,} wildcard),"
        f" generated in {time.perf_counter() - started:.1f} s, {rss_mb() - before:,.0f} MB RSS"
    )

    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    matcher = HotlistMatcher(entries)
    build = time.perf_counter() - started
    gc.collect()
    print(f"  build: {build:.1f} s, memory +{rss_mb() - before:,.0f} MB RSS (besides the entries)")

    sample = reads(rng, entries, matcher, args.reads, now)
    timings: dict[str, list[float]] = {}
    for kind, plate in sample:
        started_ns = time.perf_counter_ns()
        matcher.match(plate, now)
        timings.setdefault(kind, []).append((time.perf_counter_ns() - started_ns) / 1000)
    every = [value for values in timings.values() for value in values]
    print(f"  {len(sample):,} reads, time per read in µs:")
    print(f"    {'reads':<12} {'count':>7} {'p50':>8} {'p99':>8} {'max':>8}")
    for kind in ("exact", "wildcard", "equivalent", "unknown"):
        values = timings[kind]
        print(
            f"    {kind:<12} {len(values):>7,} {statistics.median(values):>8.1f}"
            f" {percentile(values, 0.99):>8.1f} {max(values):>8.1f}"
        )
    p50, p99 = statistics.median(every), percentile(every, 0.99)
    print(f"    {'all':<12} {len(every):>7,} {p50:>8.1f} {p99:>8.1f} {max(every):>8.1f}")

    naive = NaiveScan(entries)
    subsample = rng.sample(sample, min(args.naive_reads, len(sample)))
    naive_times = []
    for _, plate in subsample:
        started_ns = time.perf_counter_ns()
        expected = naive.match(plate, now)
        naive_times.append((time.perf_counter_ns() - started_ns) / 1000)
        got = {(hit.entry.id, hit.mode) for hit in matcher.match(plate, now)}
        if got != expected:
            sys.exit(f"matcher and naive scan disagree on {plate}: {sorted(got ^ expected)}")
    naive_p50 = statistics.median(naive_times)
    print(
        f"  naive scan (dicts + {len(naive.wildcards):,} precompiled fnmatch patterns, twice), {len(subsample)} reads:"
        f" p50 {naive_p50:,.0f} µs; same hits on every read; matcher is {naive_p50 / p50:,.0f}x faster at p50"
    )
    print(f"hotlist matching against {len(entries):,} entries: p99 {p99:.0f} µs per read (target < 1 ms)")


# -- ingest: the server ----------------------------------------------------------------------

INGEST_CAMERAS = ("ANPR E40 Aalter", "ANPR E40 Beernem")
INGEST_HOTLIST = 10_000
CROP_BYTES = 15_000
CROP_EVERY = 10
LISTED_EVERY = 1000
BASELINE_READS = 100_000
READ_COLUMNS = (
    "id",
    "organisation_id",
    "source",
    "client_read_id",
    "unit",
    "camera_id",
    "ts",
    "plate",
    "plate_reversed",
    "plate_key",
    "country",
    "display",
    "confidence",
    "candidates",
    "latitude",
    "longitude",
    "heading",
    "crop_path",
    "overview_path",
    "received_at",
)
"""The columns of `anpr_read`, in the order the rows built here give them."""


@dataclass(frozen=True)
class IngestSite:
    """A seeded data folder: the edge cameras' token, and the ids its reads will carry."""

    data: Path
    token: str
    source: str
    organisation_id: str
    camera_ids: dict[str, str]

    @property
    def database(self) -> Path:
        return self.data / "belfort.db"


def seed_ingest_site(data: Path) -> IngestSite:
    services = build_services(load_settings(data_dir=data, environ={}))
    actor = system_actor("bench")
    try:
        with services.db.session() as session:
            organisation = services.accounts.add_organisation(session, actor, ORGANISATION, "police_zone")
            services.accounts.add_user(
                session, actor, username=SUPERVISOR, role="supervisor", organisation=ORGANISATION, password=PASSWORD
            )
            cameras = {}
            for name in INGEST_CAMERAS:
                spec = CameraSpec(
                    name=name,
                    organisation=ORGANISATION,
                    kind="anpr",
                    main_url="rtsp://camera.invalid/anpr",
                    area="E40",
                    council_consent_ref="bench",
                    enabled=False,
                )
                cameras[name] = services.cameras.add(session, actor, spec).id.hex
            token, secret = services.accounts.create_token(
                session, actor, name="anpr-edge-bench", organisation=ORGANISATION, scopes=["anpr:ingest"]
            )
            site = IngestSite(data, secret, f"token:{token.id}", organisation.id.hex, cameras)
    finally:
        services.close()
    return site


class BelfortServer(ServeProcess):
    """`belfort serve` on a seeded data folder with recording off, writing its log to `log`."""

    def __init__(self, data: Path, log: Path) -> None:
        super().__init__(data, log, recording=False)

    def __enter__(self) -> BelfortServer:
        self.start()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            self.check_running()
            try:
                if self.call("GET", "/api/health")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"belfort serve did not answer within 90 s:\n{self.log_tail()}")

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def call(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            connection.request(method, path, body, headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def call_json(self, method: str, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        status, data = self.call(
            method, path, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
        )
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {data[:500]!r}")
        return json.loads(data)

    def login(self, username: str) -> dict[str, str]:
        answer = self.call_json("POST", "/api/auth/login", {"username": username, "password": PASSWORD})
        return {"Authorization": f"Bearer {answer['token']}"}


def hotlist_csv(entries: list[HotlistEntry]) -> bytes:
    lines = ["plate;category;priority;valid until;note"]
    for entry in entries:
        until = entry.valid_until.strftime("%Y-%m-%d") if entry.valid_until else ""
        lines.append(f"{entry.pattern};{entry.category};{entry.priority};{until};bench entry {entry.id}")
    return "\n".join(lines).encode()


def import_hotlist(server: BelfortServer, site: IngestSite, entries: list[HotlistEntry]) -> tuple[list[str], float]:
    """Import the entries as the supervisor, then wait until a listed plate hits; the always
    valid exact plates (what the reads use to hit), and the seconds it took."""
    began = time.monotonic()
    supervisor = server.login(SUPERVISOR)
    created = server.call_json("POST", "/api/anpr/hotlists", {"name": "National"}, supervisor)
    status, answer = server.call(
        "PUT",
        f"/api/anpr/hotlists/{created['id']}/entries",
        hotlist_csv(entries),
        {**supervisor, "Content-Type": "text/csv"},
    )
    if status != 200 or json.loads(answer)["imported"] != len(entries):
        raise RuntimeError(f"the hotlist import failed: {status} {answer[:500]!r}")
    listed = [normalise(e.pattern) for e in entries if e.valid_until is None and not set("*?") & set(e.pattern)]
    token = {"Authorization": f"Bearer {site.token}"}
    for attempt in range(300):
        probe = {"plate": listed[0], "time": iso_utc(datetime.now(UTC)), "id": f"probe-{attempt}"}
        reads = server.call_json("POST", "/api/anpr/reads", {"reads": [probe]}, token)["reads"]
        if reads[0]["hits"]:
            return listed, time.monotonic() - began
        time.sleep(0.2)
    raise RuntimeError("a listed plate did not hit within 60 s of the import")


def jpeg_crop(size: int = CROP_BYTES) -> bytes:
    """A JPEG plate crop of about `size` bytes (noise: it does not compress away)."""
    noise = np.random.default_rng(7)
    width = 96
    while True:
        pixels = noise.integers(0, 256, (width // 4, width, 3), dtype=np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, "JPEG", quality=80)
        if buffer.tell() >= size:
            return buffer.getvalue()
        width += 4


# -- ingest: the client (its own process) ----------------------------------------------------


class ReadMaker:
    """Reads as an edge ANPR camera sends them: its own read id, a camera, the country, the
    confidence and 3 candidates; 1 in LISTED_EVERY is a listed plate, 1 in `crop_every` has the crop."""

    def __init__(
        self, seed: int, prefix: str, cameras: Sequence[str], listed: Sequence[str], crop: str, crop_every: int
    ) -> None:
        self.rng = random.Random(seed)
        self.prefix = prefix
        self.cameras = cameras
        self.listed = listed
        self.crop = crop
        self.crop_every = crop_every
        self.count = 0

    def read(self) -> dict[str, Any]:
        rng, number = self.rng, self.count
        self.count += 1
        if self.listed and number % LISTED_EVERY == LISTED_EVERY // 2:
            plate, country = rng.choice(self.listed), ""
        else:
            written, country = written_plate(rng)
            plate = normalise(written)
        confidence = round(rng.uniform(0.62, 0.99), 3)
        alternative = swapped(rng, plate) or plate[:-1] or plate
        read: dict[str, Any] = {
            "id": f"{self.prefix}{number:09d}",
            "plate": plate,
            "time": iso_utc(datetime.now(UTC) - timedelta(seconds=rng.uniform(0.1, 2))),
            "camera": rng.choice(self.cameras),
            "country": country,
            "confidence": confidence,
            "candidates": [
                {"plate": plate, "confidence": confidence},
                {"plate": alternative, "confidence": round(confidence * 0.6, 3)},
                {"plate": plate[1:] or plate, "confidence": round(confidence * 0.3, 3)},
            ],
        }
        if self.crop_every and number % self.crop_every == 0:
            read["crop"] = self.crop
        return read

    def batch(self, size: int) -> bytes:
        return json.dumps({"reads": [self.read() for _ in range(size)]}).encode()


def run_ingest_client(config: dict[str, Any]) -> dict[str, Any]:
    """Send batches over `connections` keep-alive connections until told to stop; print
    `start` and `end` around the measured window, then return what was sent and answered."""
    maker = ReadMaker(
        config["seed"], config["prefix"], config["cameras"], config["listed"], config["crop"], config["crop_every"]
    )
    headers = {"Authorization": f"Bearer {config['token']}", "Content-Type": "application/json"}
    lock = threading.Lock()
    answered: list[tuple[float, float, int, int, int]] = []  # began, ended, sent, accepted, duplicates
    errors: list[str] = []
    stop = threading.Event()
    window = {"start": float("inf")}
    kept: list[tuple[bytes, int]] = []

    def send() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", config["port"], timeout=300)
        while not stop.is_set():
            with lock:
                body = maker.batch(config["batch"])
            began = time.perf_counter()
            try:
                connection.request("POST", "/api/anpr/reads", body, headers)
                response = connection.getresponse()
                payload = response.read()
            except OSError as exc:
                errors.append(repr(exc))
                connection.close()
                continue
            ended = time.perf_counter()
            if response.status != 200:
                errors.append(f"{response.status} {payload[:300]!r}")
                continue
            answer = json.loads(payload)
            with lock:
                answered.append((began, ended, config["batch"], answer["accepted"], answer["duplicates"]))
                if began >= window["start"] and not kept:
                    kept.append((body, config["batch"]))
        connection.close()

    threads = [threading.Thread(target=send, daemon=True) for _ in range(config["connections"])]
    for thread in threads:
        thread.start()
    time.sleep(config["warmup"])
    start = time.perf_counter()
    window["start"] = start
    print("start", flush=True)
    client_cpu = sum(os.times()[:2])
    time.sleep(config["seconds"])
    end = time.perf_counter()
    client_cpu = sum(os.times()[:2]) - client_cpu
    print("end", flush=True)
    stop.set()
    for thread in threads:
        thread.join()

    inside = [a for a in answered if start <= a[1] <= end]
    latencies = [(ended - began) * 1000 for began, ended, *_ in inside]
    resends = []
    if kept:
        body, size = kept[0]
        connection = http.client.HTTPConnection("127.0.0.1", config["port"], timeout=300)
        for _ in range(5):
            began = time.perf_counter()
            connection.request("POST", "/api/anpr/reads", body, headers)
            response = connection.getresponse()
            answer = json.loads(response.read())
            resends.append(((time.perf_counter() - began) * 1000, answer["accepted"], answer["duplicates"], size))
        connection.close()
    return {
        "window": end - start,
        "batches": len(inside),
        "reads": sum(a[3] for a in inside),
        "latency_p50": statistics.median(latencies) if latencies else None,
        "latency_p95": percentile(latencies, 0.95) if latencies else None,
        "sent": sum(a[2] for a in answered),
        "accepted": sum(a[3] for a in answered),
        "duplicates": sum(a[4] for a in answered),
        "errors": errors[:5],
        "error_count": len(errors),
        "resend_ms": statistics.median(r[0] for r in resends) if resends else None,
        "resend_accepted": sum(r[1] for r in resends),
        "resend_duplicates": sum(r[2] for r in resends),
        "resend_sent": sum(r[3] for r in resends),
        "client_cpu": client_cpu / (end - start) * 100,
    }


# -- ingest: cases and baseline --------------------------------------------------------------


@dataclass
class IngestCase:
    batch: int
    crops: bool
    connections: int
    prefix: str
    server_cpu: float = 0.0
    """% of one core over the window."""
    machine: float = 0.0
    stored: int = 0
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return float(self.result["reads"]) / float(self.result["window"])


def stored_count(database: Path, source: str, prefix: str) -> int:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        row = db.execute(
            "SELECT count(*) FROM anpr_read WHERE source = ? AND client_read_id >= ? AND client_read_id < ?",
            (source, prefix, prefix + "\x7f"),
        ).fetchone()
    return int(row[0])


def measure_ingest_case(
    server: BelfortServer, site: IngestSite, case: IngestCase, listed: list[str], crop: str, args: argparse.Namespace
) -> None:
    folder = server.log.parent
    config = {
        "port": server.port,
        "token": site.token,
        "batch": case.batch,
        "connections": case.connections,
        "crop": crop if case.crops else "",
        "crop_every": CROP_EVERY if case.crops else 0,
        "warmup": args.warmup,
        "seconds": args.seconds,
        "prefix": case.prefix,
        "seed": args.seed + case.batch + case.connections,
        "cameras": list(INGEST_CAMERAS),
        "listed": listed,
    }
    path = folder / f"client-{case.prefix.rstrip('-')}.json"
    path.write_text(json.dumps(config))
    errors = folder / f"client-{case.prefix.rstrip('-')}.log"
    with errors.open("wb") as stderr:
        client = subprocess.Popen(
            [sys.executable, __file__, "--ingest-client", str(path)], stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    assert client.stdout is not None
    marks: dict[str, tuple[float, float, float]] = {}
    for line in client.stdout:
        if line.strip() in ("start", "end"):
            marks[line.strip()] = (cpu_seconds(server.pid), machine_busy_seconds(), time.monotonic())
        elif line.startswith("result "):
            case.result = json.loads(line.split(" ", 1)[1])
    client.wait(120)
    if not case.result or "start" not in marks or "end" not in marks:
        raise RuntimeError(f"the ingest client failed:\n{errors.read_text(errors='replace')[-4000:]}")
    elapsed = marks["end"][2] - marks["start"][2]
    case.server_cpu = (marks["end"][0] - marks["start"][0]) / elapsed * 100
    case.machine = (marks["end"][1] - marks["start"][1]) / elapsed * 100
    case.stored = stored_count(site.database, site.source, case.prefix)


def stored_row(read: dict[str, Any], site: IngestSite) -> tuple[Any, ...]:
    """The row Belfort stores for `read` (as `ReadService._row` builds it), ready for sqlite3."""
    plate = normalise(read["plate"])
    country = (read["country"] or guess_country(plate) or "").upper()[:2]
    candidates = [[normalise(c["plate"]), round(float(c["confidence"]), 4)] for c in read["candidates"]]
    when = datetime.fromisoformat(read["time"].replace("Z", "+00:00"))
    return (
        uuid.uuid4().hex,
        site.organisation_id,
        site.source,
        read["id"],
        "",
        site.camera_ids[read["camera"]],
        sqlite_time(when),
        plate,
        plate[::-1],
        equivalence_key(plate),
        country,
        display(plate, country or None)[:24],
        float(read["confidence"]),
        json.dumps(candidates),
        None,
        None,
        None,
        "",
        "",
        sqlite_time(datetime.now(UTC)),
    )


def sqlite_time(when: datetime) -> str:
    """A UTC datetime as SQLAlchemy's SQLite DateTime stores it (always with microseconds)."""
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def baseline_inserts(site: IngestSite, batch: int, count: int, seed: int) -> float:
    """Reads/s of one `executemany` and commit per batch of Belfort's rows, in this process."""
    maker = ReadMaker(seed, f"base{batch}-", INGEST_CAMERAS, [], "", 0)
    rows = [stored_row(maker.read(), site) for _ in range(count)]
    insert = f"INSERT INTO anpr_read ({', '.join(READ_COLUMNS)}) VALUES ({', '.join('?' * len(READ_COLUMNS))})"  # noqa: S608
    with closing(sqlite3.connect(site.database, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        began = time.perf_counter()
        for first in range(0, count, batch):
            db.execute("BEGIN IMMEDIATE")
            db.executemany(insert, rows[first : first + batch])
            db.execute("COMMIT")
        elapsed = time.perf_counter() - began
        stored = db.execute(
            "SELECT count(*) FROM anpr_read WHERE client_read_id LIKE ?", (f"base{batch}-%",)
        ).fetchone()
    if stored[0] != count:
        raise RuntimeError(f"the baseline stored {stored[0]} of {count} rows")
    return count / elapsed


def bench_ingest(args: argparse.Namespace) -> None:
    began = time.monotonic()
    rng = random.Random(args.seed)
    entries = hotlist(rng, INGEST_HOTLIST, datetime.now(UTC))
    crop = base64.b64encode(jpeg_crop()).decode()
    shapes = [(size, False) for size in args.batches] + [(max(args.batches), True)]
    cases = [
        IngestCase(size, crops, connections, f"b{size}{'j' if crops else ''}c{connections}-")
        for size, crops in shapes
        for connections in args.connections
    ]
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="belfort-bench-ingest-", dir=args.cache) as tmp:
        folder = Path(tmp)
        site = seed_ingest_site(folder / "belfort")
        with BelfortServer(site.data, folder / "serve.log") as server:
            listed, import_seconds = import_hotlist(server, site, entries)
            print(
                f"ingest: belfort serve (pid {server.pid}), hotlist of {len(entries):,} entries imported and built in"
                f" {import_seconds:.1f} s; window {args.seconds:g} s after {args.warmup:g} s warm-up;"
                f" CPU in % of one core ({os.cpu_count()} cores)",
                flush=True,
            )
            for case in cases:
                measure_ingest_case(server, site, case, listed, crop, args)
                result = case.result
                print(
                    f"  batch {case.batch}{' + crops' if case.crops else ''}, {case.connections} connection(s):"
                    f" {case.rate:,.0f} reads/s, server CPU {case.server_cpu:.0f} %",
                    flush=True,
                )
                if result["error_count"]:
                    problems.append(f"{case.prefix}: {result['error_count']} failed requests, e.g. {result['errors']}")
                if case.stored != result["accepted"] or result["duplicates"] or result["resend_accepted"]:
                    problems.append(
                        f"{case.prefix}: {result['accepted']:,} accepted, {case.stored:,} stored, "
                        f"{result['duplicates']} duplicates in the run, {result['resend_accepted']} accepted on resend"
                    )
            hits = sqlite3.connect(f"file:{site.database}?mode=ro", uri=True)
            with closing(hits):
                hit_count = hits.execute("SELECT count(*) FROM anpr_hit").fetchone()[0]
            problems += [f"server log: {line}" for line in server.problems()[:10]]
        baselines = {}
        base_site = seed_ingest_site(folder / "baseline")
        for size in args.batches:
            baselines[size] = baseline_inserts(base_site, size, BASELINE_READS, args.seed)

    rows = []
    for case in cases:
        result = case.result
        rows.append(
            [
                f"{case.batch}" + (f", crop on 1 in {CROP_EVERY}" if case.crops else ""),
                str(case.connections),
                f"{case.rate:,.0f}",
                f"{result['latency_p50']:.0f} / {result['latency_p95']:.0f}",
                f"{case.server_cpu:.0f}",
                f"{case.server_cpu / 100 * result['window'] / result['reads'] * 1e6:.0f}",
                f"{result['client_cpu']:.0f}",
                f"{case.machine:.0f}",
                f"{case.stored:,} / {result['sent']:,}",
                f"{result['resend_ms']:.0f} ms, {result['resend_duplicates'] // 5} dup.",
            ]
        )
    print()
    print(
        markdown(
            [
                "reads a batch",
                "connections",
                "accepted reads/s",
                "batch latency p50 / p95 ms",
                "server CPU %",
                "server CPU ms per 1,000 reads",
                "client CPU %",
                "machine CPU %",
                "stored / sent",
                "same batch again",
            ],
            rows,
            "--: --: --: --: --: --: --: --: --: --:",
        )
    )
    best = {size: max(c.rate for c in cases if c.batch == size and not c.crops) for size in args.batches}
    print()
    print(
        markdown(
            ["reads a batch", "executemany + commit, in-process (reads/s)", "API, best (reads/s)", "API / executemany"],
            [
                [str(size), f"{baselines[size]:,.0f}", f"{best[size]:,.0f}", f"{best[size] / baselines[size]:.2f}"]
                for size in args.batches
            ],
            "--: --: --: --:",
        )
    )
    print(f"\nhotlist hits stored during the run: {hit_count:,}")
    rate = max(c.rate for c in cases if not c.crops)
    print(f"\nread ingestion through the API into SQLite: {rate:,.0f} reads/s (target ≥ 2,000)")
    print(f"\ningest run time {time.monotonic() - began:.0f} s")
    if problems:
        print("\nproblems:")
        for problem in problems:
            print(f"- {problem}")


# -- search: the year of reads ---------------------------------------------------------------

SEARCH_VERSION = "1"
"""Bump when the built database changes, so cached ones are built again."""
CACHE_DAYS = 3
YEAR = timedelta(days=365)
SEARCH_CAMERAS = 20
SKEW = 1.13
"""Pareto exponent of reads per plate: with at most MAX_READS_PER_PLATE, 5 reads per plate on average."""
MAX_READS_PER_PLATE = 700
VISIT = 3_600_000_000
"""A plate read 3 times or less is read within this many microseconds (one trip)."""
LOAD_BATCH = 50_000
LOAD_TRANSACTION = 2_500_000
PURPOSE = Purpose(
    PurposeKind.JUDICIAL, "Benchmark of plate search over a year of reads", "Prosecutor's decision BENCH/2026/0002"
)
PG_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "4GB",
    "effective_cache_size": "16GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "2GB",
    "max_wal_size": "16GB",
    "checkpoint_timeout": "30min",
}
"""The test cluster's settings (fsync off: it is thrown away), plus memory for a 25 GB database."""


@dataclass
class ReadPlan:
    """Every read of the year as numbers, in time order: which plate, when, which camera."""

    plates: list[str]
    countries: list[str]
    displays: list[str]
    counts: np.ndarray[Any, np.dtype[np.int64]]
    owner: np.ndarray[Any, np.dtype[np.int32]]
    ts: np.ndarray[Any, np.dtype[np.int64]]
    """Microseconds since the epoch, UTC."""
    camera: np.ndarray[Any, np.dtype[np.int8]]
    seq: np.ndarray[Any, np.dtype[np.int64]]
    """The read's number among its camera's reads: its client read id."""


def distinct_plates(rng: random.Random, count: int) -> tuple[list[str], list[str]]:
    found: dict[str, str] = {}
    while len(found) < count:
        written, country = written_plate(rng)
        found.setdefault(normalise(written), country)
    return list(found), list(found.values())


def reads_per_plate(rng: np.random.Generator, plates: int, reads: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """A Pareto-skewed number of reads for each plate (at least 1), `reads` in all."""
    counts = np.minimum(np.floor(rng.random(plates) ** (-1 / SKEW)), MAX_READS_PER_PLATE).astype(np.int64)
    while (excess := int(counts.sum()) - reads) > 0:
        spare = np.flatnonzero(counts > 1)
        counts[rng.choice(spare, size=min(excess, len(spare)), replace=False)] -= 1
    if excess < 0:
        np.add.at(counts, rng.integers(0, plates, -excess), 1)
    return counts


def plan_reads(reads: int, plates: int, end: datetime, seed: int) -> ReadPlan:
    texts, countries = distinct_plates(random.Random(seed), plates)
    displays = [display(plate, country)[:24] for plate, country in zip(texts, countries, strict=True)]
    rng = np.random.default_rng(seed)
    counts = reads_per_plate(rng, plates, reads)
    end_us = int(end.timestamp() * 1e6)
    start_us = end_us - int(YEAR.total_seconds() * 1e6)
    owner = np.repeat(np.arange(plates, dtype=np.int32), counts)
    ts = rng.integers(start_us, end_us, len(owner))
    visitor = counts[owner] <= 3
    trips = rng.integers(start_us, end_us, plates)
    ts[visitor] = np.clip(trips[owner[visitor]] + rng.integers(0, VISIT, int(visitor.sum())), start_us, end_us - 1)
    del visitor, trips
    camera = rng.integers(0, SEARCH_CAMERAS, len(owner), dtype=np.int8)
    order = np.argsort(ts, kind="stable")
    ts, owner, camera = ts[order], owner[order], camera[order]
    del order
    seq = np.empty(len(ts), dtype=np.int64)
    for number in range(SEARCH_CAMERAS):
        where = np.flatnonzero(camera == number)
        seq[where] = np.arange(len(where))
    return ReadPlan(texts, countries, displays, counts, owner, ts, camera, seq)


@dataclass(frozen=True)
class SearchSite:
    """The organisation, its cameras and their tokens, as the rows carry them."""

    organisation_id: str
    camera_ids: list[str]
    sources: list[str]
    codes: list[str]


def seed_search_site(settings: Settings) -> SearchSite:
    """Migrate the database and add the police zone, its inspector, 20 ANPR cameras and their tokens."""
    services = build_services(settings)
    actor = system_actor("bench")
    try:
        with services.db.session() as session:
            organisation = services.accounts.add_organisation(session, actor, ORGANISATION, "police_zone")
            services.accounts.add_user(
                session, actor, username=INSPECTOR, role="inspector", organisation=ORGANISATION, password=PASSWORD
            )
            cameras, sources = [], []
            for number in range(SEARCH_CAMERAS):
                spec = CameraSpec(
                    name=f"ANPR {number:02d}",
                    organisation=ORGANISATION,
                    kind="anpr",
                    main_url=f"rtsp://camera.invalid/anpr{number:02d}",
                    area=f"area {number % 4}",
                    council_consent_ref="bench",
                    enabled=False,
                )
                cameras.append(services.cameras.add(session, actor, spec).id.hex)
                token, _ = services.accounts.create_token(
                    session, actor, name=f"anpr-{number:02d}", organisation=ORGANISATION, scopes=["anpr:ingest"]
                )
                sources.append(f"token:{token.id}")
            site = SearchSite(organisation.id.hex, cameras, sources, [f"CAM{n:02d}" for n in range(SEARCH_CAMERAS)])
    finally:
        services.close()
    return site


def uuid4_hexes(count: int) -> list[str]:
    """`count` random version-4 UUIDs as 32 hex digits, the way SQLAlchemy's Uuid stores them on SQLite."""
    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    return [text[i : i + 32] for i in range(0, 32 * count, 32)]


def time_texts(micros: np.ndarray[Any, np.dtype[np.int64]], suffix: str) -> list[str]:
    """'YYYY-MM-DD HH:MM:SS.ffffff' + suffix: SQLite's stored form ('' suffix) or PostgreSQL's input ('+00')."""
    texts: list[str] = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us").tolist()
    return [f"{text[:10]} {text[11:]}{suffix}" for text in texts]


def read_rows(plan: ReadPlan, site: SearchSite, first: int, last: int, suffix: str) -> list[tuple[Any, ...]]:
    """Rows `first` to `last` of the plan, as Belfort stores them (columns in READ_COLUMNS order)."""
    rng = np.random.default_rng(first)
    ts = plan.ts[first:last]
    when = time_texts(ts, suffix)
    received = time_texts(ts + rng.integers(200_000, 5_000_000, len(ts)), suffix)
    confidences = np.round(0.62 + 0.37 * rng.random(len(ts)), 3).tolist()
    plates, countries, displays = plan.plates, plan.countries, plan.displays
    organisation, cameras, sources, codes = site.organisation_id, site.camera_ids, site.sources, site.codes
    ids = uuid4_hexes(len(ts))
    rows = []
    for index, (owner, camera, seq, confidence) in enumerate(
        zip(
            plan.owner[first:last].tolist(),
            plan.camera[first:last].tolist(),
            plan.seq[first:last].tolist(),
            confidences,
            strict=True,
        )
    ):
        plate = plates[owner]
        key = equivalence_key(plate)
        candidates = (
            f'[["{plate}", {confidence}], ["{key}", {round(confidence * 0.6, 3)}], '
            f'["{plate[1:]}", {round(confidence * 0.3, 3)}]]'
        )
        rows.append(
            (
                ids[index],
                organisation,
                sources[camera],
                f"{codes[camera]}-{seq:09d}",
                "",
                cameras[camera],
                when[index],
                plate,
                plate[::-1],
                key,
                countries[owner],
                displays[owner],
                confidence,
                candidates,
                None,
                None,
                None,
                "",
                "",
                received[index],
            )
        )
    return rows


def last_seen(plan: ReadPlan) -> np.ndarray[Any, np.dtype[np.int64]]:
    latest = np.zeros(len(plan.plates), dtype=np.int64)
    np.maximum.at(latest, plan.owner, plan.ts)
    return latest


def plate_rows(plan: ReadPlan, suffix: str) -> Iterator[list[tuple[str, str, str]]]:
    """(plate, reversed, last seen) of every distinct plate, in plate order, a batch at a time."""
    latest = last_seen(plan)
    order = sorted(range(len(plan.plates)), key=plan.plates.__getitem__)
    for first in range(0, len(order), LOAD_BATCH):
        chosen = order[first : first + LOAD_BATCH]
        times = time_texts(latest[chosen], suffix)
        yield [(plan.plates[i], plan.plates[i][::-1], times[n]) for n, i in enumerate(chosen)]


def query_samples(plan: ReadPlan, end: datetime, seed: int) -> dict[str, Any]:
    """Plates to search for, drawn from the data, and how reads spread over plates."""
    rng = np.random.default_rng(seed + 1)
    latest = last_seen(plan)
    recent = int((end - timedelta(days=CACHE_DAYS + 20)).timestamp() * 1e6)

    def sample(chosen: np.ndarray[Any, np.dtype[np.int64]], count: int) -> list[list[str]]:
        picked = rng.choice(chosen, size=min(count, len(chosen)), replace=False).tolist()
        return [[plan.plates[i], plan.displays[i]] for i in picked]

    counts = plan.counts
    reads = int(counts.sum())
    return {
        "frequent": sample(np.flatnonzero(counts >= 100), 300),
        "rare": sample(np.flatnonzero((counts <= 2) & (latest >= recent)), 300),
        "any": sample(np.arange(len(plan.plates)), 2000),
        "spread": {
            "plates read once": int((counts == 1).sum()),
            "twice": int((counts == 2).sum()),
            "3-9 times": int(((counts >= 3) & (counts < 10)).sum()),
            "10-99 times": int(((counts >= 10) & (counts < 100)).sum()),
            "100+ times": int((counts >= 100).sum()),
            "most reads of one plate": int(counts.max()),
            "share of reads of plates read 100+ times": round(float(counts[counts >= 100].sum()) / reads, 3),
        },
    }


@dataclass
class Built:
    """What a cached database holds and how long it took to build."""

    store: str
    reads: int
    plates: int
    end: datetime
    built_at: datetime
    seconds: dict[str, float]
    size_bytes: int
    samples: dict[str, Any]
    version: str = SEARCH_VERSION

    def save(self, path: Path) -> None:
        fields = {**vars(self), "end": iso_utc(self.end), "built_at": iso_utc(self.built_at)}
        path.write_text(json.dumps(fields))

    @classmethod
    def load(cls, path: Path) -> Built | None:
        if not path.is_file():
            return None
        raw = json.loads(path.read_text())
        raw["end"], raw["built_at"] = datetime.fromisoformat(raw["end"]), datetime.fromisoformat(raw["built_at"])
        return cls(**raw)

    def usable(self, reads: int, plates: int) -> bool:
        fresh_enough = datetime.now(UTC) - self.built_at < timedelta(days=CACHE_DAYS)
        return self.version == SEARCH_VERSION and (self.reads, self.plates) == (reads, plates) and fresh_enough

    def describe(self, cached: bool) -> str:
        steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in self.seconds.items())
        how = f"cached, built {self.built_at:%Y-%m-%d %H:%M} UTC" if cached else "built now"
        return (
            f"{self.store}: {self.reads:,} reads of {self.plates:,} plates from {self.end - YEAR:%Y-%m-%d} to "
            f"{self.end:%Y-%m-%d %H:%M} UTC, {self.size_bytes / 1e9:.1f} GB ({how}: {steps})"
        )


def progress(label: str, done: int, total: int, began: float) -> None:
    print(f"  {label}: {done:,} of {total:,} in {time.monotonic() - began:.0f} s", flush=True)


def build_sqlite(folder: Path, reads: int, plates: int, seed: int) -> Built:
    began = time.monotonic()
    seconds: dict[str, float] = {}
    end = datetime.now(UTC).replace(microsecond=0)
    settings = load_settings(data_dir=folder / "belfort", environ={})
    site = seed_search_site(settings)
    plan = plan_reads(reads, plates, end, seed)
    samples = query_samples(plan, end, seed)
    seconds["generation"] = time.monotonic() - began
    print(f"  planned {reads:,} reads of {plates:,} plates in {seconds['generation']:.0f} s", flush=True)
    path = settings.data_dir / "belfort.db"
    insert = f"INSERT INTO anpr_read ({', '.join(READ_COLUMNS)}) VALUES ({', '.join('?' * len(READ_COLUMNS))})"  # noqa: S608
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-3000000", "temp_store=MEMORY", "threads=2"):
            db.execute(f"PRAGMA {pragma}")
        indexes = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'anpr_read' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            db.execute(f'DROP INDEX "{name}"')
        step = time.monotonic()
        for first in range(0, reads, LOAD_TRANSACTION):
            db.execute("BEGIN")
            for chunk in range(first, min(first + LOAD_TRANSACTION, reads), LOAD_BATCH):
                db.executemany(insert, read_rows(plan, site, chunk, min(chunk + LOAD_BATCH, reads), ""))
            db.execute("COMMIT")
            progress("reads loaded", min(first + LOAD_TRANSACTION, reads), reads, step)
        db.execute("BEGIN")
        for batch in plate_rows(plan, ""):
            db.executemany("INSERT INTO anpr_plate (plate, plate_reversed, last_seen) VALUES (?, ?, ?)", batch)
        db.execute("COMMIT")
        seconds["load"] = time.monotonic() - step
        del plan
        gc.collect()
        step = time.monotonic()
        for name, sql in indexes:
            db.execute(sql)
            print(f"  index {name} in {time.monotonic() - step:.0f} s", flush=True)
        seconds["indexes"] = time.monotonic() - step
        step = time.monotonic()
        db.execute("ANALYZE")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        seconds["ANALYZE"] = time.monotonic() - step
    seconds["total"] = time.monotonic() - began
    return Built("SQLite", reads, plates, end, datetime.now(UTC), seconds, path.stat().st_size, samples)


def cached_sqlite(cache: Path, reads: int, plates: int, seed: int, fresh: bool) -> tuple[Built, Path, bool]:
    folder = cache / f"belfort-bench-anpr-v{SEARCH_VERSION}-{reads}"
    marker = folder / "built.json"
    built = Built.load(marker)
    if not fresh and built is not None and built.usable(reads, plates):
        return built, folder / "belfort", True
    if folder.exists():
        print(f"removing the old database folder {folder}", flush=True)
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    print(f"building {reads:,} reads in SQLite under {folder}", flush=True)
    built = build_sqlite(folder, reads, plates, seed)
    built.save(marker)
    return built, folder / "belfort", False


# -- search: PostgreSQL ----------------------------------------------------------------------


class KeptCluster(PostgresCluster):
    """The tests' PostgreSQL cluster, in a folder kept between runs and given memory for a
    large database (PG_SETTINGS); started and stopped with pg_ctl."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = root
        self.data = root / "data"
        self.log = root / "initdb.log"

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not (self.data / "PG_VERSION").exists():
            super().start()
            assert self.process is not None
            self.process.terminate()
            self.process.wait(60)
            self.process = None
        options = " ".join(f"-c {name}={value}" for name, value in PG_SETTINGS.items())
        self._pg_ctl("-l", str(self.root / "server.log"), "-o", f"-p {self.port} -k {self.root} {options}", "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def _pg_ctl(self, *arguments: str) -> None:
        command = [*_as_user(), _binary("pg_ctl"), "-D", str(self.data), "-w", "-t", "300", *arguments]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl {arguments[-1]} failed: {result.stderr.strip() or result.stdout.strip()}")


PG_DATABASE = "belfort_bench"


def build_postgres(cluster: KeptCluster, folder: Path, reads: int, plates: int, seed: int) -> Built:
    began = time.monotonic()
    seconds: dict[str, float] = {}
    end = datetime.now(UTC).replace(microsecond=0)
    with psycopg.connect(cluster.admin_dsn(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}"')
    url = cluster.create_database(PG_DATABASE)
    site = seed_search_site(pg_settings(folder, url))
    plan = plan_reads(reads, plates, end, seed)
    samples = query_samples(plan, end, seed)
    seconds["generation"] = time.monotonic() - began
    print(f"  planned {reads:,} reads of {plates:,} plates in {seconds['generation']:.0f} s", flush=True)
    with psycopg.connect(cluster.admin_dsn(PG_DATABASE)) as db:
        constraints = db.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'anpr_read'::regclass ORDER BY contype DESC"
        ).fetchall()
        indexes = db.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'anpr_read' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'anpr_read'::regclass)"
        ).fetchall()
        for name, _ in indexes:
            db.execute(f'DROP INDEX "{name}"')
        for name, _, _ in sorted(constraints, key=lambda c: c[1] != "f"):
            db.execute(f'ALTER TABLE anpr_read DROP CONSTRAINT "{name}"')
        db.execute("TRUNCATE anpr_read")
        step = time.monotonic()
        with db.cursor().copy(f"COPY anpr_read ({', '.join(READ_COLUMNS)}) FROM STDIN (FREEZE)") as copy:
            for first in range(0, reads, LOAD_BATCH):
                for row in read_rows(plan, site, first, min(first + LOAD_BATCH, reads), "+00"):
                    copy.write_row(row)
                if (first + LOAD_BATCH) % LOAD_TRANSACTION == 0:
                    progress("reads copied", first + LOAD_BATCH, reads, step)
        with db.cursor().copy("COPY anpr_plate (plate, plate_reversed, last_seen) FROM STDIN") as copy:
            for batch in plate_rows(plan, "+00"):
                for row in batch:
                    copy.write_row(row)
        db.commit()
        seconds["load"] = time.monotonic() - step
        del plan
        gc.collect()
        step = time.monotonic()
        db.execute("SET maintenance_work_mem = '2GB'")
        db.execute("SET max_parallel_maintenance_workers = 2")
        for name, kind, definition in sorted(constraints, key=lambda c: c[1] == "f"):
            db.execute(f'ALTER TABLE anpr_read ADD CONSTRAINT "{name}" {definition}')
            db.commit()
            print(f"  constraint {name} ({kind}) in {time.monotonic() - step:.0f} s", flush=True)
        for name, definition in indexes:
            db.execute(definition)
            db.commit()
            print(f"  index {name} in {time.monotonic() - step:.0f} s", flush=True)
        seconds["indexes"] = time.monotonic() - step
    step = time.monotonic()
    with psycopg.connect(cluster.admin_dsn(PG_DATABASE), autocommit=True) as db:
        db.execute("VACUUM (ANALYZE) anpr_read")
        db.execute("VACUUM (ANALYZE) anpr_plate")
        size = db.execute("SELECT pg_database_size(current_database())").fetchone()
    seconds["VACUUM ANALYZE"] = time.monotonic() - step
    seconds["total"] = time.monotonic() - began
    assert size is not None
    return Built("PostgreSQL", reads, plates, end, datetime.now(UTC), seconds, int(size[0]), samples)


def pg_settings(folder: Path, url: str) -> Settings:
    return load_settings(data_dir=folder / "belfort", environ={"BELFORT_DATABASE__URL": url})


def cached_postgres(
    cache: Path, reads: int, plates: int, seed: int, fresh: bool
) -> tuple[Built, KeptCluster, Settings, bool]:
    """The started cluster holding the reads (the caller stops it), built unless a usable one is kept."""
    folder = cache / f"belfort-bench-anpr-pg-v{SEARCH_VERSION}-{reads}"
    marker = folder / "built.json"
    built = Built.load(marker)
    cached = not fresh and built is not None and built.usable(reads, plates)
    if not cached and folder.exists():
        print(f"removing the old cluster folder {folder}", flush=True)
        shutil.rmtree(folder)
    cluster = KeptCluster(folder / "cluster")
    cluster.start()
    try:
        if not cached:
            print(f"building {reads:,} reads in PostgreSQL under {folder}", flush=True)
            built = build_postgres(cluster, folder, reads, plates, seed)
            built.save(marker)
    except BaseException:
        cluster.stop()
        raise
    assert built is not None
    return built, cluster, pg_settings(folder, cluster.url(PG_DATABASE)), cached


# -- search: the queries ---------------------------------------------------------------------

KINDS = (
    "exact, plate read 100+ times",
    "exact, plate read once or twice",
    "prefix 1-AB*",
    "suffix *234",
    "suffix *23?",
    "infix ?AB?23?",
    "infix *BC2*",
    "fuzzy (OCR-equivalent + one edit)",
)
PATTERN_KINDS = KINDS[2:7]
PARTIAL_AND_FUZZY = KINDS[2:]


def written_cut(written: str, keep: int, from_end: bool = False) -> str:
    """The written plate cut after its first (or before its last) `keep` letters and digits."""
    at = [i for i, char in enumerate(written) if char.isalnum()]
    if from_end:
        return written[at[-keep] :]
    return written[: at[keep - 1] + 1]


def search_queries(samples: dict[str, Any], count: int, seed: int) -> dict[str, list[tuple[str, Mode]]]:
    """(query text, mode) of each kind, as an operator types them, from plates in the data."""
    rng = random.Random(seed)
    plates: list[list[str]] = samples["any"]
    long_enough = [(plate, written) for plate, written in plates if len(plate) >= 6]
    sevens = [plate for plate, _ in plates if len(plate) == 7]
    found: dict[str, list[tuple[str, Mode]]] = {
        KINDS[0]: [(written, "auto") for _, written in rng.sample(samples["frequent"], count)],
        KINDS[1]: [(written, "auto") for _, written in rng.sample(samples["rare"], count)],
        KINDS[2]: [(written_cut(written, 3) + "*", "auto") for _, written in rng.sample(long_enough, count)],
        KINDS[3]: [("*" + written_cut(written, 3, True), "auto") for _, written in rng.sample(long_enough, count)],
        KINDS[4]: [("*" + plate[-3:-1] + "?", "auto") for plate, _ in rng.sample(long_enough, count)],
        KINDS[5]: [(f"?{p[1:3]}?{p[4:6]}?", "auto") for p in rng.sample(sevens, count)],
        KINDS[6]: [(f"*{plate[2:5]}*", "auto") for plate, _ in rng.sample(long_enough, count)],
        KINDS[7]: [(written, "fuzzy") for _, written in rng.sample(plates, count)],
    }
    return found


@dataclass
class KindFigures:
    store: str
    kind: str
    window: str
    example: str
    times: list[float] = field(default_factory=list)
    """Milliseconds, the first time each query is asked."""
    again: list[float] = field(default_factory=list)
    """Milliseconds, each query asked again at once (what is left is software, not disk)."""
    returned: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    plan: str = ""
    parts: dict[str, list[float]] = field(default_factory=dict)
    """Milliseconds in each part's statements (PARTS, run alone after the query was asked again),
    and the rest of the query asked again, per query."""
    naive: list[float] = field(default_factory=list)
    naive_plan: str = ""


PARTS = ("distinct plates", "count", "reads")
"""The statements of a search, by what they read: `anpr_plate`; the count of a pattern's matches; the page."""


class StatementLog:
    """The statements of one search on `anpr_plate` and `anpr_read`, to time each part again
    alone (SQLite steps through a result as it is fetched, after the engine's events) and to
    explain the page query."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.statements: list[tuple[str, str, Any]] = []
        event.listen(engine, "before_cursor_execute", self.before)

    @staticmethod
    def part(statement: str) -> str:
        if "FROM anpr_plate" in statement:
            return PARTS[0]
        if "FROM anpr_read" in statement:
            return PARTS[1] if "count(*)" in statement else PARTS[2]
        return "other"

    def before(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        part = self.part(statement)
        if part in PARTS:
            self.statements.append((part, statement, parameters))

    @property
    def page_query(self) -> tuple[str, Any]:
        return next((s, p) for part, s, p in reversed(self.statements) if part == PARTS[2])

    def timed_again(self) -> dict[str, float]:
        """Milliseconds of each part's statements, run again alone with all rows fetched."""
        spent = dict.fromkeys(PARTS, 0.0)
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            for part, statement, parameters in self.statements:
                began = time.perf_counter()
                cursor.execute(statement, parameters)
                cursor.fetchall()
                spent[part] += (time.perf_counter() - began) * 1000
        finally:
            connection.close()
        return spent


def explain(engine: Any, statement: str, parameters: Any, analyze: bool = True) -> str:
    """SQLite's query plan, or PostgreSQL's (run, with its timings, unless `analyze` is off)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return "; ".join(str(row[3]) for row in cursor.fetchall())
        cursor.execute(("EXPLAIN ANALYZE " if analyze else "EXPLAIN ") + statement, parameters)
        return pg_plan_nodes([str(row[0]) for row in cursor.fetchall()])
    finally:
        connection.close()


def pg_plan_nodes(lines: list[str]) -> str:
    """PostgreSQL's plan as its nodes, each with its time and rows when run, and the execution time."""
    nodes = []
    for line in lines:
        text = line.strip().removeprefix("->").strip()
        if "(cost=" in text:
            actual = re.search(r"actual time=[\d.]+\.\.([\d.]+) rows=(\d+)", text)
            nodes.append(text.split("  (cost=")[0] + (f" ({actual[1]} ms, {actual[2]} rows)" if actual else ""))
        elif text.startswith("Execution Time"):
            nodes.append(text)
    return "; ".join(nodes)


def naive_search(engine: Any, organisation_id: str, text: str, start: datetime, end: datetime) -> tuple[float, str]:
    """The plain query for a pattern: LIKE over the window, newest first, one page. Milliseconds and plan."""
    like = PlatePattern.parse(text).like
    if engine.dialect.name == "sqlite":
        statement = (
            "SELECT * FROM anpr_read WHERE organisation_id = ? AND ts >= ? AND ts < ? AND plate LIKE ? "
            "ORDER BY ts DESC, id DESC LIMIT 51"
        )
        parameters: tuple[Any, ...] = (organisation_id, sqlite_time(start), sqlite_time(end), like)
    else:
        statement = (
            "SELECT * FROM anpr_read WHERE organisation_id = %s AND ts >= %s AND ts < %s AND plate LIKE %s "
            "ORDER BY ts DESC, id DESC LIMIT 51"
        )
        parameters = (uuid.UUID(organisation_id), start, end, like)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        began = time.perf_counter()
        cursor.execute(statement, parameters)
        cursor.fetchall()
        elapsed = (time.perf_counter() - began) * 1000
    finally:
        connection.close()
    return elapsed, explain(engine, statement, parameters, analyze=False)


def warm_files(paths: Sequence[Path]) -> tuple[int, float]:
    """Read the files once so the page cache holds them; bytes read and seconds."""
    began, total = time.monotonic(), 0
    buffer = bytearray(8 << 20)
    for path in paths:
        with path.open("rb", buffering=0) as handle:
            while count := handle.readinto(buffer):
                total += count
    return total, time.monotonic() - began


def measure_searches(settings: Settings, built: Built, args: argparse.Namespace) -> list[KindFigures]:
    services = build_services(settings)
    log = StatementLog(services.db.engine)
    figures: list[KindFigures] = []
    try:
        with services.db.session() as session:
            user = session.scalars(select(User).where(User.username == INSPECTOR)).one()
            actor = actor_of_user(user)
        organisation_id = actor.organisation_id.hex if actor.organisation_id else ""
        queries = search_queries(built.samples, args.queries, args.seed)

        def timed(query: SearchQuery) -> tuple[float, int]:
            began = time.perf_counter()
            with services.db.session() as session:
                page = services.anpr.search.search(session, actor, query, PURPOSE)
            return (time.perf_counter() - began) * 1000, len(page.results)

        for window in ("last 30 days", "last 365 days"):
            for kind in KINDS:
                kind_figures = KindFigures(built.store, kind, window, queries[kind][0][0])
                for number, (text, mode) in enumerate(queries[kind]):
                    now = datetime.now(UTC)
                    start = now - YEAR + timedelta(minutes=1) if window == "last 365 days" else None
                    query = SearchQuery(text, mode, start=start)
                    try:
                        elapsed, returned = timed(query)
                    except InvalidInput as exc:
                        kind_figures.refused.append(f"{text}: {exc.message}")
                        continue
                    log.statements.clear()
                    again, _ = timed(query)
                    kind_figures.times.append(elapsed)
                    kind_figures.again.append(again)
                    kind_figures.returned.append(returned)
                    parts = log.timed_again()
                    parts["rest"] = again - sum(parts.values())
                    for part, spent in parts.items():
                        kind_figures.parts.setdefault(part, []).append(spent)
                    if number == 0:
                        kind_figures.plan = explain(services.db.engine, *log.page_query)
                if kind in PATTERN_KINDS and (window == "last 30 days" or built.store == "SQLite"):
                    runs = args.naive_queries if window == "last 30 days" else 1
                    end = datetime.now(UTC) + timedelta(minutes=5)
                    start = end - (YEAR if window == "last 365 days" else timedelta(days=30))
                    for text, _ in queries[kind][:runs]:
                        elapsed, plan = naive_search(services.db.engine, organisation_id, text, start, end)
                        kind_figures.naive.append(elapsed)
                        kind_figures.naive_plan = plan
                figures.append(kind_figures)
                print(f"  {built.store}, {window}, {kind}: {summary(kind_figures.times)} ms", flush=True)
    finally:
        services.close()
    return figures


def summary(times: list[float]) -> str:
    if not times:
        return "-"
    return f"{statistics.median(times):.0f} / {percentile(times, 0.95):.0f} / {max(times):.0f}"


def ratio(slow: float | None, fast: float | None) -> str:
    if slow is None or not fast:
        return "-"
    return f"{slow / fast:.1f}x" if slow / fast < 10 else f"{slow / fast:,.0f}x"


def search_table(figures: list[KindFigures]) -> str:
    rows = []
    for each in figures:
        naive = statistics.median(each.naive) if each.naive else None
        p50 = statistics.median(each.times) if each.times else None
        returned = (
            f"{statistics.mean(each.returned):.0f}; {sum(1 for r in each.returned if r == 0)} empty"
            if each.returned
            else "-"
        )
        parts = [statistics.median(each.parts[part]) if each.parts else 0.0 for part in (*PARTS, "rest")]
        rows.append(
            [
                each.store,
                each.window,
                each.kind,
                f"`{each.example}`",
                str(len(each.times)) + (f" (+{len(each.refused)} refused)" if each.refused else ""),
                summary(each.times),
                summary(each.again),
                " / ".join(f"{value:.0f}" for value in parts),
                returned,
                f"{naive:,.0f} ({len(each.naive)})" if naive is not None else "-",
                ratio(naive, p50),
            ]
        )
    return markdown(
        [
            "store",
            "window",
            "query",
            "example",
            "queries",
            "p50 / p95 / max ms",
            "asked again: p50 / p95 / max ms",
            "again, p50 ms in: distinct plates / count / page query / rest (policy, audit, ORM, commit)",
            "rows returned (mean; empty)",
            "plain query p50 ms (n)",
            "plain / Belfort p50",
        ],
        rows,
        "--- --- --- --- --: --: --: --: --: --: --:",
    )


def print_plans(figures: list[KindFigures]) -> None:
    print("\nplans (first query of each kind):")
    for each in figures:
        print(f"- {each.store}, {each.window}, {each.kind} `{each.example}`: {each.plan}")
        if each.naive_plan:
            print(f"  plain query: {each.naive_plan}")
        for refusal in each.refused[:2]:
            print(f"  refused: {refusal}")


def acceptance(figures: list[KindFigures], store: str) -> float:
    return max(
        (percentile(f.times, 0.95) for f in figures if f.store == store and f.kind in PARTIAL_AND_FUZZY and f.times),
        default=float("nan"),
    )


def bench_search(args: argparse.Namespace) -> None:
    began = time.monotonic()
    built, data, cached = cached_sqlite(args.cache, args.search_reads, args.search_reads // 5, args.seed, args.fresh)
    print(built.describe(cached), flush=True)
    print(f"  reads per plate: {built.samples['spread']}", flush=True)
    database = data / "belfort.db"
    warmed, seconds = warm_files([database])
    print(f"  page cache warmed: {warmed / 1e9:.1f} GB read in {seconds:.0f} s", flush=True)
    settings = load_settings(data_dir=data, environ={})
    figures = measure_searches(settings, built, args)
    described = [built.describe(cached)]
    if args.postgres:
        pg_built, cluster, pg_conf, pg_cached = cached_postgres(
            args.cache, args.pg_reads, args.pg_reads // 5, args.seed, args.fresh
        )
        try:
            print(pg_built.describe(pg_cached), flush=True)
            print(f"  reads per plate: {pg_built.samples['spread']}", flush=True)
            warmed, seconds = warm_files([p for p in (cluster.data / "base").rglob("*") if p.is_file()])
            print(f"  page cache warmed: {warmed / 1e9:.1f} GB read in {seconds:.0f} s", flush=True)
            figures += measure_searches(pg_conf, pg_built, args)
            described.append(pg_built.describe(pg_cached))
        finally:
            cluster.stop()
    print()
    for line in described:
        print(line)
    print()
    print(search_table(figures))
    print_plans(figures)
    print(
        f"\npartial and fuzzy plate search over {built.reads:,} reads in SQLite: "
        f"p95 {acceptance(figures, 'SQLite'):.0f} ms (target < 500 ms)"
    )
    if args.postgres:
        print(
            f"partial and fuzzy plate search over {args.pg_reads:,} reads in PostgreSQL: "
            f"p95 {acceptance(figures, 'PostgreSQL'):.0f} ms"
        )
    print(f"\nsearch run time {time.monotonic() - began:.0f} s")


SECTIONS: dict[str, Callable[[argparse.Namespace], None]] = {
    "hotlist": bench_hotlist,
    "ingest": bench_ingest,
    "search": bench_search,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", nargs="*", choices=list(SECTIONS), default=list(SECTIONS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()), help="where databases are kept and servers run"
    )
    matching = parser.add_argument_group("hotlist")
    matching.add_argument("--entries", type=int, default=1_000_000, help="hotlist entries")
    matching.add_argument("--reads", type=int, default=20_000, help="reads timed against the hotlist")
    matching.add_argument("--naive-reads", type=int, default=40, help="reads also run through the naive scan")
    ingest = parser.add_argument_group("ingest")
    ingest.add_argument("--seconds", type=float, default=20.0, help="measured window of each case")
    ingest.add_argument("--warmup", type=float, default=3.0, help="sending before the window")
    ingest.add_argument("--batches", type=int, nargs="+", default=[100, 500], help="reads a batch")
    ingest.add_argument("--connections", type=int, nargs="+", default=[1, 2], help="concurrent connections")
    ingest.add_argument("--ingest-client", help=argparse.SUPPRESS)
    search = parser.add_argument_group("search")
    search.add_argument("--search-reads", type=int, default=10_000_000, help="reads in SQLite (plates: a fifth)")
    search.add_argument("--queries", type=int, default=25, help="queries of each kind and window")
    search.add_argument("--naive-queries", type=int, default=3, help="of each pattern kind, also as the plain query")
    search.add_argument("--fresh", action="store_true", help="build the databases again even if recent ones are kept")
    search.add_argument("--postgres", action="store_true", help="also search PostgreSQL (long to build, 25 GB)")
    search.add_argument("--pg-reads", type=int, default=50_000_000, help="reads in PostgreSQL (plates: a fifth)")
    args = parser.parse_args()
    if args.ingest_client:
        config = json.loads(Path(args.ingest_client).read_text())
        print("result " + json.dumps(run_ingest_client(config)), flush=True)
        return
    for name in args.sections:
        SECTIONS[name](args)


if __name__ == "__main__":
    main()
