"""ANPR: plate reads, the plates seen, hotlists, hits and speed sections

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:48:40.355057
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import belfort.db.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "anpr_plate",
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("last_seen", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plate", name=op.f("pk_anpr_plate")),
    )
    op.create_table(
        "anpr_hit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("read_id", sa.Uuid(), nullable=True),
        sa.Column("ts", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("display", sa.String(length=24), nullable=False),
        sa.Column("camera_id", sa.Uuid(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("hotlist", sa.String(length=100), nullable=False),
        sa.Column("pattern", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("handled_by", sa.String(length=100), nullable=False),
        sa.Column("handled_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_anpr_hit_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anpr_hit")),
    )
    with op.batch_alter_table("anpr_hit", schema=None) as batch_op:
        batch_op.create_index("ix_anpr_hit_org_created", ["organisation_id", "created_at"], unique=False)

    op.create_table(
        "anpr_hotlist",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("watch_path", sa.Text(), nullable=False),
        sa.Column("watch_mtime", sa.Float(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("updated_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_anpr_hotlist_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anpr_hotlist")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_anpr_hotlist_organisation_id")),
    )
    op.create_table(
        "anpr_hotlist_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("hotlist_id", sa.Uuid(), nullable=False),
        sa.Column("pattern", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("valid_until", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["hotlist_id"],
            ["anpr_hotlist.id"],
            name=op.f("fk_anpr_hotlist_entry_hotlist_id_anpr_hotlist"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anpr_hotlist_entry")),
    )
    with op.batch_alter_table("anpr_hotlist_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_anpr_hotlist_entry_hotlist_id"), ["hotlist_id"], unique=False)

    op.create_table(
        "anpr_read",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("client_read_id", sa.String(length=100), nullable=True),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("camera_id", sa.Uuid(), nullable=True),
        sa.Column("ts", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("plate_reversed", sa.String(length=16), nullable=False),
        sa.Column("plate_key", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("display", sa.String(length=24), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("candidates", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("heading", sa.Float(), nullable=True),
        sa.Column("crop_path", sa.String(length=200), nullable=False),
        sa.Column("overview_path", sa.String(length=200), nullable=False),
        sa.Column("received_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], name=op.f("fk_anpr_read_camera_id_camera")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_anpr_read_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anpr_read")),
        sa.UniqueConstraint("source", "client_read_id", name=op.f("uq_anpr_read_source")),
    )
    with op.batch_alter_table("anpr_read", schema=None) as batch_op:
        batch_op.create_index("ix_anpr_read_camera_ts", ["camera_id", "ts"], unique=False)
        batch_op.create_index("ix_anpr_read_key_ts", ["plate_key", "ts"], unique=False)
        batch_op.create_index("ix_anpr_read_plate_ts", ["plate", "ts"], unique=False)
        batch_op.create_index("ix_anpr_read_reversed", ["plate_reversed"], unique=False)
        batch_op.create_index("ix_anpr_read_ts", ["ts"], unique=False)

    op.create_table(
        "anpr_section",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("entry_camera_id", sa.Uuid(), nullable=False),
        sa.Column("exit_camera_id", sa.Uuid(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("limit_kmh", sa.Float(), nullable=False),
        sa.Column("created_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_camera_id"], ["camera.id"], name=op.f("fk_anpr_section_entry_camera_id_camera")
        ),
        sa.ForeignKeyConstraint(["exit_camera_id"], ["camera.id"], name=op.f("fk_anpr_section_exit_camera_id_camera")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_anpr_section_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anpr_section")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_anpr_section_organisation_id")),
    )


def downgrade() -> None:
    op.drop_table("anpr_section")
    with op.batch_alter_table("anpr_read", schema=None) as batch_op:
        batch_op.drop_index("ix_anpr_read_ts")
        batch_op.drop_index("ix_anpr_read_reversed")
        batch_op.drop_index("ix_anpr_read_plate_ts")
        batch_op.drop_index("ix_anpr_read_key_ts")
        batch_op.drop_index("ix_anpr_read_camera_ts")

    op.drop_table("anpr_read")
    with op.batch_alter_table("anpr_hotlist_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anpr_hotlist_entry_hotlist_id"))

    op.drop_table("anpr_hotlist_entry")
    op.drop_table("anpr_hotlist")
    with op.batch_alter_table("anpr_hit", schema=None) as batch_op:
        batch_op.drop_index("ix_anpr_hit_org_created")

    op.drop_table("anpr_hit")
    op.drop_table("anpr_plate")
