"""The nodes of a platform and their heartbeats

- `node`: one row per Belfort process (its name, roles, capacity, version), updated by its
  heartbeat with the cameras it records and the room left in its storage.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import belfort.db.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "node",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("roles", sa.String(length=100), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("started_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cameras_recording", sa.Integer(), nullable=False),
        sa.Column("cameras_online", sa.Integer(), nullable=False),
        sa.Column("storage_used_bytes", sa.BigInteger(), nullable=False),
        sa.Column("storage_free_bytes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_node")),
    )


def downgrade() -> None:
    op.drop_table("node")
