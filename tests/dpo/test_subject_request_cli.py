"""`belfort subject-request find` and `export`: the DPO finds a request's footage and writes its
signed package, faces blurred, from the command line; each step passes the gate and is recorded.

The footage is recorded half an hour ago: the command line runs on the real clock, and police
footage older than 30 days would be refused."""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from belfort.app import Services
from belfort.audit.models import AuditRecord
from belfort.cli import main
from belfort.media.models import Segment
from belfort.policy import Action
from belfort.timeutil import FrozenClock
from tests.conftest import POLICE, Population
from tests.dpo.test_subject_requests import record, spec
from tests.support import feeds
from tests.support.recordings import open_recordings, police_camera, record_with_gap, small_clip


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30))


@pytest.fixture
def recorded(
    services: Services, population: Population, tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[Segment]]:
    monkeypatch.setattr(feeds, "START", clock())  # the feeds' fast clock starts half an hour ago, now
    monkeypatch.setattr(feeds, "_T0", time.monotonic())
    camera = police_camera(services)
    storage = open_recordings(services, tmp_path / "recordings")
    segments = [segment for segment, _ in record_with_gap(services, storage, camera, small_clip())]
    clock.now = segments[-1].end_time + timedelta(minutes=5)
    yield segments
    services.media.index.stop()


def cli(services: Services, *args: str) -> tuple[int, str]:
    env = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": services.settings.database.url}
    result = CliRunner().invoke(main, [*args, "--data", str(services.settings.data_dir)], env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_dpo_finds_and_exports_a_requests_footage_from_the_command_line(
    services: Services, recorded: list[Segment], tmp_path: Path
) -> None:
    start, end = recorded[0].start_time, recorded[-1].end_time
    reference = record(services, spec(start - timedelta(minutes=1), end + timedelta(minutes=1)))
    zone = services.settings.zone

    code, found = cli(services, "subject-request", "find", reference, "--org", POLICE)
    assert code == 0, found
    assert found.startswith("Grote Markt: ") and found.count("→") == 2, "two pieces around the camera's pause"
    assert start.astimezone(zone).isoformat(sep=" ", timespec="minutes") in found

    local = {"--from": start.astimezone(zone), "--until": end.astimezone(zone)}
    moments = [part for option, moment in local.items() for part in (option, moment.isoformat(timespec="seconds"))]
    package = tmp_path / "package.zip"
    code, out = cli(
        services, "subject-request", "export", reference, "--user", "dpo", "--camera", "Stadhuis",
        *moments, "--output", str(package),
    )  # fmt: skip
    assert code == 1 and out.startswith("belfort: cameras: 'Stadhuis' is not one of this request's cameras")
    assert len(out.strip().splitlines()) == 1 and not package.exists()
    code, out = cli(
        services, "subject-request", "export", reference, "--user", "dpo", "--camera", "Grote Markt",
        *moments, "--output", str(package),
    )  # fmt: skip
    assert code == 0, out
    assert out.startswith(f"{reference}: package ") and "faces blurred" in out
    with zipfile.ZipFile(package) as archive:
        assert any(name.endswith(".mp4") for name in archive.namelist())

    with services.db.session() as session:
        rows = session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
        by_action = {action: [r for r in rows if r.action == action.value] for action in Action}
    (look,) = by_action[Action.VIEW_SUBJECT_FOOTAGE]
    assert look.outcome == "granted" and look.actor_name.startswith("cli:") and reference in look.justification
    assert look.range_start < recorded[0].start_time < datetime.now(UTC) - timedelta(minutes=20), "today's footage"
    (disclosure,) = by_action[Action.EXPORT_EVIDENCE]
    assert disclosure.outcome == "granted" and json.loads(disclosure.detail)["faces"] == "blurred"
    assert (disclosure.actor_name, disclosure.role) == ("dpo", "dpo")
    assert [r.outcome for r in by_action[Action.DOWNLOAD_EXPORT]] == ["granted"]
