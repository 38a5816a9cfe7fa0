"""The register of processing activities and data-subject requests

- `processing_register_edit`: the DPO's edits of the register's free-text parts, append-only
  (who, when, the text before and after); the newest edit of a part is its text.
- `camera_declaration`: a camera's declaration to the police services under the camera law
  and the day it was last validated.
- `subject_request`: a person's request for the footage of themselves, from receipt to answer.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import belfort.db.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processing_register_edit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("section", sa.String(length=40), nullable=False),
        sa.Column("old_text", sa.Text(), nullable=False),
        sa.Column("new_text", sa.Text(), nullable=False),
        sa.Column("edited_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("edited_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_processing_register_edit_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_register_edit")),
    )
    with op.batch_alter_table("processing_register_edit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_processing_register_edit_org_section", ["organisation_id", "section", "edited_at"], unique=False
        )

    op.create_table(
        "camera_declaration",
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("validated_on", sa.Date(), nullable=False),
        sa.Column("updated_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], name=op.f("fk_camera_declaration_camera_id_camera")),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_camera_declaration")),
    )

    op.create_table(
        "subject_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("requester_contact", sa.String(length=300), nullable=False),
        sa.Column("identity_check", sa.Text(), nullable=False),
        sa.Column("identity_checked_by", sa.String(length=200), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("period_start", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("cameras", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=False),
        sa.Column("extended_on", sa.Date(), nullable=True),
        sa.Column("export_ids", sa.Text(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("sent", sa.Text(), nullable=False),
        sa.Column("created_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_subject_request_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_request")),
        sa.UniqueConstraint("organisation_id", "reference", name=op.f("uq_subject_request_organisation_id")),
    )
    with op.batch_alter_table("subject_request", schema=None) as batch_op:
        batch_op.create_index("ix_subject_request_org_received", ["organisation_id", "received_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_subject_request_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("subject_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_request_status"))
        batch_op.drop_index("ix_subject_request_org_received")
    op.drop_table("subject_request")
    op.drop_table("camera_declaration")
    with op.batch_alter_table("processing_register_edit", schema=None) as batch_op:
        batch_op.drop_index("ix_processing_register_edit_org_section")
    op.drop_table("processing_register_edit")
