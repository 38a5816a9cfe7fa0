"""Watched hotlist files: only regular files inside the hotlist folders are read, and never
beyond the import limit. Paths outside the folders and symlinks leading out are refused when
the list is created and at every reload; a device, a named pipe or a file too large is
refused without being read (the watcher runs in a process of its own with a memory cap and a
time limit, so a watcher that read /dev/zero or waited on a pipe fails the test rather than
the machine); one bad file never keeps a good one from being reloaded."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from belfort.anpr.hotlists import MAX_IMPORT_BYTES, read_limited
from belfort.anpr.models import Hotlist
from belfort.app import Services
from belfort.errors import InvalidInput
from belfort.settings import Settings, SettingsError, load_settings
from tests.anpr.test_hotlists import new_list
from tests.conftest import Population, bearer

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

WATCH_ONCE = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_DATA, (1 << 30, 1 << 30))
from pathlib import Path
from belfort.app import build_services
from belfort.settings import load_settings
data, url, folders = sys.argv[1:]
environ = {"BELFORT_DATABASE__URL": url, "BELFORT_ANPR__HOTLIST_DIRS": folders}
services = build_services(load_settings(data_dir=Path(data), environ=environ), migrate=False)
print(json.dumps(services.anpr.hotlists.reload_watched()))
services.close()
"""


def watch_once(settings: Settings, folders: list[Path], timeout: float = 60) -> list[str]:
    """The watcher's reports of one round, run in a process of its own (at most 1 GB of memory,
    `timeout` seconds)."""
    done = subprocess.run(
        [sys.executable, "-c", WATCH_ONCE, str(settings.data_dir), settings.database_url, ",".join(map(str, folders))],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "BELFORT_CONFIG": ""},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reports: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return reports


def folder_of(services: Services) -> Path:
    return services.settings.data_dir / "hotlists"


def entries_of(services: Services, hotlist_id: uuid.UUID) -> int:
    with services.db.session() as session:
        return session.scalars(select(Hotlist.entries).where(Hotlist.id == hotlist_id)).one()


@SQLITE
def test_creating_a_list_that_watches_outside_the_folders_is_refused(
    client: TestClient, services: Services, population: Population, tmp_path: Path
) -> None:
    supervisor = bearer(client, "supervisor")
    folder = folder_of(services)
    (folder / "escape.csv").symlink_to("/etc/passwd")
    cases = [
        ("/etc/passwd", "watch_path: /etc/passwd is not inside a hotlist folder"),
        (str(folder / "escape.csv"), f"watch_path: {folder}/escape.csv (it leads to /etc/passwd) is not inside"),
        (f"{folder}/../../outside.csv", "is not inside a hotlist folder"),
        (str(folder), "is not inside a hotlist folder"),
        ("stolen.csv", "watch_path: give the absolute path of a CSV file in a hotlist folder"),
    ]
    for path, message in cases:
        answer = client.post("/api/anpr/hotlists", json={"name": "Stolen", "watch_path": path}, headers=supervisor)
        assert answer.status_code == 422, answer.text
        assert message in answer.json()["detail"] and str(folder) in answer.json()["detail"], answer.text
    good = client.post(
        "/api/anpr/hotlists", json={"name": "Stolen", "watch_path": str(folder / "stolen.csv")}, headers=supervisor
    )
    assert good.status_code == 201 and good.json()["watch_problem"] == "", good.text


@SQLITE
def test_a_file_swapped_for_a_symlink_leading_out_is_refused_at_reload(
    client: TestClient, services: Services, population: Population, tmp_path: Path
) -> None:
    watched = folder_of(services) / "stolen.csv"
    watched.write_text("1-ABC-234,stolen\n")
    hotlist_id = new_list(services, watch_path=str(watched))
    assert services.anpr.hotlists.reload_watched() == [f"National: 1 entry reloaded from {watched}"]
    secret = tmp_path / "secret.csv"
    secret.write_text("9-ZZZ-999,wanted\n")
    watched.unlink()
    watched.symlink_to(secret)
    [report] = services.anpr.hotlists.reload_watched()
    assert report.startswith(f"National: not reloaded: watch_path: {watched} (it leads to {secret}) is not inside")
    assert entries_of(services, hotlist_id) == 1, "the list keeps its entries"
    assert services.anpr.hotlists.reload_watched() == [], "a problem is told once"
    listed = client.get("/api/anpr/hotlists", headers=bearer(client, "supervisor")).json()
    assert listed[0]["watch_problem"] == report


