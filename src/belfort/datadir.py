"""The data and storage folders hold what only Belfort's own user may read: the database
(camera credentials, password hashes, the audit log), the keys, recordings, exports and
plate pictures.

So the process umask is 0o077 (files 0600, folders 0700), the folders Belfort needs are
created 0700, and start-up refuses a data folder, storage folder or SQLite database (with
its -wal and -shm files) that group or others may open, naming the command that fixes
it. Only those and the entries directly inside the two folders are checked, never every
recording; a folder that is private keeps what lies deeper private. This module never
changes the mode of anything that exists: fixing is the administrator's call.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path

from belfort.db.engine import sqlite_file
from belfort.errors import BelfortError
from belfort.settings import Settings

PRIVATE_UMASK = 0o077
OPEN_TO_OTHERS = 0o077
"""Any permission for the group or others: read, write, or entering a folder."""
SHOWN = 3
"""Open entries named in the refusal; the command fixes them all."""


class DataNotPrivate(BelfortError):
    """Other users may open Belfort's data: start-up stops until it is made private."""


def make_files_private() -> None:
    """From now on, this process creates files 0600 and folders 0700."""
    os.umask(PRIVATE_UMASK)


def private_folders(settings: Settings) -> list[Path]:
    """The folders Belfort writes into: data, keys, exports, plate pictures, recordings."""
    data = settings.data_dir
    return [data, data / "keys", data / "exports", data / "anpr", settings.storage_dir]


def _mode(path: Path) -> int | None:
    """Permission bits of `path` itself (a symbolic link is not followed), None if absent."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    return None if stat.S_ISLNK(info.st_mode) else stat.S_IMODE(info.st_mode)


def _open_entries(folder: Path) -> list[tuple[Path, int]]:
    """The folder (followed if a link) and the entries directly inside it that others may open."""
    found = []
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & OPEN_TO_OTHERS:
        found.append((folder, mode))
    for entry in sorted(folder.iterdir()):
        mode_of_entry = _mode(entry)
        if mode_of_entry is not None and mode_of_entry & OPEN_TO_OTHERS:
            found.append((entry, mode_of_entry))
    return found


def open_to_others(settings: Settings) -> list[tuple[Path, int]]:
    """What others may open: the data and storage folders and their entries, and the
    SQLite database files wherever they lie; with each one's mode."""
    folders = [path.resolve() for path in (settings.data_dir, settings.storage_dir)]
    found = dict(item for folder in folders if folder.is_dir() for item in _open_entries(folder))
    database = sqlite_file(settings.database_url)
    if database is not None:
        database = database.resolve()
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            mode = _mode(path)
            if mode is not None and mode & OPEN_TO_OTHERS:
                found[path] = mode
    return list(found.items())


def _fix_targets(found: list[tuple[Path, int]], folders: list[Path]) -> list[Path]:
    """What `chmod -R` must be given: the folder an entry lies in, or the entry itself."""
    targets: dict[Path, None] = {}
    for path, _ in found:
        home = next((folder for folder in folders if path == folder or path.parent == folder), path)
        targets[home] = None
    return list(targets)


def refusal(found: list[tuple[Path, int]], settings: Settings) -> str:
    """One line: what is open, with its mode, and the command that makes it private."""
    shown = ", ".join(f"{path} (mode {mode:04o})" for path, mode in found[:SHOWN])
    more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    folders = [path.resolve() for path in (settings.data_dir, settings.storage_dir)]
    command = "chmod -R go-rwx " + " ".join(shlex.quote(str(path)) for path in _fix_targets(found, folders))
    return (
        f"the group or other users may open Belfort's data: {shown}{more}; "
        f"make it private with `{command}` and start again"
    )


def prepare_data_folders(settings: Settings) -> None:
    """Make new files private, create the folders Belfort writes into (0700), and raise
    DataNotPrivate if others may open the data folder, the storage folder or the database."""
    make_files_private()
    for folder in private_folders(settings):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = open_to_others(settings)
    if found:
        raise DataNotPrivate(refusal(found, settings))
