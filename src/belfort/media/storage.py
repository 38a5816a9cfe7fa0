"""The storage folder: where segment files live, and the proof it belongs to this database.

Layout: `<root>/<camera id>/<YYYY-MM-DD>/<YYYYMMDDTHHMMSS.ffffff>Z_<segment id>.mp4`, the
date and time being the segment's UTC start. A file therefore names its camera, its
start and its index row, so recovery can re-index it without the database. The file
`<root>/belfort-storage.json` holds the storage id; the database keeps the same id, and
start-up refuses a folder whose id it does not know (a disk swapped or a database
restored from elsewhere), rather than mixing footage.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from belfort.errors import BelfortError

META_FILE = "belfort-storage.json"
LOCK_FILE = "belfort-storage.lock"
NAME_RE = re.compile(
    r"^(?P<camera>[0-9a-f-]{36})/(?P<day>\d{4}-\d{2}-\d{2})/"
    r"(?P<start>\d{8}T\d{6}\.\d{6})Z_(?P<segment>[0-9a-f-]{36})\.mp4$"
)


class StorageMismatch(BelfortError):
    status_code = 500


class StorageBusy(BelfortError):
    status_code = 409


@dataclass(frozen=True)
class SegmentName:
    camera_id: uuid.UUID
    segment_id: uuid.UUID
    start: datetime


class Storage:
    def __init__(self, root: Path, storage_id: str) -> None:
        self.root = root
        self.id = storage_id
        self._lock_handle: int | None = None

    def lock(self) -> None:
        """Take the folder for this process: two recorders (or a check during recording) never
        write into one folder. Released by `unlock` or when the process ends."""
        handle = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise StorageBusy(
                f"the storage folder {self.root} is in use by another Belfort process; stop it first"
            ) from None
        self._lock_handle = handle

    def unlock(self) -> None:
        if self._lock_handle is not None:
            fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            os.close(self._lock_handle)
            self._lock_handle = None

    @classmethod
    def open(cls, root: Path, known_ids: set[str]) -> tuple[Storage, bool]:
        """Open (or initialise) the folder; returns the storage and whether it is new.

        Raises StorageMismatch when the folder carries an id the database does not know,
        or when the database knows this folder's path but its metadata file is gone.
        """
        root.mkdir(parents=True, exist_ok=True)
        meta = root / META_FILE
        if meta.exists():
            try:
                storage_id = str(json.loads(meta.read_text())["storage_id"])
            except (ValueError, KeyError, TypeError) as exc:
                raise StorageMismatch(f"{meta} is damaged ({exc}); restore it or move the folder away") from None
            if known_ids and storage_id not in known_ids:
                raise StorageMismatch(
                    f"the storage folder {root} belongs to another Belfort database (storage id {storage_id}); "
                    "point recording.storage_dir elsewhere or restore the matching database"
                )
            return cls(root, storage_id), storage_id not in known_ids
        if known_ids and any(p.name != LOCK_FILE for p in root.iterdir()):
            raise StorageMismatch(
                f"the storage folder {root} holds files but no {META_FILE}: it is not the folder this database "
                "recorded into; restore the file or point recording.storage_dir elsewhere"
            )
        storage_id = str(uuid.uuid4())
        tmp = meta.with_suffix(".tmp")
        tmp.write_text(json.dumps({"storage_id": storage_id, "created": datetime.now(UTC).isoformat()}))
        os.replace(tmp, meta)
        return cls(root, storage_id), True

    @staticmethod
    def relative_path(camera_id: uuid.UUID, segment_id: uuid.UUID, start: datetime) -> str:
        start = start.astimezone(UTC)
        return f"{camera_id}/{start:%Y-%m-%d}/{start:%Y%m%dT%H%M%S.%f}Z_{segment_id}.mp4"

    def path(self, relative: str) -> Path:
        return self.root / relative

    @staticmethod
    def parse(relative: str) -> SegmentName | None:
        match = NAME_RE.match(relative)
        if match is None:
            return None
        start = datetime.strptime(match["start"], "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
        return SegmentName(uuid.UUID(match["camera"]), uuid.UUID(match["segment"]), start)

    def recent_files(self, camera_id: uuid.UUID, days: int = 2) -> list[str]:
        """Relative paths of the newest day folders of a camera (where crashes leave orphans)."""
        folder = self.root / str(camera_id)
        if not folder.is_dir():
            return []
        day_folders = sorted((d for d in folder.iterdir() if d.is_dir()), reverse=True)[:days]
        return sorted(f"{camera_id}/{d.name}/{f.name}" for d in day_folders for f in d.iterdir() if f.suffix == ".mp4")

    def all_files(self) -> list[str]:
        return sorted(str(p.relative_to(self.root)) for p in self.root.glob("*/*/*.mp4"))

    def used_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.glob("*/*/*.mp4"))
