"""Belfort's files are its own user's alone: what it creates has no group or other bits,
and it refuses to start on a data folder, storage folder or database others may open."""

from __future__ import annotations

import os
import stat
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from belfort.app import build_services
from belfort.cli import main
from belfort.datadir import DataNotPrivate
from belfort.policy.model import system_actor
from belfort.settings import Settings, load_settings

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
ENV = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The umask most systems start processes with, as before Belfort sets its own."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def settings_for(data: Path, **environ: str) -> Settings:
    return load_settings(data_dir=data, environ={"BELFORT_DATABASE__URL": "", **environ})


def modes_open_to_others(*roots: Path) -> dict[str, str]:
    found = {}
    for root in roots:
        for path in [root, *root.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if mode & 0o077 and not path.is_symlink():
                found[str(path)] = f"{mode:04o}"
    return found


def test_everything_a_fresh_start_creates_is_private(tmp_path: Path, permissive_umask: None) -> None:
    data, storage = tmp_path / "data", tmp_path / "disk" / "recordings"
    services = build_services(settings_for(data, BELFORT_RECORDING__STORAGE_DIR=str(storage)))
    try:
        services.media.start()
        services.anpr.images.save(uuid.uuid4(), "crop", datetime(2026, 11, 21, tzinfo=UTC), PNG)
        with services.db.session() as session:
            services.accounts.add_organisation(session, system_actor("test"), "PZ Files", "police_zone")
    finally:
        services.close()
    for name in ("belfort.db", "keys", "exports", "anpr"):
        assert (data / name).exists(), name
    assert (storage / "belfort-storage.json").exists()
    assert modes_open_to_others(data, storage) == {}


def test_a_data_folder_others_may_open_is_refused_with_the_command_that_fixes_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    with pytest.raises(DataNotPrivate) as refused:
        build_services(settings_for(data))
    assert f"{data} (mode 0755)" in refused.value.message
    assert f"`chmod -R go-rwx {data}`" in refused.value.message
    subprocess.run(["chmod", "-R", "go-rwx", str(data)], check=True)  # the very command the message gives
    build_services(settings_for(data)).close()


def test_an_open_entry_of_the_data_folder_or_an_open_storage_folder_elsewhere_is_refused(tmp_path: Path) -> None:
    data, storage = tmp_path / "data", tmp_path / "disk"
    build_services(settings_for(data, BELFORT_RECORDING__STORAGE_DIR=str(storage))).close()
    (data / "belfort.db").chmod(0o644)
    storage.chmod(0o750)
    with pytest.raises(DataNotPrivate) as refused:
        build_services(settings_for(data, BELFORT_RECORDING__STORAGE_DIR=str(storage)))
    message = refused.value.message
    assert f"{data / 'belfort.db'} (mode 0644)" in message and f"{storage} (mode 0750)" in message
    assert f"`chmod -R go-rwx {data} {storage}`" in message


def test_an_open_sqlite_database_outside_the_data_folder_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "db" / "site.db"
    database.parent.mkdir()
    database.touch(mode=0o600)
    Path(f"{database}-wal").touch()
    Path(f"{database}-wal").chmod(0o666)
    with pytest.raises(DataNotPrivate) as refused:
        build_services(settings_for(tmp_path / "data", BELFORT_DATABASE__URL=f"sqlite:///{database}"))
    assert f"{database}-wal (mode 0666)" in refused.value.message
    assert str(database) + " (" not in refused.value.message, "the database file itself is private"


def test_only_the_top_level_entries_are_checked_not_every_recording(tmp_path: Path) -> None:
    data = tmp_path / "data"
    build_services(settings_for(data)).close()
    day = data / "recordings" / str(uuid.uuid4()) / "2026-11-21"
    day.mkdir(parents=True)
    (day / "segment.mp4").touch()
    (day / "segment.mp4").chmod(0o644)
    day.chmod(0o755)
    build_services(settings_for(data)).close()


def test_the_command_line_says_so_in_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "keys").mkdir(parents=True)
    data.chmod(0o700)
    (data / "keys").chmod(0o777)
    result = CliRunner().invoke(main, ["user", "list", "--data", str(data)], env=ENV)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert f"chmod -R go-rwx {data}" in result.output and "(mode 0777)" in result.output
