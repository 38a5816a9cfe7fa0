"""Hotlists: the plates an organisation looks out for (stolen, wanted, uninsured, ...).

A list is filled by importing a CSV file (all of it or nothing: one bad line refuses the
import and names the line), by adding single entries, or by watching a CSV file inside one
of the hotlist folders (`anpr.hotlist_dirs`) that is reloaded when it changes. An import
writes a new generation of the list's rows in short transactions and then switches the
list to it at once, so a million lines never hold the database's write lock for long;
only the rows of a list's current generation are ever in force. Deleting a list takes it
out of use at once (generation `DELETING`: no rows in force, not listed, its name free),
then deletes its rows in short transactions too. Every change raises the
organisation's hotlist version in its own transaction; each organisation's entries are
compiled into one matcher (`belfort.anpr.matching`) in the background, and a build only
replaces a matcher built from an older version. Managing a list and looking at its plates
pass the policy gate and are audited. A watched file is never read outside the hotlist
folders, never unless it is a regular file, and never beyond the import limit.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import secrets
import stat
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from pathlib import Path
from time import monotonic, sleep, time_ns
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from belfort.anpr.matching import HotlistEntry, HotlistMatcher, Match
from belfort.anpr.models import Hotlist, HotlistRow, HotlistVersion, owned
from belfort.anpr.plates import PlatePattern
from belfort.db import Database
from belfort.errors import BelfortError, Conflict, InvalidInput, NotFound
from belfort.i18n import Message, _, _n
from belfort.policy import Action, Actor, PolicyGate, Resource, ResourceKind
from belfort.policy.model import system_actor
from belfort.timeutil import Clock, as_utc, parse_local, utcnow

log = logging.getLogger(__name__)

CATEGORIES = ("stolen", "wanted", "uninsured", "no_valid_inspection", "other")
CATEGORY_NAMES = {
    "stolen": "stolen",
    "wanted": "wanted",
    "uninsured": "uninsured",
    "no valid inspection": "no_valid_inspection",
    "no_valid_inspection": "no_valid_inspection",
    "no inspection": "no_valid_inspection",
    "other": "other",
}
CATEGORY_LABELS = {
    "stolen": _("Stolen"),
    "wanted": _("Wanted"),
    "uninsured": _("Uninsured"),
    "no_valid_inspection": _("No valid inspection"),
    "other": _("Other"),
}
"""Each category as a person reads it (translated where it is shown)."""
COLUMNS = ("plate", "category", "priority", "valid_until", "note")
MAX_ERRORS_SHOWN = 5
MAX_IMPORT_BYTES = 200 << 20
MAX_NOTE = 500
WRITE_BATCH = 1_000
"""Rows an import writes or deletes per transaction: about 10 ms of SQLite's write lock."""
DELETE_BATCH = 5_000
"""Rows a list's deletion erases per transaction: also about 10 ms of the write lock (a row
deleted costs a fifth of one written), and a fifth of the hand-overs of the lock, each of
which can keep the deletion waiting up to 100 ms when others write (docs/performance.md)."""
READ_BATCH = 10_000
"""Rows a build reads per transaction on SQLite (where every transaction takes the write lock)."""
VERSION_CHECK_SECONDS = 2.0
"""How often the builder compares the stored hotlist versions with the matchers it built, so
a change committed by another process (or whose rebuild was missed) applies within this
long plus the build."""
BUILD_ATTEMPTS = 5
DELETING = -1
"""The generation of a list being deleted: none of its rows is in force, it is listed and
found nowhere, and its name (`deleting_name`) is one no list can be given (names are
stripped), so a new list may take the old one at once."""


@dataclass(frozen=True, slots=True)
class EntryIn:
    pattern: str
    category: str
    priority: int = 3
    valid_until: datetime | None = None
    note: str = ""


def _category(text: str) -> str:
    category = CATEGORY_NAMES.get(text.strip().lower().replace("-", " "))
    if category is None:
        raise ValueError(
            _(
                "category '{category}' is not one of stolen, wanted, uninsured, no valid inspection, other",
                category=text,
            )
        )
    return category


def _priority(text: str) -> int:
    if not text.strip():
        return 3
    try:
        value = int(text)
    except ValueError:
        raise ValueError(_("priority '{priority}' is not a number from 1 (highest) to 5", priority=text)) from None
    if not 1 <= value <= 5:
        raise ValueError(_("priority {priority} must be 1 (highest) to 5", priority=value))
    return value


def _valid_until(text: str, zone: tzinfo) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    if len(text) == 10:  # a date: valid through that whole day, in the site's time zone
        try:
            day = datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(_("valid until '{date}' is not a date: write it as YYYY-MM-DD", date=text)) from None
        return as_utc(datetime.combine(day, time.max, tzinfo=zone))
    try:
        return parse_local(text, zone)
    except ValueError as exc:
        if exc.args and isinstance(exc.args[0], Message):
            raise ValueError(_("valid until '{date}': {problem}", date=text, problem=exc.args[0])) from None
        raise ValueError(
            _("valid until '{date}' is neither a date (YYYY-MM-DD) nor a time (YYYY-MM-DD HH:MM)", date=text)
        ) from None


