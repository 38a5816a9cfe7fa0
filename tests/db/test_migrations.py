"""Migrations that change rows already stored, run on a database holding some.

A site upgrades in place: a migration that adds a derived column must fill it for the
rows already there, on both backends (SQLite has no reverse(), so 0006 fills the reversed
plate itself, a batch at a time).
"""

from __future__ import annotations

import itertools

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from belfort.db import Database
from belfort.db.engine import MIGRATIONS_DIR
from tests.support.postgres import PostgresCluster

_names = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/belfort.db"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.create_database(f"belfort_migration_{next(_names)}")


def upgrade(database: Database, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_0006_fills_the_reversed_plate_of_the_plates_already_seen(empty_database: str) -> None:
    database = Database(empty_database)
    upgrade(database, "0005")
    plates = [f"{n:06d}AB" for n in range(120_001)]  # more than two of SQLite's batches of 50,000
    with database.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO anpr_plate (plate, last_seen) VALUES (:plate, '2026-11-30 10:00:00')"),
            [{"plate": plate} for plate in plates],
        )

    upgrade(database, "head")

    with database.engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT plate, plate_reversed FROM anpr_plate")).all())
    assert stored == {plate: plate[::-1] for plate in plates}
    indexes = {index["name"] for index in inspect(database.engine).get_indexes("anpr_plate")}
    assert "ix_anpr_plate_reversed" in indexes
    if database.dialect == "postgresql":
        assert "ix_anpr_plate_trigrams" in indexes
    database.dispose()


MIGRATION_ONLY = {"ix_anpr_plate_trigrams"}
"""Indexes a migration creates only where the database can (pg_trgm on PostgreSQL): no model declares them."""


def test_the_migrated_schema_is_the_models_schema(empty_database: str) -> None:
    """Every table, column and index the models declare is what the migrations create, so a
    model changed without its migration (or the reverse) fails here rather than on a site."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from belfort.db.metadata import target_metadata

    database = Database(empty_database)
    upgrade(database, "head")
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [
            change
            for change in compare_metadata(context, target_metadata)
            if not (isinstance(change, tuple) and change[0] == "remove_table" and change[1].name == "alembic_version")
            and not (isinstance(change, tuple) and change[0] == "remove_index" and change[1].name in MIGRATION_ONLY)
        ]
    database.dispose()
    assert differences == []
