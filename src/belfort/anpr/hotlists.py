"""Hotlists: the plates an organisation looks out for (stolen, wanted, uninsured, ...).

A list is filled by importing a CSV file (all of it or nothing: one bad line refuses the
import and names the line), by adding single entries, or by watching a CSV file that is
reloaded when it changes. Each organisation's entries are compiled into one matcher
(`belfort.anpr.matching`); a change builds a new matcher in the background and swaps it
in, so reads are never held up by a reload of a million entries. Managing a list and
looking at its plates pass the policy gate and are audited.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from belfort.anpr.matching import HotlistEntry, HotlistMatcher, Match
from belfort.anpr.models import Hotlist, HotlistRow, owned
from belfort.anpr.plates import PlatePattern
from belfort.db import Database
from belfort.errors import Conflict, Forbidden, InvalidInput, NotFound
from belfort.policy import Action, Actor, ActorKind, PolicyGate, Resource, ResourceKind
from belfort.policy.model import system_actor
from belfort.policy.rules import ACTIONS
from belfort.timeutil import Clock, parse_iso, utcnow

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
COLUMNS = ("plate", "category", "priority", "valid_until", "note")
MAX_ERRORS_SHOWN = 5
MAX_IMPORT_BYTES = 200 << 20


@dataclass(frozen=True)
class EntryIn:
    pattern: str
    category: str
    priority: int = 3
    valid_until: datetime | None = None
    note: str = ""


def _category(text: str) -> str:
    category = CATEGORY_NAMES.get(text.strip().lower().replace("-", " "))
    if category is None:
        raise ValueError(f"category '{text}' is not one of stolen, wanted, uninsured, no valid inspection, other")
    return category


def _priority(text: str) -> int:
    if not text.strip():
        return 3
    value = int(text)
    if not 1 <= value <= 5:
        raise ValueError(f"priority {value} must be 1 (highest) to 5")
    return value


def _valid_until(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    if len(text) == 10:  # a date: valid through that whole day, UTC
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        return datetime.combine(day.date(), time.max, tzinfo=UTC)
    return parse_iso(text)


def entry(pattern: str, category: str, priority: int | str = 3, valid_until: str = "", note: str = "") -> EntryIn:
    """One checked entry: the pattern normalised, or ValueError saying what is wrong."""
    parsed = PlatePattern.parse(pattern)
    if len(parsed.text) > 32:
        raise ValueError(f"plate '{pattern}' is longer than 32 characters")
    return EntryIn(
        parsed.text,
        _category(category),
        _priority(str(priority)),
        _valid_until(valid_until),
        note.strip()[:500],
    )


def parse_csv(data: bytes) -> list[EntryIn]:
    """Entries from a CSV file (comma or semicolon separated, header optional), all or none."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_IMPORT_BYTES >> 20} MB: split it")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    first_line = 1
    if rows and rows[0] and rows[0][0].strip().lower() in ("plate", "kenteken", "plaque", "nummerplaat"):
        rows, first_line = rows[1:], 2
    entries: list[EntryIn] = []
    errors: list[str] = []
    for number, row in enumerate(rows, start=first_line):
        if not row or not "".join(row).strip():
            continue
        cells = [*row, "", "", "", ""][:5]
        try:
            entries.append(entry(*cells))
        except ValueError as exc:
            errors.append(f"line {number}: {exc}")
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS_SHOWN} more)" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise InvalidInput("nothing was imported: " + "; ".join(errors[:MAX_ERRORS_SHOWN]) + more)
    if not entries:
        raise InvalidInput("the file holds no entries: one line per plate, columns " + ", ".join(COLUMNS))
    return entries


def hotlist_resource(hotlist: Hotlist | None, organisation_id: uuid.UUID | None) -> Resource:
    return Resource(
        ResourceKind.HOTLIST,
        str(hotlist.id) if hotlist else "",
        hotlist.name if hotlist else "",
        hotlist.organisation_id if hotlist else organisation_id,
    )


