"""The engine, sessions and start-up migration.

SQLite runs in WAL mode and every transaction begins IMMEDIATE: nearly every request
that looks at something also appends to the audit chain, so taking the write lock up
front avoids the deadlock-prone upgrade from reader to writer. PostgreSQL needs no
such help: the audit head row is locked with `SELECT ... FOR UPDATE` style updates.
What only reads and records nothing (a queue's push of an incident it already authorised)
takes a `reading()` session instead: on SQLite a second engine whose transactions begin
DEFERRED on a `query_only` connection, so it reads beside the writer under WAL and never
queues for the write lock; on PostgreSQL a READ ONLY transaction. A write there fails at once.

A lock held by another is waited for `busy_timeout` seconds at most (SQLite's busy
timeout, PostgreSQL's lock_timeout), and so is a free connection; then the error is one
that `is_busy` recognises, and the web app answers 503 rather than 500. On PostgreSQL a
migration waits as long as its locks take.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from belfort.errors import Refusal

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DEFAULT_BUSY_TIMEOUT = 5.0
BUSY_SQLSTATES = frozenset(
    {
        "55P03",  # lock_not_available: lock_timeout (or NOWAIT) ran out
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "53300",  # too_many_connections
        "57P03",  # cannot_connect_now: the server is starting or shutting down
    }
)
BUSY_SQLITE_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def is_busy(error: BaseException) -> bool:
    """Whether a database error means that another holds what was needed (a lock, every
    connection) so that the same request may well succeed a moment later."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    cause = error.orig
    if getattr(cause, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    code = getattr(cause, "sqlite_errorcode", None)
    return isinstance(cause, sqlite3.OperationalError) and code is not None and (code & 0xFF) in BUSY_SQLITE_CODES


def sqlite_file(url: str) -> Path | None:
    """The database file of an SQLite URL; None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_engine(url: str, echo: bool, busy_timeout: float, reader: bool = False) -> Engine:
    """The writers' engine, whose transactions begin IMMEDIATE, or with `reader` the readers'
    one: `query_only` connections whose transactions begin DEFERRED (a snapshot of what is
    committed, no lock)."""
    engine = create_engine(url, echo=echo, pool_timeout=busy_timeout, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if reader:
            cursor.execute("PRAGMA query_only=ON")
        else:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")

    return engine


def _configure_postgresql(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {round(busy_timeout * 1000)}")
        dbapi_connection.commit()


class Database:
    """Owns the engine; hands out sessions whose transaction commits on success."""

    def __init__(self, url: str, echo: bool = False, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.url = url
        if url.startswith("sqlite"):
            path = sqlite_file(url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            self.engine = _sqlite_engine(url, echo, busy_timeout)
            self._reader = _sqlite_engine(url, echo, busy_timeout, reader=True)
        else:
            self.engine = create_engine(
                url,
                echo=echo,
                pool_pre_ping=True,
                pool_size=10,
                max_overflow=20,
                pool_timeout=busy_timeout,
            )
            _configure_postgresql(self.engine, busy_timeout)
            self._reader = self.engine
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readings = sessionmaker(self._reader, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest migration; safe to call on every start."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        logging.getLogger("alembic").setLevel(logging.WARNING)
        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends normally or with a Refusal
        (so refusals stay audited), rolled back on any other error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except Refusal:
            session.commit()
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads: it never waits for a writer on SQLite, and whatever it
        did is rolled back at the end (nothing it could record would be kept)."""
        session = self._readings()
        try:
            if self._reader is self.engine:  # PostgreSQL: the same pool, a read-only transaction
                session.execute(text("SET TRANSACTION READ ONLY"))
            yield session
        finally:
            session.rollback()
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
        if self._reader is not self.engine:
            self._reader.dispose()
