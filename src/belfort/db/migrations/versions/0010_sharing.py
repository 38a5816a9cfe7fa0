"""Sharing between organisations: camera groups, grants and access requests

- `camera_group` and `camera_group_member`: named sets of cameras (hand-picked, or all of
  an area, a street or an owner), used by grants, the camera tree and the wall.
- `camera_grant`: an owner's grant to another organisation on a camera or a group, with
  rights, validity, purposes, footage range, the receiver's narrowing and its revocation.
- `access_request`: an inspector's request to an owner and the owner's answer.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import belfort.db.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "camera_group",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("rule", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_camera_group_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_group")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_camera_group_organisation_id")),
    )
    with op.batch_alter_table("camera_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_group_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "camera_grant",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("grantee_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("camera_id", sa.Uuid(), nullable=True),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("rights", sa.String(length=100), nullable=False),
        sa.Column("purposes", sa.String(length=40), nullable=False),
        sa.Column("valid_from", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("footage_from", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("footage_until", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("narrow_rights", sa.String(length=100), nullable=False),
        sa.Column("narrow_roles", sa.String(length=200), nullable=False),
        sa.Column("narrow_people", sa.Text(), nullable=False),
        sa.Column("narrowed_by", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=False),
        sa.Column("revoke_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], name=op.f("fk_camera_grant_camera_id_camera")),
        sa.ForeignKeyConstraint(
            ["grantee_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_camera_grant_grantee_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(["group_id"], ["camera_group.id"], name=op.f("fk_camera_grant_group_id_camera_group")),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_camera_grant_owner_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_grant")),
    )
    with op.batch_alter_table("camera_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_grant_camera_id"), ["camera_id"], unique=False)
        batch_op.create_index("ix_camera_grant_grantee_active", ["grantee_organisation_id", "revoked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_camera_grant_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_camera_grant_owner_organisation_id"), ["owner_organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_camera_grant_request_id"), ["request_id"], unique=False)

    op.create_table(
        "camera_group_member",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], name=op.f("fk_camera_group_member_camera_id_camera")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["camera_group.id"],
            name=op.f("fk_camera_group_member_group_id_camera_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "camera_id", name=op.f("pk_camera_group_member")),
    )
    with op.batch_alter_table("camera_group_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_group_member_camera_id"), ["camera_id"], unique=False)

    op.create_table(
        "access_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("requester_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("owner_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("cameras", sa.Text(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("rights", sa.String(length=100), nullable=False),
        sa.Column("footage_from", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("footage_until", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("case_number", sa.String(length=100), nullable=False),
        sa.Column("pv_number", sa.String(length=100), nullable=False),
        sa.Column("legal_basis_ref", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("grant_id", sa.Uuid(), nullable=True),
        sa.Column("export_ids", sa.Text(), nullable=False),
        sa.Column("requester_seen", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["camera_grant.id"], name=op.f("fk_access_request_grant_id_camera_grant")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["camera_group.id"], name=op.f("fk_access_request_group_id_camera_group")
        ),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_access_request_owner_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["app_user.id"], name=op.f("fk_access_request_requester_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["requester_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_access_request_requester_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_request")),
    )
    with op.batch_alter_table("access_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_access_request_owner_organisation_id"), ["owner_organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_access_request_requester_organisation_id"), ["requester_organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_access_request_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("access_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_request_state"))
        batch_op.drop_index(batch_op.f("ix_access_request_requester_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_access_request_owner_organisation_id"))

    op.drop_table("access_request")
    with op.batch_alter_table("camera_group_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_group_member_camera_id"))

    op.drop_table("camera_group_member")
    with op.batch_alter_table("camera_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_grant_request_id"))
        batch_op.drop_index(batch_op.f("ix_camera_grant_owner_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_camera_grant_group_id"))
        batch_op.drop_index("ix_camera_grant_grantee_active")
        batch_op.drop_index(batch_op.f("ix_camera_grant_camera_id"))

    op.drop_table("camera_grant")
    with op.batch_alter_table("camera_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_group_organisation_id"))

    op.drop_table("camera_group")
