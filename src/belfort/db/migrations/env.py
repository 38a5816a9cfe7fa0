"""Alembic environment: runs migrations on the connection `Database.migrate` hands over.

Migrations are never edited after they land; a schema change is a new revision.
"""

from __future__ import annotations

from alembic import context

from belfort.db.metadata import target_metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `belfort migrate` (Database.migrate), not the alembic command")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
