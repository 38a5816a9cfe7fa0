"""Judicial authorisations and drone missions

- `judicial_authorisation`: a prosecutor's decision or an investigating judge's order,
  registered once by the organisation whose case it is (unique reference per organisation),
  with its date, magistrate, case, footage range, expiry and revocation.
- `judicial_authorisation_camera`: the cameras an authorisation names (none when it covers
  every camera the organisation may consult).
- `drone_mission`: each drone flight with its regime, officers, purpose, proportionality
  and subsidiarity, area, take-off and landing, and the drone (a camera of kind drone).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import belfort.db.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "judicial_authorisation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("magistrate", sa.String(length=200), nullable=False),
        sa.Column("case_number", sa.String(length=100), nullable=False),
        sa.Column("all_cameras", sa.Boolean(), nullable=False),
        sa.Column("footage_from", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("footage_until", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column("registered_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=False),
        sa.Column("revoke_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_judicial_authorisation_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judicial_authorisation")),
        sa.UniqueConstraint("organisation_id", "reference", name=op.f("uq_judicial_authorisation_organisation_id")),
    )
    with op.batch_alter_table("judicial_authorisation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_judicial_authorisation_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "judicial_authorisation_camera",
        sa.Column("authorisation_id", sa.Uuid(), nullable=False),
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["authorisation_id"],
            ["judicial_authorisation.id"],
            name=op.f("fk_judicial_authorisation_camera_authorisation_id_judicial_authorisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["camera.id"], name=op.f("fk_judicial_authorisation_camera_camera_id_camera")
        ),
        sa.PrimaryKeyConstraint("authorisation_id", "camera_id", name=op.f("pk_judicial_authorisation_camera")),
    )
    with op.batch_alter_table("judicial_authorisation_camera", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_judicial_authorisation_camera_camera_id"), ["camera_id"], unique=False)

    op.create_table(
        "drone_mission",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("regime", sa.String(length=20), nullable=False),
        sa.Column("authorisation_id", sa.Uuid(), nullable=True),
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("requesting_officer", sa.String(length=200), nullable=False),
        sa.Column("responsible_officer", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("proportionality", sa.Text(), nullable=False),
        sa.Column("subsidiarity", sa.Text(), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=False),
        sa.Column("started_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("logged_by", sa.String(length=200), nullable=False),
        sa.Column("logged_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authorisation_id"],
            ["judicial_authorisation.id"],
            name=op.f("fk_drone_mission_authorisation_id_judicial_authorisation"),
        ),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], name=op.f("fk_drone_mission_camera_id_camera")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_drone_mission_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drone_mission")),
    )
    with op.batch_alter_table("drone_mission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drone_mission_authorisation_id"), ["authorisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_drone_mission_camera_id"), ["camera_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_drone_mission_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_drone_mission_started_at"), ["started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("drone_mission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drone_mission_started_at"))
        batch_op.drop_index(batch_op.f("ix_drone_mission_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_drone_mission_camera_id"))
        batch_op.drop_index(batch_op.f("ix_drone_mission_authorisation_id"))
    op.drop_table("drone_mission")
    with op.batch_alter_table("judicial_authorisation_camera", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_judicial_authorisation_camera_camera_id"))
    op.drop_table("judicial_authorisation_camera")
    with op.batch_alter_table("judicial_authorisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_judicial_authorisation_organisation_id"))
    op.drop_table("judicial_authorisation")