class HotlistService:
    def __init__(self, db: Database, gate: PolicyGate, clock: Clock = utcnow) -> None:
        self.db = db
        self.gate = gate
        self._clock = clock
        self._matchers: dict[uuid.UUID, HotlistMatcher] = {}
        self._names: dict[str, str] = {}
        """Hotlist id to name, for hits."""
        self._lock = threading.Lock()
        self._dirty: set[uuid.UUID] = set()
        self._building = 0
        self._wake = threading.Condition(self._lock)
        self._builder: threading.Thread | None = None
        self._stopping = False
        self._watcher: threading.Thread | None = None

    # -- matching -----------------------------------------------------------------------

    def match(self, organisation_id: uuid.UUID, plate: str, at: datetime) -> list[Match]:
        matcher = self._matchers.get(organisation_id)
        return matcher.match(plate, at) if matcher is not None else []

    def list_name(self, list_id: str) -> str:
        return self._names.get(list_id, "hotlist")

    def build_now(self, organisation_id: uuid.UUID) -> None:
        """Compile the organisation's entries and swap the matcher in (in the calling thread)."""
        with self.db.session() as session:
            lists = session.scalars(select(Hotlist).where(Hotlist.organisation_id == organisation_id)).all()
            names = {str(h.id): h.name for h in lists}
            rows = session.execute(select(HotlistRow).where(HotlistRow.hotlist_id.in_([h.id for h in lists]))).scalars()
            entries = [
                HotlistEntry(
                    id=str(row.id),
                    pattern=row.pattern,
                    category=row.category,
                    priority=row.priority,
                    valid_until=row.valid_until,
                    note=row.note,
                    list_id=str(row.hotlist_id),
                )
                for row in rows
            ]
        matcher = HotlistMatcher(entries)
        with self._lock:
            self._names.update(names)
            self._matchers[organisation_id] = matcher

    def rebuild(self, organisation_id: uuid.UUID) -> None:
        """Ask the builder thread to compile the organisation's matcher again."""
        with self._lock:
            self._dirty.add(organisation_id)
            if self._builder is None or not self._builder.is_alive():
                self._builder = threading.Thread(target=self._build_loop, name="hotlist-builder", daemon=True)
                self._builder.start()
            self._wake.notify()

    def build_all(self) -> None:
        with self.db.session() as session:
            organisations = set(session.scalars(select(Hotlist.organisation_id)))
        for organisation_id in organisations:
            self.build_now(organisation_id)

    def _build_loop(self) -> None:
        while True:
            with self._lock:
                while not self._dirty and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                organisation_id = self._dirty.pop()
                self._building += 1
            try:
                self.build_now(organisation_id)
            except Exception:
                log.exception("could not compile the hotlists of organisation %s", organisation_id)
            finally:
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
        """The organisation's lists, names and sizes only (no plates: nothing to audit)."""
        if actor.kind is not ActorKind.SYSTEM and actor.role not in ACTIONS[Action.MANAGE_HOTLISTS].roles:
            raise Forbidden("Only the team chief manages hotlists.")
        query = select(Hotlist).order_by(Hotlist.name)
        if actor.organisation_id is not None:
            query = query.where(Hotlist.organisation_id == actor.organisation_id)
        return session.scalars(query).all()

    def get(self, session: Session, actor: Actor, hotlist_id: uuid.UUID) -> Hotlist:
        return owned(session, actor, Hotlist, hotlist_id, "hotlist")

    def create(self, session: Session, actor: Actor, name: str, watch_path: str = "") -> Hotlist:
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise InvalidInput("a hotlist needs a name of 1 to 100 characters")
        if watch_path and not Path(watch_path).is_absolute():
            raise InvalidInput("the watched file must be given as an absolute path on the server")
        self._authorize(session, actor, None, {"hotlist": name, "change": "create"})
        if actor.organisation_id is None:
            raise InvalidInput("hotlists belong to an organisation: create them as a person of one")
        exists = session.scalar(
            select(Hotlist.id).where(Hotlist.organisation_id == actor.organisation_id, Hotlist.name == name)
        )
        if exists:
            raise Conflict(f"your organisation already has a hotlist named '{name}'")
        hotlist = Hotlist(
            organisation_id=actor.organisation_id,
            name=name,
            watch_path=watch_path,
            watch_mtime=0.0,
            entries=0,
            updated_at=self._clock(),
            updated_by=actor.name,
        )
        session.add(hotlist)
        session.flush()
        return hotlist

    def replace_entries(self, session: Session, actor: Actor, hotlist: Hotlist, entries: Sequence[EntryIn]) -> int:
        """Make `entries` the whole content of the list (an import)."""
        self._authorize(session, actor, hotlist, {"change": "import", "entries": len(entries)})
        session.execute(delete(HotlistRow).where(HotlistRow.hotlist_id == hotlist.id))
        self._insert(session, hotlist, entries)
        hotlist.entries = len(entries)
        self._touched(hotlist, actor)
        return len(entries)

    def add_entry(self, session: Session, actor: Actor, hotlist: Hotlist, item: EntryIn) -> None:
        self._authorize(session, actor, hotlist, {"change": "add", "plate": item.pattern, "category": item.category})
        self._insert(session, hotlist, [item])
        hotlist.entries += 1
        self._touched(hotlist, actor)

    def remove_entry(self, session: Session, actor: Actor, hotlist: Hotlist, entry_id: uuid.UUID) -> None:
        row = session.get(HotlistRow, entry_id)
        if row is None or row.hotlist_id != hotlist.id:
            raise NotFound(f"no entry {entry_id} in hotlist '{hotlist.name}'")
        self._authorize(session, actor, hotlist, {"change": "remove", "plate": row.pattern})
        session.delete(row)
        hotlist.entries = max(0, hotlist.entries - 1)
        self._touched(hotlist, actor)

    def remove(self, session: Session, actor: Actor, hotlist: Hotlist) -> None:
        self._authorize(session, actor, hotlist, {"change": "delete", "entries": hotlist.entries})
        session.execute(delete(HotlistRow).where(HotlistRow.hotlist_id == hotlist.id))
        session.delete(hotlist)

    def entries(
        self, session: Session, actor: Actor, hotlist: Hotlist, contains: str = "", limit: int = 200
    ) -> Sequence[HotlistRow]:
        """A list's plates: looking at them is a consultation, audited."""
        self._authorize(session, actor, hotlist, {"change": "view", "contains": contains})
        query = select(HotlistRow).where(HotlistRow.hotlist_id == hotlist.id)
        needle = "".join(ch for ch in contains.upper() if ch.isalnum())
        if needle:
            query = query.where(HotlistRow.pattern.contains(needle))
        return session.scalars(query.order_by(HotlistRow.pattern).limit(limit)).all()

    def _insert(self, session: Session, hotlist: Hotlist, entries: Sequence[EntryIn]) -> None:
        rows = [
            {
                "id": uuid.uuid4(),
                "hotlist_id": hotlist.id,
                "pattern": item.pattern,
                "category": item.category,
                "priority": item.priority,
                "valid_until": item.valid_until,
                "note": item.note,
            }
            for item in entries
        ]
        for start in range(0, len(rows), 5000):
            session.execute(insert(HotlistRow), rows[start : start + 5000])

    def _touched(self, hotlist: Hotlist, actor: Actor) -> None:
        hotlist.updated_at = self._clock()
        hotlist.updated_by = actor.name

    def count(self, session: Session, hotlist: Hotlist) -> int:
        return int(session.scalar(select(func.count()).where(HotlistRow.hotlist_id == hotlist.id)) or 0)

    # -- watched files ------------------------------------------------------------------

    def reload_watched(self) -> list[str]:
        """Import every watched file that changed since its last import; what happened, per list."""
        reports = []
        with self.db.session() as session:
            watched = session.scalars(select(Hotlist).where(Hotlist.watch_path != "")).all()
            targets = [(h.id, h.name, h.watch_path, h.watch_mtime) for h in watched]
        for hotlist_id, name, path, seen in targets:
            try:
                mtime = Path(path).stat().st_mtime
            except OSError as exc:
                reports.append(f"{name}: cannot read {path}: {exc.strerror or exc}")
                continue
            if mtime == seen:
                continue
            try:
                entries = parse_csv(Path(path).read_bytes())
                with self.db.session() as session:
                    hotlist = session.get(Hotlist, hotlist_id)
                    if hotlist is None:
                        continue
                    self.replace_entries(session, system_actor(f"hotlist file {path}"), hotlist, entries)
                    hotlist.watch_mtime = mtime
                    organisation_id = hotlist.organisation_id
                self.rebuild(organisation_id)
                reports.append(f"{name}: {len(entries)} entries reloaded from {path}")
            except (OSError, InvalidInput) as exc:
                reports.append(f"{name}: {path} was not reloaded: {getattr(exc, 'message', exc)}")
        for report in reports:
            log.info("hotlist watch: %s", report)
        return reports

    def watch(self, interval: float = 10.0) -> None:
        """Check watched files every `interval` seconds in a thread of their own."""

        def loop() -> None:
            while not self._stopping:
                try:
                    self.reload_watched()
                except Exception:
                    log.exception("hotlist watch failed")
                with self._lock:
                    self._wake.wait(interval)

        self._watcher = threading.Thread(target=loop, name="hotlist-watch", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._wake.notify_all()
        for thread in (self._builder, self._watcher):
            if thread is not None:
                thread.join(timeout=5)
