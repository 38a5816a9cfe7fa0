"""video wall layouts and camera tours; the live-viewing purpose kept on a session

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import belfort.db.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wall_layout",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("layout", sa.String(length=10), nullable=False),
        sa.Column("tiles", sa.Text(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("updated_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_wall_layout_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wall_layout")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_wall_layout_user_id")),
    )
    with op.batch_alter_table("wall_layout", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wall_layout_user_id"), ["user_id"], unique=False)

    op.create_table(
        "camera_tour",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("camera_ids", sa.Text(), nullable=False),
        sa.Column("dwell_seconds", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_camera_tour_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_tour")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_camera_tour_organisation_id")),
    )
    with op.batch_alter_table("camera_tour", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_tour_organisation_id"), ["organisation_id"], unique=False)

    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_purpose_kind", sa.String(length=20), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("live_purpose_justification", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("live_purpose_legal_ref", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("live_purpose_set_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_column("live_purpose_set_at")
        batch_op.drop_column("live_purpose_legal_ref")
        batch_op.drop_column("live_purpose_justification")
        batch_op.drop_column("live_purpose_kind")

    with op.batch_alter_table("camera_tour", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_tour_organisation_id"))

    op.drop_table("camera_tour")
    with op.batch_alter_table("wall_layout", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wall_layout_user_id"))

    op.drop_table("wall_layout")
