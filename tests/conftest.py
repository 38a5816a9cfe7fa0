"""Shared fixtures: real databases (SQLite and PostgreSQL), services and a web client.

Tests that take `services` run once per database backend. PostgreSQL is started for
the session from a temporary folder; if it cannot start, the run fails with the reason.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services, build_services
from belfort.db import Database
from belfort.policy import PLATFORM_ROLES, Role
from belfort.policy.model import system_actor
from belfort.settings import Settings, load_settings
from belfort.timeutil import FrozenClock
from belfort.web.app import create_app
from tests.support.postgres import PostgresCluster, PostgresUnavailable

PASSWORD = "correct-horse-battery"
POLICE = "PZ Test"
CITY = "City Test"
SHOP = "Shop Test"
PLATFORM = "Platform Test"
CENTRE = "Alarm Test"
"""An alarm centre; its administrator is the user `centre`."""
TEMPLATE_DB = "belfort_template"

SYSTEM = system_actor("test-setup")

CHEAP_PASSWORD_HASHING = {
    "BELFORT_SECURITY__PASSWORD_HASH_TIME_COST": "1",
    "BELFORT_SECURITY__PASSWORD_HASH_MEMORY_KIB": "8",
    "BELFORT_SECURITY__PASSWORD_HASH_PARALLELISM": "1",
}
"""Argon2id at its lowest cost: a default hash takes 0.2 s of CPU, and every test adds a
user per role. tests/auth checks the default cost and the re-hash when it changes."""

_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        cluster.start()
        template = Database(cluster.create_database(TEMPLATE_DB))
        template.migrate()
        template.dispose()
    except PostgresUnavailable as exc:
        cluster.stop()
        pytest.fail(f"PostgreSQL could not start, so the database tests cannot run: {exc}", pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each test instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "belfort.db"
    template = Database(f"sqlite:///{path}")
    template.migrate()
    template.dispose()
    return path


def sqlite_copy(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh migrated SQLite database in the test's folder (build_services finds it at head)."""
    path = tmp_path / "belfort.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    path.chmod(0o600)  # Belfort refuses a database others may read
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_copy(request, tmp_path)
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    name = f"belfort_test_{next(_databases)}"
    yield cluster.create_database(name, template=TEMPLATE_DB)
    cluster.drop_database(name)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data", environ={"BELFORT_DATABASE__URL": database_url, **CHEAP_PASSWORD_HASHING}
    )


@pytest.fixture
def services(settings: Settings, clock: FrozenClock) -> Iterator[Services]:
    built = build_services(settings, clock=clock)
    yield built
    built.close()


@dataclass
class Population:
    """Organisations and one user per role; usernames are the role names."""

    police_id: str
    city_id: str
    shop_id: str
    centre_id: str


@pytest.fixture
def population(services: Services) -> Population:
    accounts = services.accounts
    with services.db.session() as session:
        # The population predates designations: its zone lets everyone of the wall watch live
        # (tests/staffing and the designations' browser test switch the rule on).
        police = accounts.add_organisation(session, SYSTEM, POLICE, "police_zone", live_designation_required=False)
        city = accounts.add_organisation(session, SYSTEM, CITY, "city")
        shop = accounts.add_organisation(session, SYSTEM, SHOP, "business")
        accounts.add_organisation(session, SYSTEM, PLATFORM, "other")
        centre = accounts.add_organisation(session, SYSTEM, CENTRE, "alarm_centre")
        accounts.add_user(session, SYSTEM, username="centre", role="admin", organisation=CENTRE, password=PASSWORD)
        for role in Role:
            org = SHOP if role is Role.PARTNER else PLATFORM if role in PLATFORM_ROLES else POLICE
            accounts.add_user(
                session, SYSTEM, username=role.value, role=role.value, organisation=org, password=PASSWORD
            )
        return Population(str(police.id), str(city.id), str(shop.id), str(centre.id))


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as test_client:
        yield test_client


def bearer(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
