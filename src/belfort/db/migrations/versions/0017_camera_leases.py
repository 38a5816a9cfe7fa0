"""Which node records which camera

- `camera_lease`: one row per camera; the node holding it, until when, and the epoch that
  fences a node which lost its hold.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import belfort.db.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "camera_lease",
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("acquired_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("renewed_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("written_until", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_camera_lease")),
    )
    op.create_index(op.f("ix_camera_lease_node"), "camera_lease", ["node"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_camera_lease_node"), table_name="camera_lease")
    op.drop_table("camera_lease")
