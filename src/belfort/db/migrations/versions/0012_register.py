"""The public register (cameras marked public, each organisation's transparency entry)

- `camera_publication`: whether a camera is listed in the public register, with the
  municipality it films in and its purpose in public words (no row: not listed).
- `transparency_profile`: an organisation's public entry: its page's slug, public name,
  DPO contact, legal basis per regime, pictogram text and website.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import belfort.db.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "camera_publication",
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("municipality", sa.String(length=120), nullable=False),
        sa.Column("purpose", sa.String(length=120), nullable=False),
        sa.Column("updated_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], name=op.f("fk_camera_publication_camera_id_camera")),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_camera_publication")),
    )
    with op.batch_alter_table("camera_publication", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_publication_public"), ["public"], unique=False)

    op.create_table(
        "transparency_profile",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("public_name", sa.String(length=200), nullable=False),
        sa.Column("dpo_name", sa.String(length=200), nullable=False),
        sa.Column("dpo_email", sa.String(length=254), nullable=False),
        sa.Column("dpo_phone", sa.String(length=40), nullable=False),
        sa.Column("dpo_address", sa.String(length=300), nullable=False),
        sa.Column("legal_basis_police", sa.Text(), nullable=False),
        sa.Column("legal_basis_camera_law", sa.Text(), nullable=False),
        sa.Column("pictogram", sa.Text(), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("updated_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_transparency_profile_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_transparency_profile")),
        sa.UniqueConstraint("slug", name=op.f("uq_transparency_profile_slug")),
    )


def downgrade() -> None:
    op.drop_table("transparency_profile")
    with op.batch_alter_table("camera_publication", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_publication_public"))
    op.drop_table("camera_publication")