@SQLITE
def test_a_device_is_not_read_even_inside_a_hotlist_folder(services: Services, population: Population) -> None:
    hotlist_id = new_list(services, watch_path="/dev/zero")
    assert watch_once(services.settings, [folder_of(services), Path("/dev")]) == [
        "National: not reloaded: watch_path: /dev/zero is a device: watch a regular CSV file"
    ]
    assert entries_of(services, hotlist_id) == 0


def test_reading_an_endless_source_stops_past_the_limit() -> None:
    """What a pipe's writer got rid of is what was read (plus the pipe's own buffer)."""
    limit = 1 << 20
    reading, writing = os.pipe()
    written = 0

    def write_forever() -> None:
        nonlocal written
        with contextlib.suppress(BrokenPipeError), os.fdopen(writing, "wb", buffering=0) as sink:
            while written < 100 * limit:
                written += sink.write(b"\0" * 65536)

    writer = threading.Thread(target=write_forever)
    writer.start()
    try:
        with pytest.raises(InvalidInput, match="larger than 1 MB, the import limit: split it"):
            read_limited(reading, limit)
    finally:
        os.close(reading)
        writer.join(10)
    assert not writer.is_alive() and written <= limit + 1 + (1 << 20), f"{written} bytes were taken from the pipe"


@SQLITE
def test_a_named_pipe_never_holds_the_watcher_and_a_good_file_beside_it_is_reloaded(
    services: Services, population: Population
) -> None:
    folder = folder_of(services)
    os.mkfifo(folder / "pipe.csv")
    (folder / "good.csv").write_text("1-ABC-234,stolen\n2-DEF-345,wanted\n")
    (folder / "large.csv").touch()
    os.truncate(folder / "large.csv", MAX_IMPORT_BYTES + 1)  # sparse: nothing of it is on disk
    pipe = new_list(services, "Pipe", str(folder / "pipe.csv"))
    good = new_list(services, "Good", str(folder / "good.csv"))
    large = new_list(services, "Large", str(folder / "large.csv"))
    missing = new_list(services, "Missing", str(folder / "missing.csv"))
    reports = watch_once(services.settings, [folder], timeout=60)
    assert sorted(reports) == sorted(
        [
            f"Good: 2 entries reloaded from {folder}/good.csv",
            f"Large: not reloaded: {folder}/large.csv: the file is larger than 200 MB, the import limit: split it",
            f"Missing: not reloaded: watch_path: {folder}/missing.csv cannot be opened: No such file or directory",
            f"Pipe: not reloaded: watch_path: {folder}/pipe.csv is a named pipe: watch a regular CSV file",
        ]
    )
    assert [entries_of(services, each) for each in (pipe, good, large, missing)] == [0, 2, 0, 0]


def test_a_file_growing_past_the_limit_while_read_is_refused(tmp_path: Path) -> None:
    grown = tmp_path / "grown.csv"
    grown.write_bytes(b"1ABC234,stolen\n" * 100)
    descriptor = os.open(grown, os.O_RDONLY)
    try:
        assert read_limited(descriptor, 1500) == b"1ABC234,stolen\n" * 100
        os.lseek(descriptor, 0, os.SEEK_SET)
        with pytest.raises(InvalidInput, match="larger than"):
            read_limited(descriptor, 1499)
    finally:
        os.close(descriptor)


@SQLITE
def test_a_watched_list_made_before_the_folders_existed_is_refused(
    services: Services, population: Population, tmp_path: Path
) -> None:
    outside = tmp_path / "old.csv"
    outside.write_text("1-ABC-234,stolen\n")
    hotlist_id = new_list(services, watch_path=str(outside))
    [report] = services.anpr.hotlists.reload_watched()
    assert f"watch_path: {outside} is not inside a hotlist folder ({folder_of(services)})" in report
    assert entries_of(services, hotlist_id) == 0


def test_the_hotlist_folders_setting(tmp_path: Path) -> None:
    given = load_settings(data_dir=tmp_path, environ={"BELFORT_ANPR__HOTLIST_DIRS": "/srv/hotlists, /mnt/lists"})
    assert given.anpr.hotlist_dirs == [Path("/srv/hotlists"), Path("/mnt/lists")]
    with pytest.raises(SettingsError, match=r"anpr.hotlist_dirs.*'lists' is not an absolute path"):
        load_settings(data_dir=tmp_path, environ={"BELFORT_ANPR__HOTLIST_DIRS": "lists"})
