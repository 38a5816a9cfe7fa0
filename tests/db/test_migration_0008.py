"""0008 drops the account lock columns in place: users keep their sessions and wall
layouts, which a copied-and-replaced `app_user` would take with it on SQLite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import inspect

from belfort.db import Database, UTCDateTime
from tests.db.test_migrations import empty_database, upgrade

__all__ = ["empty_database"]

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

organisation = sa.table(
    "organisation",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("created_at", UTCDateTime()),
)
app_user = sa.table(
    "app_user",
    sa.column("id", sa.Uuid()),
    sa.column("username", sa.String()),
    sa.column("full_name", sa.String()),
    sa.column("role", sa.String()),
    sa.column("organisation_id", sa.Uuid()),
    sa.column("password_hash", sa.String()),
    sa.column("active", sa.Boolean()),
    sa.column("failed_logins", sa.Integer()),
    sa.column("locked_until", UTCDateTime()),
    sa.column("created_at", UTCDateTime()),
)
user_session = sa.table(
    "user_session",
    sa.column("id", sa.Uuid()),
    sa.column("token_hash", sa.String()),
    sa.column("user_id", sa.Uuid()),
    sa.column("kind", sa.String()),
    sa.column("csrf_token", sa.String()),
    sa.column("created_at", UTCDateTime()),
    sa.column("expires_at", UTCDateTime()),
)
wall_layout = sa.table(
    "wall_layout",
    sa.column("id", sa.Uuid()),
    sa.column("user_id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("layout", sa.String()),
    sa.column("tiles", sa.Text()),
    sa.column("is_default", sa.Boolean()),
    sa.column("updated_at", UTCDateTime()),
)


def test_0008_keeps_users_with_their_sessions_and_wall_layouts(empty_database: str) -> None:
    database = Database(empty_database)
    upgrade(database, "0007")
    org_id, user_id = uuid.uuid4(), uuid.uuid4()
    with database.engine.begin() as connection:
        connection.execute(sa.insert(organisation).values(id=org_id, name="PZ", kind="police_zone", created_at=NOW))
        connection.execute(
            sa.insert(app_user).values(
                id=user_id,
                username="marie",
                full_name="",
                role="operator",
                organisation_id=org_id,
                password_hash="$argon2id$x",
                active=True,
                failed_logins=5,
                locked_until=NOW,
                created_at=NOW,
            )
        )
        connection.execute(
            sa.insert(user_session).values(
                id=uuid.uuid4(),
                token_hash="a" * 64,
                user_id=user_id,
                kind="web",
                csrf_token="c",
                created_at=NOW,
                expires_at=NOW,
            )
        )
        connection.execute(
            sa.insert(wall_layout).values(
                id=uuid.uuid4(), user_id=user_id, name="main", layout="2x2", tiles="[]", is_default=True, updated_at=NOW
            )
        )

    upgrade(database, "head")

    with database.engine.connect() as connection:
        counts = [
            connection.execute(sa.select(sa.func.count()).select_from(t)).scalar()
            for t in (app_user, user_session, wall_layout)
        ]
    columns = {column["name"] for column in inspect(database.engine).get_columns("app_user")}
    database.dispose()
    assert counts == [1, 1, 1]
    assert "failed_logins" not in columns and "locked_until" not in columns
