"""Cost of sharing in the camera lists: the queries with 2,000 grants against the same queries
on the same data with no grant at all, in the same run.

A SQLite database at Belfort's schema (migrated by Belfort) in a fresh data folder: 8,000
cameras in 40 organisations (10 police zones, 20 cities, 10 businesses; 200 cameras each,
in 10 areas), 200 hand-picked groups (5 per organisation, 20 to 60 of its cameras each) and
2,000 grants, 70% on one camera and 30% on a group, of random rights; one police zone (the
measured one) receives 600 of them (from every other organisation, live viewing in most),
the rest go between the others. One grant in ten is revoked, one in ten has ended, one in
ten is narrowed to a role. 200,000 plate reads of the last 30 days on 400 of the cameras.
Loaded with SQLAlchemy core inserts, then ANALYZE.

Measured in this process, page cache warm, each query --repeat times (p50 / p95):
(i) the operator's camera tree (`LiveViewing.camera_tree`: the visible-camera condition with
the right `live`, read as the columns the tree shows, then sorting), the visible cameras as
camera objects (`CameraService.visible`, what the other pages list) and the bare ids; (ii) the camera filter of a plate
search that reaches granted reads (the reads of the operator's organisation, or of a camera
whose grant gives `anpr_reads` now) on an exact plate over 30 days, with the plain
organisation filter of a search today as a second baseline. The baseline of each is the same
query after every grant is deleted. The plan SQLite picks for each query is printed.
Run: `.venv/bin/python bench/sharing.py [--repeat N] [--seed S]` (about a minute).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, or_, select, text
from sqlalchemy.orm import Session

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from benchkit import markdown  # noqa: E402

from belfort.anpr.models import PlateRead  # noqa: E402
from belfort.app import build_services  # noqa: E402
from belfort.auth.models import Organisation  # noqa: E402
from belfort.cameras.grants import granted_cameras, padded  # noqa: E402
from belfort.cameras.models import Camera, CameraGroup, CameraGroupMember, Grant  # noqa: E402
from belfort.policy import Actor, ActorKind, OrganisationKind, Right, Role  # noqa: E402
from belfort.settings import load_settings  # noqa: E402
from belfort.timeutil import FrozenClock  # noqa: E402

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ORGANISATIONS = 40
CAMERAS_EACH = 200
GROUPS_EACH = 5
GRANTS = 2000
TO_TARGET = 600
READS = 200_000
PLATE = "1ABC234"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def populate(session: Session, rng: random.Random) -> tuple[list[dict[str, Any]], list[list[uuid.UUID]]]:
    """Organisations, cameras, groups, grants and reads; the organisations and each one's cameras."""
    kinds = ["police_zone"] * 10 + ["city"] * 20 + ["business"] * 10
    organisations = [
        {"id": uuid.uuid4(), "name": f"Org {index:02d}", "kind": kind, "created_at": NOW}
        for index, kind in enumerate(kinds)
    ]
    session.execute(insert(Organisation), organisations)
    cameras: list[list[uuid.UUID]] = []
    rows = []
    for index, organisation in enumerate(organisations):
        ids = [uuid.uuid4() for _ in range(CAMERAS_EACH)]
        cameras.append(ids)
        rows += [
            {
                "id": camera,
                "name": f"Cam {index:02d}-{number:03d}",
                "organisation_id": organisation["id"],
                "kind": "fixed",
                "legal_regime": "police" if organisation["kind"] == "police_zone" else "camera_law",
                "main_url": "rtsp://camera.invalid/stream",
                "sub_url": "",
                "transport": "tcp",
                "street": f"Street {number % 50}",
                "area": f"Area {number % 10}",
                "retention_max_days": 30,
                "retention_min_days": 0,
                "council_consent_ref": "CR-1",
                "enabled": True,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for number, camera in enumerate(ids)
        ]
    session.execute(insert(Camera), rows)
    groups: list[list[uuid.UUID]] = []
    members = []
    for index, organisation in enumerate(organisations):
        ids = [uuid.uuid4() for _ in range(GROUPS_EACH)]
        groups.append(ids)
        session.execute(
            insert(CameraGroup),
            [
                {
                    "id": group,
                    "organisation_id": organisation["id"],
                    "name": f"Group {number}",
                    "rule": "picked",
                    "value": "",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for number, group in enumerate(ids)
            ],
        )
        for group in ids:
            members += [
                {"group_id": group, "camera_id": camera} for camera in rng.sample(cameras[index], rng.randint(20, 60))
            ]
    session.execute(insert(CameraGroupMember), members)
    grants = []
    for number in range(GRANTS):
        grantee = 0 if number < TO_TARGET else rng.randrange(ORGANISATIONS)
        owner = rng.choice([index for index in range(1, ORGANISATIONS) if index != grantee])
        rights = set(rng.sample(list(Right), rng.randint(1, 3)))
        if grantee == 0 and rng.random() < 0.8:
            rights.add(Right.LIVE)
        if rng.random() < 0.3:
            rights.add(Right.ANPR_READS)
        by_group = rng.random() < 0.3
        fate = rng.random()
        grants.append(
            {
                "id": uuid.uuid4(),
                "owner_organisation_id": organisations[owner]["id"],
                "grantee_organisation_id": organisations[grantee]["id"],
                "camera_id": None if by_group else rng.choice(cameras[owner]),
                "group_id": rng.choice(groups[owner]) if by_group else None,
                "rights": padded(right.value for right in rights),
                "purposes": "",
                "valid_from": NOW - timedelta(days=rng.randint(1, 60)),
                "valid_until": NOW - timedelta(days=1) if 0.1 <= fate < 0.2 else NOW + timedelta(days=30),
                "footage_from": None,
                "footage_until": None,
                "reason": "Joint control room",
                "narrow_rights": "",
                "narrow_roles": padded(["inspector"]) if 0.2 <= fate < 0.3 else "",
                "narrow_people": "",
                "narrowed_by": "",
                "created_by": "bench",
                "created_at": NOW - timedelta(days=60),
                "revoked_at": NOW - timedelta(hours=1) if fate < 0.1 else None,
                "revoked_by": "",
                "revoke_reason": "",
            }
        )
    session.execute(insert(Grant), grants)
    with_reads = [camera for ids in cameras for camera in ids[:10]]
    owner_of = {camera: organisations[index]["id"] for index, ids in enumerate(cameras) for camera in ids}
    for batch in range(0, READS, 20_000):
        reads = []
        for number in range(batch, batch + 20_000):
            camera = rng.choice(with_reads)
            plate = PLATE if number % 500 == 0 else f"{rng.randint(1, 9)}{rng.randint(0, 17575):05d}"
            reads.append(
                {
                    "id": uuid.uuid4(),
                    "organisation_id": owner_of[camera],
                    "source": "bench",
                    "client_read_id": str(number),
                    "camera_id": camera,
                    "ts": NOW - timedelta(seconds=rng.randint(0, 30 * 86400)),
                    "plate": plate,
                    "plate_reversed": plate[::-1],
                    "plate_key": plate,
                    "display": plate,
                    "confidence": 0.9,
                    "received_at": NOW,
                }
            )
        session.execute(insert(PlateRead), reads)
    session.commit()
    session.execute(text("ANALYZE"))
    return organisations, cameras


def timed(repeat: int, run: Callable[[], int]) -> tuple[float, float, int]:
    """p50 and p95 in ms of `run`, and what it returned (a count)."""
    run()
    times, found = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        found = run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), percentile(times, 0.95), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            data_dir=Path(folder) / "data",
            environ={"BELFORT_DATABASE__URL": f"sqlite:///{Path(folder) / 'belfort.db'}"},
        )
        services = build_services(settings, clock=FrozenClock(NOW))
        started = time.perf_counter()
        with services.db.session() as session:
            organisations, _ = populate(session, rng)
        print(
            f"loaded in {time.perf_counter() - started:.1f} s: {ORGANISATIONS * CAMERAS_EACH} cameras, "
            f"{ORGANISATIONS * GROUPS_EACH} groups, {GRANTS} grants, {READS} reads"
        )
        target = organisations[0]

        def person(role: Role) -> Actor:
            return Actor(
                ActorKind.USER,
                uuid.uuid4(),
                f"bench-{role.value}",
                role,
                target["id"],
                target["name"],
                OrganisationKind.POLICE_ZONE,
            )

        operator, inspector = person(Role.OPERATOR), person(Role.INSPECTOR)

        def tree() -> int:
            with services.db.session() as session:
                return len(services.live.camera_tree(session, operator))

        def visible() -> int:
            with services.db.session() as session:
                return len(services.cameras.visible(session, operator, right=Right.LIVE))

        def visible_ids() -> int:
            with services.db.session() as session:
                statement = select(Camera.id).where(
                    Camera.removed_at.is_(None),
                    or_(
                        Camera.organisation_id == operator.organisation_id,
                        Camera.id.in_(granted_cameras(operator, NOW, Right.LIVE)),
                    ),
                )
                return len(session.scalars(statement).all())

        with services.db.session() as session:
            shown = [camera.id for camera in services.cameras.visible(session, operator, right=Right.LIVE)]

        def same_cameras() -> int:
            with services.db.session() as session:
                return len(session.scalars(select(Camera).where(Camera.id.in_(shown)).order_by(Camera.name)).all())

        def reads_statement(shared: bool) -> Any:
            if shared:
                reach = or_(
                    PlateRead.organisation_id == inspector.organisation_id,
                    PlateRead.camera_id.in_(granted_cameras(inspector, NOW, Right.ANPR_READS)),
                )
            else:
                reach = PlateRead.organisation_id == inspector.organisation_id
            return (
                select(PlateRead)
                .where(PlateRead.plate == PLATE, PlateRead.ts >= NOW - timedelta(days=30), PlateRead.ts < NOW, reach)
                .order_by(PlateRead.ts.desc(), PlateRead.id.desc())
                .limit(101)
            )

        def search(shared: bool) -> Callable[[], int]:
            def run() -> int:
                with services.db.session() as session:
                    return len(session.scalars(reads_statement(shared)).all())

            return run

        def plans() -> None:
            with services.db.session() as session:
                for label, statement in (
                    (
                        "visible live",
                        select(Camera.id).where(Camera.id.in_(granted_cameras(operator, NOW, Right.LIVE))),
                    ),
                    ("plate search, shared", reads_statement(True)),
                ):
                    compiled = statement.compile(services.db.engine, compile_kwargs={"literal_binds": True})
                    plan = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
                    print(f"plan of {label}:")
                    for row in plan:
                        print(f"    {row[-1]}")

        cases = [
            ("camera tree (live)", tree),
            ("visible cameras (live)", visible),
            ("visible camera ids only (SQL)", visible_ids),
            ("the same cameras loaded by id", same_cameras),
            ("plate search, own + granted reads", search(True)),
            ("plate search, own reads only", search(False)),
        ]
        measured = {label: timed(args.repeat, run) for label, run in cases}
        plans()
        with services.db.session() as session:
            session.execute(delete(Grant))
        baseline = {label: timed(args.repeat, run) for label, run in cases}
        rows = []
        for label, _ in cases:
            p50, p95, found = measured[label]
            base50, base95, base_found = baseline[label]
            rows.append(
                [
                    label,
                    f"{p50:.1f} / {p95:.1f} ms ({found})",
                    f"{base50:.1f} / {base95:.1f} ms ({base_found})",
                    f"{p50 / base50:.2f}x",
                ]
            )
        print(
            markdown(
                ["query", "2,000 grants: p50 / p95 (rows)", "no grants (baseline)", "ratio p50"],
                rows,
                ":-- --: --: --:",
            )
        )
        services.close()


if __name__ == "__main__":
    main()
