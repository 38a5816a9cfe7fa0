"""A busy database is answered 503 with Retry-After, never 500; other database errors still are 500s.

Another connection holds the lock a request needs: SQLite's write lock (every transaction
begins IMMEDIATE), or on PostgreSQL an exclusive lock on the accounts table, which the
request waits for until `database.busy_timeout_seconds` (lock_timeout) runs out.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from belfort.app import Services
from belfort.policy import Role
from belfort.settings import Settings, load_settings
from belfort.web.app import create_app
from tests.conftest import PASSWORD, bearer

BUSY = "The database is busy; try again in 1 s."


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """A busy timeout short enough for a test; the answer rounds the wait up to 1 s."""
    environ = {"BELFORT_DATABASE__URL": database_url, "BELFORT_DATABASE__BUSY_TIMEOUT_SECONDS": "0.3"}
    return load_settings(data_dir=tmp_path / "data", environ=environ)


@contextmanager
def lock_held_elsewhere(database_url: str) -> Iterator[None]:
    """Another process's transaction, holding what sign-in needs, until the block ends."""
    if database_url.startswith("sqlite"):
        other = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.rollback()
            other.close()
        return
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as other:
        other.execute("LOCK TABLE app_user IN ACCESS EXCLUSIVE MODE")
        yield
        other.rollback()


def test_a_locked_database_answers_503_with_retry_after_then_serves_again(
    client: TestClient, population: object, database_url: str
) -> None:
    headers = bearer(client, "admin")
    login = {"username": "supervisor", "password": PASSWORD}
    with lock_held_elsewhere(database_url):
        response = client.post("/api/auth/login", json=login)
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "1" and response.json()["detail"] == BUSY
        page = client.get("/audit", headers=headers)
        assert page.status_code == 503 and page.headers["retry-after"] == "1"
        assert page.headers["content-type"].startswith("text/html") and BUSY in page.text
    assert client.post("/api/auth/login", json=login).status_code == 200


def test_no_free_connection_answers_503(services: Services, client: TestClient, population: object) -> None:
    headers = bearer(client, "platform_admin")
    held = []
    try:
        while True:
            held.append(services.db.engine.connect())
    except PoolTimeout:
        pass
    try:
        response = client.get("/api/organisations", headers=headers)
        assert response.status_code == 503 and response.headers["retry-after"] == "1"
    finally:
        for connection in held:
            connection.close()
    assert client.get("/api/organisations", headers=headers).status_code == 200


def test_any_other_database_error_is_still_a_server_error(services: Services) -> None:
    app = create_app(services)

    @app.get("/api/test/missing-table")
    def missing_table() -> None:
        with services.db.session() as session:
            session.execute(text("SELECT * FROM no_such_table"))

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/test/missing-table")
    assert response.status_code == 500 and "retry-after" not in response.headers


def test_a_reading_session_reads_beside_a_writer_and_cannot_write(
    services: Services, population: object, database_url: str
) -> None:
    """What only reads (the incident queue's push) does not queue behind a writer's lock on
    SQLite, and it sees what was committed; a write there fails at once, on both backends."""
    held = lock_held_elsewhere(database_url) if database_url.startswith("sqlite") else nullcontext()
    with held, services.db.reading() as session:
        assert session.scalar(text("SELECT count(*) FROM app_user")) == len(list(Role)) + 1
    with pytest.raises(DBAPIError, match=r"readonly|read-only"), services.db.reading() as session:
        session.execute(text("UPDATE app_user SET full_name = 'changed'"))
    with services.db.session() as session:
        assert session.scalar(text("SELECT count(*) FROM app_user WHERE full_name = 'changed'")) == 0
