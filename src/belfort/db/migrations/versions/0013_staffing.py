"""Designations to watch live, shifts and the team chief on duty

- `organisation.live_designation_required`: only people the chief designated watch live.
  Off for the organisations already there (their control rooms keep watching until their
  administrator has entered the designations and switches it on).
- `live_designation`: a person designated to watch live, trained when, until which day,
  a security guard's supervising inspector, and its revocation; never edited.
- `staff_shift`: a person's planned shift, the team chief's marked; cancelled, not deleted.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import belfort.db.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "organisation",
        sa.Column("live_designation_required", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "live_designation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("trained_on", sa.Date(), nullable=False),
        sa.Column("training", sa.String(length=200), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("supervisor_id", sa.Uuid(), nullable=True),
        sa.Column("designated_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("designated_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=False),
        sa.Column("revoke_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_live_designation_organisation_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"], ["app_user.id"], name=op.f("fk_live_designation_supervisor_id_app_user")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_live_designation_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_designation")),
    )
    with op.batch_alter_table("live_designation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_designation_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_live_designation_user_id"), ["user_id"], unique=False)

    op.create_table(
        "staff_shift",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("team_chief", sa.Boolean(), nullable=False),
        sa.Column("created_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("cancelled_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_staff_shift_organisation_id_organisation")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_staff_shift_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_shift")),
    )
    with op.batch_alter_table("staff_shift", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_shift_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_shift_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_shift_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_shift", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_shift_user_id"))
        batch_op.drop_index(batch_op.f("ix_staff_shift_starts_at"))
        batch_op.drop_index(batch_op.f("ix_staff_shift_organisation_id"))
    op.drop_table("staff_shift")
    with op.batch_alter_table("live_designation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_designation_user_id"))
        batch_op.drop_index(batch_op.f("ix_live_designation_organisation_id"))
    op.drop_table("live_designation")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("live_designation_required")