def entry(
    pattern: str, category: str, priority: int | str = 3, valid_until: str = "", note: str = "", zone: tzinfo = UTC
) -> EntryIn:
    """One checked entry: the pattern normalised, or ValueError saying what is wrong. A
    "valid until" date holds through that whole day in `zone` (the site's time zone)."""
    parsed = PlatePattern.parse(pattern)
    if len(parsed.text) > 32:
        raise ValueError(_("plate '{plate}' is longer than 32 characters", plate=pattern))
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValueError(
            _("the note has {length} characters; shorten it to at most {limit}", length=len(note), limit=MAX_NOTE)
        )
    return EntryIn(parsed.text, _category(category), _priority(str(priority)), _valid_until(valid_until, zone), note)


def _problem_of(error: ValueError) -> str:
    """The message of a ValueError, kept a `Message` (translated later) when it is one."""
    return error.args[0] if error.args and isinstance(error.args[0], str) else str(error)


# -- CSV files ------------------------------------------------------------------------------


def _column(index: int) -> Message:
    if index < len(COLUMNS):
        return _("column {number} ({name})", number=index + 1, name=COLUMNS[index])
    return _("column {number}", number=index + 1)


def _joined(problems: Sequence[Message], more: Message | None = None) -> Message:
    """Several problems as one message, each still translated: "a; b; c (and 2 more)"."""
    joined = problems[0]
    for problem in problems[1:]:
        joined = _("{problems}; {problem}", problems=joined, problem=problem)
    return _("{problems} {more}", problems=joined, more=more) if more is not None else joined


def _csv_problem(text: str, delimiter: str, line: int, error: csv.Error) -> Message:
    """What is wrong at `line` (where the row that failed begins), for a person to fix."""
    limit = csv.field_size_limit()
    if "field larger than field limit" not in str(error):
        return _("line {line}: {error}: check the file's quotes and separators", line=line, error=str(error))
    start = 0
    for _skipped in range(line - 1):
        start = text.find("\n", start) + 1
    end = text.find("\n", start)
    cells = text[start : end if end >= 0 else len(text)].split(delimiter)
    column = next((_column(i) for i, cell in enumerate(cells) if len(cell) > limit), None)
    problem = _(
        "a field is longer than {limit} characters (an unclosed quote runs on to the following lines); "
        "a line holds {columns}, with a note of at most {note} characters: check that the file is a hotlist "
        "CSV file and that its quotes are closed",
        limit=format(limit, ","),
        columns=", ".join(COLUMNS),
        note=MAX_NOTE,
    )
    if column is None:
        return _("line {line}: {problem}", line=line, problem=problem)
    return _("line {line}, {column}: {problem}", line=line, column=column, problem=problem)


