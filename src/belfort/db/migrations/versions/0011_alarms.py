"""Alarms and Live View: premises, consents, incidents, the receiver's log; motion settings

- `alarm_premises`: a subscriber's premises under an alarm centre, its DC-09 prefix, account,
  sealed key and supervision interval, and the police zone that intervenes there.
- `alarm_consent`: a camera owner's consent to forward one camera on an alarm (live, pre-alarm).
- `incident`, `incident_entry`, `incident_grant`: what the police zone (or the owner, for motion)
  handles, its timeline and the time-boxed grants it opened.
- `alarm_receipt`, `alarm_fault`: what the receiver got and answered; missing supervision polls.
- `camera.motion_*`: motion detection on a camera's sub-stream (on/off, sensitivity, zones).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 06:09:34.785057
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import belfort.db.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alarm_premises",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("centre_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("police_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("subscriber", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("municipality", sa.String(length=120), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("zones", sa.Text(), nullable=False),
        sa.Column("prefix", sa.String(length=6), nullable=False),
        sa.Column("account", sa.String(length=16), nullable=False),
        sa.Column("key_sealed", sa.Text(), nullable=False),
        sa.Column("key_bits", sa.Integer(), nullable=False),
        sa.Column("key_fingerprint", sa.String(length=16), nullable=False),
        sa.Column("supervision_seconds", sa.Integer(), nullable=False),
        sa.Column("live_minutes", sa.Integer(), nullable=False),
        sa.Column("prealarm_seconds", sa.Integer(), nullable=False),
        sa.Column("last_message_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("fault_since", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["centre_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_alarm_premises_centre_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["police_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_alarm_premises_police_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarm_premises")),
        sa.UniqueConstraint("prefix", "account", name=op.f("uq_alarm_premises_prefix")),
    )
    with op.batch_alter_table("alarm_premises", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alarm_premises_centre_organisation_id"), ["centre_organisation_id"], unique=False
        )

    op.create_table(
        "alarm_consent",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("premises_id", sa.Uuid(), nullable=False),
        sa.Column("camera_id", sa.Uuid(), nullable=False),
        sa.Column("owner_organisation_id", sa.Uuid(), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("prealarm", sa.Boolean(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("given_by", sa.String(length=200), nullable=False),
        sa.Column("given_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=200), nullable=False),
        sa.Column("withdraw_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], name=op.f("fk_alarm_consent_camera_id_camera")),
        sa.ForeignKeyConstraint(
            ["owner_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_alarm_consent_owner_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"], ["alarm_premises.id"], name=op.f("fk_alarm_consent_premises_id_alarm_premises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarm_consent")),
    )
    with op.batch_alter_table("alarm_consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alarm_consent_camera_id"), ["camera_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alarm_consent_premises_id"), ["premises_id"], unique=False)

    op.create_table(
        "alarm_fault",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("premises_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["premises_id"], ["alarm_premises.id"], name=op.f("fk_alarm_fault_premises_id_alarm_premises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarm_fault")),
    )
    with op.batch_alter_table("alarm_fault", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alarm_fault_premises_id"), ["premises_id"], unique=False)

    op.create_table(
        "alarm_receipt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("transport", sa.String(length=8), nullable=False),
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("premises_id", sa.Uuid(), nullable=True),
        sa.Column("account", sa.String(length=24), nullable=False),
        sa.Column("token", sa.String(length=12), nullable=False),
        sa.Column("seq", sa.String(length=4), nullable=False),
        sa.Column("codes", sa.String(length=200), nullable=False),
        sa.Column("reply", sa.String(length=4), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("duplicate", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["premises_id"], ["alarm_premises.id"], name=op.f("fk_alarm_receipt_premises_id_alarm_premises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alarm_receipt")),
    )
    with op.batch_alter_table("alarm_receipt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alarm_receipt_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alarm_receipt_premises_id"), ["premises_id"], unique=False)

    op.create_table(
        "incident",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("premises_id", sa.Uuid(), nullable=True),
        sa.Column("camera_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("zone", sa.String(length=16), nullable=False),
        sa.Column("zone_name", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("alarm_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("live_until", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=False),
        sa.Column("acknowledged_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("restored_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=False),
        sa.Column("closed_at", belfort.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], name=op.f("fk_incident_camera_id_camera")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_incident_organisation_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"], ["alarm_premises.id"], name=op.f("fk_incident_premises_id_alarm_premises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("number", name=op.f("uq_incident_number")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_premises_id"), ["premises_id"], unique=False)
        batch_op.create_index("ix_incident_queue", ["organisation_id", "state", "opened_at"], unique=False)

    op.create_table(
        "incident_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("at", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_incident_entry_incident_id_incident")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_entry")),
    )
    with op.batch_alter_table("incident_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_entry_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "incident_grant",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("grant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["camera_grant.id"], name=op.f("fk_incident_grant_grant_id_camera_grant")
        ),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], name=op.f("fk_incident_grant_incident_id_incident")),
        sa.PrimaryKeyConstraint("incident_id", "grant_id", name=op.f("pk_incident_grant")),
    )
    with op.batch_alter_table("incident_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_grant_grant_id"), ["grant_id"], unique=False)

    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.add_column(sa.Column("motion_enabled", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("motion_sensitivity", sa.Integer(), server_default="50", nullable=False))
        batch_op.add_column(sa.Column("motion_zones", sa.Text(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.drop_column("motion_zones")
        batch_op.drop_column("motion_sensitivity")
        batch_op.drop_column("motion_enabled")

    with op.batch_alter_table("incident_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_grant_grant_id"))

    op.drop_table("incident_grant")
    with op.batch_alter_table("incident_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_entry_incident_id"))

    op.drop_table("incident_entry")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_queue")
        batch_op.drop_index(batch_op.f("ix_incident_premises_id"))

    op.drop_table("incident")
    with op.batch_alter_table("alarm_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alarm_receipt_premises_id"))
        batch_op.drop_index(batch_op.f("ix_alarm_receipt_at"))

    op.drop_table("alarm_receipt")
    with op.batch_alter_table("alarm_fault", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alarm_fault_premises_id"))

    op.drop_table("alarm_fault")
    with op.batch_alter_table("alarm_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alarm_consent_premises_id"))
        batch_op.drop_index(batch_op.f("ix_alarm_consent_camera_id"))

    op.drop_table("alarm_consent")
    with op.batch_alter_table("alarm_premises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alarm_premises_centre_organisation_id"))

    op.drop_table("alarm_premises")