def _binary_lines(text: str, delimiter: str) -> Message:
    """Where a file holds NUL bytes, which no text file does."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        at = line.find("\x00")
        if at >= 0:
            found.append(
                _(
                    "line {line}, {column}: binary data (a NUL byte), not text: "
                    "export the list as a CSV text file and import that",
                    line=number,
                    column=_column(line[:at].count(delimiter)),
                )
            )
    extra = len(found) - MAX_ERRORS_SHOWN
    more = _n("(and {count} more line)", "(and {count} more lines)", extra) if extra > 0 else None
    return _joined(found[:MAX_ERRORS_SHOWN], more)


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line it begins on; InvalidInput naming the line when the CSV is broken."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidInput(
                _("nothing was imported: {problems}", problems=_csv_problem(text, delimiter, line, error))
            ) from None
        yield line, row


def parse_csv(data: bytes, zone: tzinfo = UTC) -> list[EntryIn]:
    """Entries from a CSV file (comma or semicolon separated, header optional), all or none;
    times and "valid until" dates in it are those of `zone` (the site's time zone)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput(_("the file is larger than {size} MB: split it", size=MAX_IMPORT_BYTES >> 20))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    if "\x00" in text:
        raise InvalidInput(_("nothing was imported: {problems}", problems=_binary_lines(text, delimiter)))
    entries: list[EntryIn] = []
    errors: list[Message] = []
    for line, row in _rows(text, delimiter):
        if not row or not "".join(row).strip():
            continue
        if not entries and not errors and row[0].strip().lower() in ("plate", "kenteken", "plaque", "nummerplaat"):
            continue  # the header
        plate, category, priority, valid_until, note = [*row, "", "", "", ""][:5]
        try:
            entries.append(entry(plate, category, priority, valid_until, note, zone))
        except ValueError as exc:
            errors.append(_("line {line}: {problem}", line=line, problem=_problem_of(exc)))
    if errors:
        extra = len(errors) - MAX_ERRORS_SHOWN
        more = _n("(and {count} more)", "(and {count} more)", extra) if extra > 0 else None
        raise InvalidInput(_("nothing was imported: {problems}", problems=_joined(errors[:MAX_ERRORS_SHOWN], more)))
    if not entries:
        raise InvalidInput(
            _("the file holds no entries: one line per plate, columns {columns}", columns=", ".join(COLUMNS))
        )
    return entries


# -- watched files ------------------------------------------------------------------------------


def hotlist_folders(folders: Sequence[Path]) -> tuple[Path, ...]:
    """The folders watched files may lie in, symlinks resolved; a missing one is created
    (readable by Belfort's user only), or left out with a warning when it cannot be."""
    found = []
    for folder in folders:
        if not folder.is_dir():
            try:
                folder.mkdir(mode=0o700, parents=True)
            except OSError as exc:
                log.warning("hotlist folder %s cannot be created (%s): no file in it can be watched", folder, exc)
                continue
        found.append(Path(os.path.realpath(folder)))
    return tuple(found)


def watched_file(path: str, folders: Sequence[Path]) -> Path:
    """The real path of the watched file `path` (symlinks resolved), or InvalidInput when it
    is not inside one of `folders`."""
    allowed = ", ".join(str(folder) for folder in folders) or _("none are configured")
    if not Path(path).is_absolute() or "\x00" in path:
        raise InvalidInput(
            _("watch_path: give the absolute path of a CSV file in a hotlist folder ({allowed})", allowed=allowed)
        )
    real = Path(os.path.realpath(path))
    if not any(real != folder and real.is_relative_to(folder) for folder in folders):
        if str(real) != path:
            raise InvalidInput(
                _(
                    "watch_path: {path} (it leads to {real}) is not inside a hotlist folder ({allowed}); put the "
                    "file in one of them, or ask the administrator to add its folder to the setting "
                    "anpr.hotlist_dirs",
                    path=path,
                    real=str(real),
                    allowed=allowed,
                )
            )
        raise InvalidInput(
            _(
                "watch_path: {path} is not inside a hotlist folder ({allowed}); put the file in one of them, "
                "or ask the administrator to add its folder to the setting anpr.hotlist_dirs",
                path=path,
                allowed=allowed,
            )
        )
    return real


def _kind(mode: int) -> Message:
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISFIFO(mode):
        return _("a named pipe")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    return _("not a regular file")


@contextmanager
def open_watched(path: str, folders: Sequence[Path]) -> Iterator[tuple[int, os.stat_result]]:
    """The watched file opened for reading, and its status: only a regular file inside the
    hotlist folders. Opening never blocks (a named pipe without writer) and never follows a
    symlink put in place after the path was resolved."""
    real = watched_file(path, folders)
    try:
        descriptor = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise InvalidInput(
            _("watch_path: {path} cannot be opened: {problem}", path=path, problem=exc.strerror or str(exc))
        ) from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise InvalidInput(
                _("watch_path: {path} is {kind}: watch a regular CSV file", path=path, kind=_kind(status.st_mode))
            )
        yield descriptor, status
    finally:
        os.close(descriptor)


def read_limited(descriptor: int, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """The file's bytes, or InvalidInput when it is larger than `limit`: said so at once, or
    once more than `limit` bytes were read (it may grow while it is read)."""
    chunks: list[bytes] = []
    size = 0 if os.fstat(descriptor).st_size <= limit else limit + 1
    while size <= limit:
        chunk = os.read(descriptor, min(1 << 20, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise InvalidInput(_("the file is larger than {size} MB, the import limit: split it", size=limit >> 20))


def ordered_ids(count: int) -> Iterator[uuid.UUID]:
    """`count` new ids in increasing order, above those made in an earlier millisecond (UUID
    version 7: the time in milliseconds, random bits, then a counter). Rows with such ids are
    appended to the primary key's index instead of each landing on a random page of it: five
    times faster into a table of a million rows on SQLite."""
    millis = time_ns() // 1_000_000
    start = (millis << 80) | (0x7 << 76) | (secrets.randbits(12) << 64) | (0b10 << 62) | (secrets.randbits(29) << 32)
    return (uuid.UUID(int=start + n) for n in range(count))


def _hotlist_label(hotlist: Hotlist) -> str:
    return hotlist.name


def deleting_name(hotlist_id: uuid.UUID) -> str:
    """The name a list takes while it is deleted: unique, and never a name given to a list."""
    return f" deleting {hotlist_id}"


def hotlist_resource(hotlist: Hotlist | None, organisation_id: uuid.UUID | None) -> Resource:
    return Resource(
        ResourceKind.HOTLIST,
        str(hotlist.id) if hotlist else "",
        hotlist.name if hotlist else "",
        hotlist.organisation_id if hotlist else organisation_id,
    )


def raise_version(session: Session, organisation_id: uuid.UUID) -> None:
    """Count one more change to the organisation's hotlists (in the change's transaction)."""
    dialect = session.get_bind().dialect.name
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = upsert(HotlistVersion).values(organisation_id=organisation_id, version=1)
    statement = statement.on_conflict_do_update(
        index_elements=[HotlistVersion.organisation_id], set_={"version": HotlistVersion.version + 1}
    )
    session.execute(statement)


def stored_versions(session: Session, organisation_id: uuid.UUID | None = None) -> dict[uuid.UUID, int]:
    query = select(HotlistVersion.organisation_id, HotlistVersion.version)
    if organisation_id is not None:
        query = query.where(HotlistVersion.organisation_id == organisation_id)
    return {organisation: int(version) for organisation, version in session.execute(query)}


_ENTRY_COLUMNS = (
    HotlistRow.id,
    HotlistRow.hotlist_id,
    HotlistRow.pattern,
    HotlistRow.category,
    HotlistRow.priority,
    HotlistRow.valid_until,
    HotlistRow.note,
)


_SQLITE_ROWS = (
    "SELECT rowid, id, pattern, category, priority, valid_until, note FROM anpr_hotlist_entry "
    "WHERE hotlist_id = ? AND generation = ? AND rowid > ? ORDER BY rowid LIMIT ?"
)
"""A range of a generation's rows in the order of the (hotlist_id, generation) index."""


def _entry_of(row: Any) -> HotlistEntry:
    return HotlistEntry(
        id=str(row.id),
        pattern=row.pattern,
        category=row.category,
        priority=row.priority,
        valid_until=row.valid_until,
        note=row.note,
        list_id=str(row.hotlist_id),
    )


class HotlistService:
    def __init__(
        self,
        db: Database,
        gate: PolicyGate,
        clock: Clock = utcnow,
        folders: Sequence[Path] = (),
        zone: tzinfo = UTC,
    ) -> None:
        self.db = db
        self.gate = gate
        self._clock = clock
        self.zone = zone
        """The site's time zone: a "valid until" date in a watched file holds through that local day."""
        self.folders = hotlist_folders(folders)
        """Where watched files may lie (`anpr.hotlist_dirs`), symlinks resolved."""
        self._matchers: dict[uuid.UUID, HotlistMatcher] = {}
        self._built: dict[uuid.UUID, int] = {}
        """The hotlist version each organisation's matcher in place was built from."""
        self._failed: dict[uuid.UUID, int] = {}
        """A version whose entries could not be compiled: not tried again until it changes."""
        self._names: dict[str, str] = {}
        """Hotlist id to name, for hits."""
        self._problems: dict[uuid.UUID, tuple[float | None, str]] = {}
        """Per watched list, the last reload's problem (and the file's time when it was its content)."""
        self._withdrawn: frozenset[str] = frozenset()
        """Lists deleted here: their entries never match, even in a matcher built before."""
        self._lock = threading.Lock()
        self._dirty: set[uuid.UUID] = set()
        self._building = 0
        self._wake = threading.Condition(self._lock)
        self._builder: threading.Thread | None = None
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    # -- matching -----------------------------------------------------------------------

    def match(self, organisation_id: uuid.UUID, plate: str, at: datetime) -> list[Match]:
        matcher = self._matchers.get(organisation_id)
        found = matcher.match(plate, at) if matcher is not None else []
        withdrawn = self._withdrawn
        return [m for m in found if m.entry.list_id not in withdrawn] if found and withdrawn else found

    def list_name(self, list_id: str) -> str:
        return self._names.get(list_id, "hotlist")

    def build_now(self, organisation_id: uuid.UUID) -> bool:
        """Compile the organisation's entries in force and swap the matcher in (in the calling
        thread) unless the one in place was built from the same or a newer version; whether
        it was swapped in. Entries are read in short transactions; when the hotlists change
        meanwhile they are read again."""
        for _attempt in range(BUILD_ATTEMPTS):
            with self.db.session() as session:
                version = stored_versions(session, organisation_id).get(organisation_id, 0)
                lists = session.execute(
                    select(Hotlist.id, Hotlist.name, Hotlist.generation).where(
                        Hotlist.organisation_id == organisation_id, Hotlist.generation != DELETING
                    )
                ).all()
            entries = self._entries_in_force([(row.id, row.generation) for row in lists])
            with self.db.session() as session:
                if stored_versions(session, organisation_id).get(organisation_id, 0) == version:
                    break
        else:
            return False  # changing faster than it can be read: a later check builds it again
        try:
            matcher = HotlistMatcher(entries)
        except ValueError:
            with self._lock:
                self._failed[organisation_id] = version
            raise
        with self._lock:
            self._names.update({str(row.id): row.name for row in lists})
            if organisation_id in self._matchers and self._built.get(organisation_id, -1) >= version:
                return False
            self._matchers[organisation_id] = matcher
            self._built[organisation_id] = version
        return True

    def _entries_in_force(self, lists: Sequence[tuple[uuid.UUID, int]]) -> list[HotlistEntry]:
        """The rows of each list's current generation. SQLite takes its write lock for every
        transaction, so there they are read by ranges of rowid, `READ_BATCH` at a time, as the
        database holds them (turned into Python values after the transaction)."""
        entries: list[HotlistEntry] = []
        if self.db.dialect != "sqlite":
            with self.db.session() as session:
                for list_id, generation in lists:
                    query = select(*_ENTRY_COLUMNS).where(
                        HotlistRow.hotlist_id == list_id, HotlistRow.generation == generation
                    )
                    entries.extend(_entry_of(row) for row in session.execute(query))
            return entries
        dialect = self.db.engine.dialect
        until = HotlistRow.__table__.c.valid_until.type.dialect_impl(dialect).result_processor(dialect, None)
        for list_id, generation in lists:
            after = 0
            while True:
                with self._batch() as session:
                    rows = (
                        session.connection()
                        .exec_driver_sql(_SQLITE_ROWS, (list_id.hex, generation, after, READ_BATCH))
                        .all()
                    )
                entries.extend(
                    HotlistEntry(
                        id=str(uuid.UUID(row[1])),
                        pattern=row[2],
                        category=row[3],
                        priority=row[4],
                        valid_until=until(row[5]) if until is not None and row[5] is not None else row[5],
                        note=row[6],
                        list_id=str(list_id),
                    )
                    for row in rows
                )
                if len(rows) < READ_BATCH:
                    break
                after = rows[-1][0]
        return entries

    @contextmanager
    def _batch(self) -> Iterator[Session]:
        """The transaction of one batch of a long job (an import, a build). SQLite gives its
        write lock to whoever asks first once it is free, and a writer kept waiting asks only
        every so often (after up to 100 ms of sleep); so on SQLite the job then pauses as long
        as the batch took, leaving the lock to others at least half the time."""
        began = monotonic()
        with self.db.session() as session:
            yield session
        if self.db.dialect == "sqlite":
            sleep(monotonic() - began)

    def rebuild(self, organisation_id: uuid.UUID) -> None:
        """Ask the builder thread to compile the organisation's matcher again."""
        with self._lock:
            self._dirty.add(organisation_id)
            self._ensure_builder()
            self._wake.notify_all()

    def _ensure_builder(self) -> None:
        if (self._builder is None or not self._builder.is_alive()) and not self._stopping.is_set():
            self._builder = threading.Thread(target=self._build_loop, name="hotlist-builder", daemon=True)
            self._builder.start()

    def build_all(self) -> None:
        with self.db.session() as session:
            organisations = set(session.scalars(select(Hotlist.organisation_id)))
            organisations |= set(stored_versions(session))
        for organisation_id in organisations:
            self.build_now(organisation_id)

    def mark_stale(self) -> set[uuid.UUID]:
        """Queue a build for each organisation whose stored hotlist version is newer than its
        matcher's (changed by another process, or a rebuild that was missed); which ones."""
        with self.db.session() as session:
            stored = stored_versions(session)
        with self._lock:
            stale = {
                organisation_id
                for organisation_id, version in stored.items()
                if version > max(self._built.get(organisation_id, -1), self._failed.get(organisation_id, -1))
            }
            self._dirty |= stale
        return stale

    def _build_loop(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                if not self._dirty:
                    self._wake.wait(VERSION_CHECK_SECONDS)
                organisation_id = self._dirty.pop() if self._dirty else None
                if organisation_id is not None:
                    self._building += 1
            if self._stopping.is_set():
                return
            try:
                if organisation_id is None:
                    self.mark_stale()
                else:
                    self.build_now(organisation_id)
            except Exception:
                if organisation_id is None:
                    log.exception("could not compare the stored hotlist versions with the built matchers")
                else:
                    log.exception("could not compile the hotlists of organisation %s", organisation_id)
            finally:
                if organisation_id is not None:
                    with self._lock:
                        self._building -= 1

    def wait_built(self, timeout: float = 30.0) -> bool:
        """Until no rebuild is pending (for tests and start-up)."""
        deadline = datetime.now(UTC) + timedelta(seconds=timeout)
        while datetime.now(UTC) < deadline:
            with self._lock:
                busy = bool(self._dirty) or self._building > 0
            if not busy:
                return True
            threading.Event().wait(0.02)
        return False

    # -- managing lists (in the caller's transaction) -----------------------------------

    def _authorize(self, session: Session, actor: Actor, hotlist: Hotlist | None, detail: dict[str, object]) -> None:
        self.gate.require(
            session,
            actor,
            Action.MANAGE_HOTLISTS,
            hotlist_resource(hotlist, actor.organisation_id),
            None,
            detail=detail,
        )

    def lists(self, session: Session, actor: Actor) -> Sequence[Hotlist]:
        """The organisation's lists, names and sizes only (no plates)."""
        self._authorize(session, actor, None, {"change": "list"})
        query = select(Hotlist).where(Hotlist.generation != DELETING).order_by(Hotlist.name)
        if actor.organisation_id is not None:
            query = query.where(Hotlist.organisation_id == actor.organisation_id)
        return session.scalars(query).all()

    def get(self, session: Session, actor: Actor, hotlist_id: uuid.UUID) -> Hotlist:
        hotlist = owned(
            session, self.gate, actor, Action.MANAGE_HOTLISTS, Hotlist, hotlist_id, ResourceKind.HOTLIST, _hotlist_label
        )
        if hotlist.generation == DELETING:
            raise NotFound(_("hotlist {hotlist} was deleted", hotlist=str(hotlist_id)))
        return hotlist

    def create(self, session: Session, actor: Actor, name: str, watch_path: str = "") -> Hotlist:
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise InvalidInput(_("a hotlist needs a name of 1 to 100 characters"))
        if watch_path:
            watched_file(watch_path, self.folders)
        self._authorize(session, actor, None, {"hotlist": name, "change": "create"})
        if actor.organisation_id is None:
            raise InvalidInput(_("hotlists belong to an organisation: create them as a person of one"))
        exists = session.scalar(
            select(Hotlist.id).where(Hotlist.organisation_id == actor.organisation_id, Hotlist.name == name)
        )
        if exists:
            raise Conflict(_("your organisation already has a hotlist named '{name}'", name=name))
        hotlist = Hotlist(
            organisation_id=actor.organisation_id,
            name=name,
            watch_path=watch_path,
            watch_mtime=0.0,
            generation=0,
            entries=0,
            updated_at=self._clock(),
            updated_by=actor.name,
        )
        session.add(hotlist)
        session.flush()
        raise_version(session, actor.organisation_id)
        return hotlist

    def replace_entries(self, session: Session, actor: Actor, hotlist: Hotlist, entries: Sequence[EntryIn]) -> int:
        """Make `entries` the whole content of a list in the caller's transaction: for a few
        entries only (a test, a fixture). Imports go through `import_entries`."""
        self._authorize(session, actor, hotlist, {"change": "import", "entries": len(entries)})
        generation = self._claim(session, hotlist)
        self._insert(session, hotlist.id, generation, entries)
        self._switch(session, hotlist, generation, len(entries), actor)
        session.execute(
            delete(HotlistRow).where(HotlistRow.hotlist_id == hotlist.id, HotlistRow.generation < generation)
        )
        return len(entries)

    def add_entry(self, session: Session, actor: Actor, hotlist: Hotlist, item: EntryIn) -> None:
        self._authorize(session, actor, hotlist, {"change": "add", "plate": item.pattern, "category": item.category})
        self._insert(session, hotlist.id, hotlist.generation, [item])
        hotlist.entries += 1
        self._touched(session, hotlist, actor)

    def remove_entry(self, session: Session, actor: Actor, hotlist: Hotlist, entry_id: uuid.UUID) -> None:
        row = session.get(HotlistRow, entry_id)
        if row is None or row.hotlist_id != hotlist.id or row.generation != hotlist.generation:
            raise NotFound(_("no entry {entry} in hotlist '{name}'", entry=str(entry_id), name=hotlist.name))
        self._authorize(session, actor, hotlist, {"change": "remove", "plate": row.pattern})
        session.delete(row)
        hotlist.entries = max(0, hotlist.entries - 1)
        self._touched(session, hotlist, actor)

    def entries(
        self, session: Session, actor: Actor, hotlist: Hotlist, contains: str = "", limit: int = 200
    ) -> Sequence[HotlistRow]:
        """A list's plates: looking at them is a consultation, audited."""
        self._authorize(session, actor, hotlist, {"change": "view", "contains": contains})
        query = select(HotlistRow).where(*self._in_force(hotlist))
        needle = "".join(ch for ch in contains.upper() if ch.isalnum())
        if needle:
            query = query.where(HotlistRow.pattern.contains(needle))
        return session.scalars(query.order_by(HotlistRow.pattern).limit(limit)).all()

    def count(self, session: Session, hotlist: Hotlist) -> int:
        return int(session.scalar(select(func.count()).where(*self._in_force(hotlist))) or 0)

    @staticmethod
    def _in_force(hotlist: Hotlist) -> tuple[ColumnElement[bool], ...]:
        return HotlistRow.hotlist_id == hotlist.id, HotlistRow.generation == hotlist.generation

    def _insert(self, session: Session, hotlist_id: uuid.UUID, generation: int, entries: Sequence[EntryIn]) -> None:
        ids = ordered_ids(len(entries))
        rows = [
            {
                "id": next(ids),
                "hotlist_id": hotlist_id,
                "pattern": item.pattern,
                "category": item.category,
                "priority": item.priority,
                "valid_until": item.valid_until,
                "note": item.note,
                "generation": generation,
            }
            for item in entries
        ]
        for start in range(0, len(rows), WRITE_BATCH):
            session.execute(insert(HotlistRow), rows[start : start + WRITE_BATCH])

    def _touched(self, session: Session, hotlist: Hotlist, actor: Actor) -> None:
        hotlist.updated_at = self._clock()
        hotlist.updated_by = actor.name
        raise_version(session, hotlist.organisation_id)

    # -- imports (in transactions of their own) -------------------------------------------

    @staticmethod
    def _claim(session: Session, hotlist: Hotlist) -> int:
        """A generation number no other import of the list uses: above the current one and
        every row written. The caller writes rows with it in the same transaction."""
        highest = session.scalar(select(func.max(HotlistRow.generation)).where(HotlistRow.hotlist_id == hotlist.id))
        return max(hotlist.generation, highest or 0) + 1

    def _switch(self, session: Session, hotlist: Hotlist, generation: int, count: int, actor: Actor) -> None:
        hotlist.generation = generation
        hotlist.entries = count
        self._touched(session, hotlist, actor)

    def import_entries(self, actor: Actor, hotlist_id: uuid.UUID, entries: Sequence[EntryIn]) -> tuple[Hotlist, int]:
        """Make `entries` the whole content of the list, in transactions of its own: the
        policy decision first (a refusal writes nothing), then the new generation in batches of
        `WRITE_BATCH` rows, then the switch to it in one short transaction (which raises the
        organisation's hotlist version), then the previous generations deleted in batches.
        The list keeps its previous entries until the switch; the matcher is rebuilt after.
        Of two imports of one list at once, the one that began last wins; the other gets
        Conflict. Rows of an import that never reached its switch go with the next import."""
        if not entries:
            raise InvalidInput(_("an import needs at least one entry"))
        with self.db.session() as session:
            hotlist = self.get(session, actor, hotlist_id)
            self._authorize(session, actor, hotlist, {"change": "import", "entries": len(entries)})
            name = hotlist.name
        generation = 0
        try:
            for start in range(0, len(entries), WRITE_BATCH):
                with self._batch() as session:
                    if start == 0:
                        locked = self._locked(session, hotlist_id, name)
                        generation = self._claim(session, locked)
                    self._insert(session, hotlist_id, generation, entries[start : start + WRITE_BATCH])
            with self.db.session() as session:
                hotlist = self._locked(session, hotlist_id, name)
                if hotlist.generation > generation:
                    raise Conflict(
                        _(
                            "an import of hotlist '{name}' that began after this one finished first: "
                            "its entries are in force; import again if these should be",
                            name=name,
                        )
                    )
                self._switch(session, hotlist, generation, len(entries), actor)
        except IntegrityError:
            raise NotFound(
                _("hotlist '{name}' was deleted during the import; nothing was imported", name=name)
            ) from None
        except BaseException:
            if generation:
                self._delete_rows(hotlist_id, HotlistRow.generation == generation)
            raise
        self.rebuild(hotlist.organisation_id)
        try:
            self._delete_rows(hotlist_id, HotlistRow.generation < generation)
        except Exception:  # the import is in force; the next start or import clears what is left
            log.exception("hotlist '%s': the entries it replaced could not all be deleted yet", name)
        return hotlist, len(entries)

    @staticmethod
    def _locked(session: Session, hotlist_id: uuid.UUID, name: str) -> Hotlist:
        hotlist = session.get(Hotlist, hotlist_id, with_for_update=True)
        if hotlist is None or hotlist.generation == DELETING:
            raise NotFound(_("hotlist '{name}' was deleted during the import; nothing was imported", name=name))
        return hotlist

    def _delete_rows(self, hotlist_id: uuid.UUID, *conditions: ColumnElement[bool], batch: int = WRITE_BATCH) -> int:
        """Delete the list's rows that meet `conditions` (all of them without), `batch` a
        transaction; how many."""
        deleted = 0
        while True:
            with self._batch() as session:
                rows = select(HotlistRow.id).where(HotlistRow.hotlist_id == hotlist_id, *conditions).limit(batch)
                result = session.execute(
                    delete(HotlistRow).where(HotlistRow.id.in_(rows)).execution_options(synchronize_session=False)
                )
            count = int(getattr(result, "rowcount", 0) or 0)
            deleted += count
            if count < batch:
                return deleted

    def remove_stale_generations(self) -> int:
        """At start: delete rows of generations older than their list's, left behind when a
        process stopped between an import's switch and the end of its clean-up, and the lists
        (with their rows) a process stopped deleting; the rows deleted."""
        with self.db.session() as session:
            lists = session.execute(select(Hotlist.id, Hotlist.generation)).all()
        return sum(
            self._delete_list(row.id)
            if row.generation == DELETING
            else self._delete_rows(row.id, HotlistRow.generation < row.generation)
            for row in lists
        )

    # -- deleting a list (in transactions of its own) -----------------------------------

    def remove(self, actor: Actor, hotlist_id: uuid.UUID) -> tuple[str, uuid.UUID]:
        """Delete a list and its entries, in transactions of its own; its name and organisation.
        The policy decision and, in the same short transaction, the list taken out of use
        (generation `DELETING`, its name freed, its file no longer watched, the organisation's
        hotlist version raised); then its rows deleted `DELETE_BATCH` at a time, then the list
        row. Its plates stop matching here at once, and the matcher is rebuilt without them
        meanwhile. What a process stopped half-way leaves goes at the next start."""
        try:
            with self.db.session() as session:
                session.get(Hotlist, hotlist_id, with_for_update=True)  # one change at a time (PostgreSQL)
                hotlist = self.get(session, actor, hotlist_id)
                self._authorize(session, actor, hotlist, {"change": "delete", "entries": hotlist.entries})
                name, organisation_id = hotlist.name, hotlist.organisation_id
                hotlist.generation = DELETING
                hotlist.name = deleting_name(hotlist_id)
                hotlist.watch_path = ""
                self._touched(session, hotlist, actor)
                session.flush()
                with self._lock:  # before the commit, so no read hits it once it is out of use
                    self._withdrawn |= {str(hotlist_id)}
        except BaseException:
            with self._lock:
                self._withdrawn -= {str(hotlist_id)}
            raise
        with self._lock:
            self._problems.pop(hotlist_id, None)
        self.rebuild(organisation_id)
        try:
            self._delete_list(hotlist_id)
        except Exception:  # out of use already; the next start deletes what is left
            log.exception("hotlist '%s' is deleted, but not all its entries could be erased yet", name)
        return name, organisation_id

    def _delete_list(self, hotlist_id: uuid.UUID) -> int:
        """Delete a list taken out of use: its rows `DELETE_BATCH` a transaction, then the list
        row once no row is left (an import that began before the deletion may still write
        some), so the cascade of the rows' foreign key never deletes them all in one
        statement. The rows deleted."""
        deleted = 0
        while True:
            deleted += self._delete_rows(hotlist_id, batch=DELETE_BATCH)
            with self.db.session() as session:
                session.execute(
                    delete(Hotlist)
                    .where(
                        Hotlist.id == hotlist_id,
                        Hotlist.generation == DELETING,
                        ~exists().where(HotlistRow.hotlist_id == hotlist_id),
                    )
                    .execution_options(synchronize_session=False)
                )
                left = session.scalar(
                    select(Hotlist.id).where(Hotlist.id == hotlist_id, Hotlist.generation == DELETING)
                )
            if left is None:
                return deleted

    # -- watched files ------------------------------------------------------------------

    def watch_problem(self, hotlist_id: uuid.UUID) -> str:
        """Why the list's watched file was last not reloaded; empty when it was."""
        with self._lock:
            return self._problems.get(hotlist_id, (None, ""))[1]

    def _problem(self, hotlist_id: uuid.UUID, message: str, mtime: float | None = None) -> str | None:
        """Keep the list's reload problem; the message when it is new (logged), else None."""
        with self._lock:
            previous = self._problems.get(hotlist_id, (None, ""))[1]
            self._problems[hotlist_id] = (mtime, message)
        if message == previous:
            return None
        log.warning("hotlist watch: %s", message)
        return message

    def reload_watched(self) -> list[str]:
        """Import every watched file that changed since its last import; what happened, per
        list (a problem is told once, until it changes). One list's problem never keeps the
        others from being reloaded."""
        with self.db.session() as session:
            targets = session.execute(
                select(Hotlist.id, Hotlist.name, Hotlist.watch_path, Hotlist.watch_mtime).where(
                    Hotlist.watch_path != ""
                )
            ).all()
        reports = []
        for hotlist_id, name, path, seen in targets:
            try:
                report = self._reload(hotlist_id, name, path, seen)
            except BelfortError as exc:
                report = self._problem(hotlist_id, _("{name}: not reloaded: {problem}", name=name, problem=exc.message))
            except Exception:
                log.exception("hotlist watch: %s: %s", name, path)
                report = self._problem(
                    hotlist_id, _("{name}: not reloaded: {path}: an error, see the server log", name=name, path=path)
                )
            if report:
                reports.append(report)
        return reports

    def _reload(self, hotlist_id: uuid.UUID, name: str, path: str, seen: float) -> str | None:
        with self._lock:
            refused = self._problems.get(hotlist_id, (None, ""))[0]
        with open_watched(path, self.folders) as (descriptor, status):
            if status.st_mtime in (seen, refused):
                return None
            try:
                entries = parse_csv(read_limited(descriptor), self.zone)
            except InvalidInput as exc:  # not read again until the file changes
                problem = _("{name}: not reloaded: {path}: {problem}", name=name, path=path, problem=exc.message)
                return self._problem(hotlist_id, problem, status.st_mtime)
        self.import_entries(system_actor(f"hotlist file {path}"), hotlist_id, entries)
        with self.db.session() as session:
            hotlist = session.get(Hotlist, hotlist_id)
            if hotlist is not None:
                hotlist.watch_mtime = status.st_mtime
        with self._lock:
            self._problems.pop(hotlist_id, None)
        report = _n(
            "{name}: {count} entry reloaded from {path}",
            "{name}: {count} entries reloaded from {path}",
            len(entries),
            name=name,
            path=path,
        )
        log.info("hotlist watch: %s", report)
        return report

    def start(self, watch_interval: float = 10.0) -> None:
        """Run the builder (which also checks for changes every `VERSION_CHECK_SECONDS`) and
        check watched files every `watch_interval` seconds, each in a thread of its own."""
        with self._lock:
            self._ensure_builder()

        def loop() -> None:
            while not self._stopping.is_set():
                try:
                    self.reload_watched()
                except Exception:
                    log.exception("hotlist watch failed")
                self._stopping.wait(watch_interval)

        self._watcher = threading.Thread(target=loop, name="hotlist-watch", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            self._wake.notify_all()
        for thread in (self._builder, self._watcher):
            if thread is not None:
                thread.join(timeout=5)
