"""Trust: camera credentials apart from the URL, hotlist generations and versions, hit
series, and the purpose of an evidence hold

- `camera.username` and `camera.password_enc`: credentials leave the stream URLs. The
  password is encrypted with the site's credentials key (`<data>/keys/`), which this
  migration cannot reach: `CameraService.move_credentials` moves what the URLs still
  hold at the next start.
- `anpr_hotlist.generation` and `anpr_hotlist_entry.generation`: an import writes a new
  generation in short transactions and switches the list to it at once, so a million
  lines never hold the database's write lock for long.
- `anpr_hotlist_version`: one counter per organisation, raised with every change to its
  hotlists, so the matcher can tell which build is the newest.
- `anpr_hit.series_id`, `repeats`, `last_ts`: repeated hits of one plate on one entry
  form a series shown as one.
- `evidence_hold.purpose` and `legal_basis_ref`: an administrative hold keeps footage no
  longer than the law allows for the camera; a judicial one until it is lifted. Holds
  placed before this revision keep being kept until lifted (judicial).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import belfort.db.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("password_enc", sa.Text(), server_default="", nullable=False))

    with op.batch_alter_table("anpr_hotlist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("generation", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("anpr_hotlist_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("generation", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index("ix_anpr_hotlist_entry_generation", ["hotlist_id", "generation"], unique=False)
    op.create_table(
        "anpr_hotlist_version",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_anpr_hotlist_version_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_anpr_hotlist_version")),
    )

    with op.batch_alter_table("anpr_hit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("repeats", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_ts", belfort.db.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_anpr_hit_org_plate", ["organisation_id", "plate", "created_at"], unique=False)

    with op.batch_alter_table("evidence_hold", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=20), server_default="judicial", nullable=False))
        batch_op.add_column(sa.Column("legal_basis_ref", sa.String(length=200), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("evidence_hold", schema=None) as batch_op:
        batch_op.drop_column("legal_basis_ref")
        batch_op.drop_column("purpose")
    with op.batch_alter_table("anpr_hit", schema=None) as batch_op:
        batch_op.drop_index("ix_anpr_hit_org_plate")
        batch_op.drop_column("last_ts")
        batch_op.drop_column("repeats")
        batch_op.drop_column("series_id")
    op.drop_table("anpr_hotlist_version")
    with op.batch_alter_table("anpr_hotlist_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_anpr_hotlist_entry_generation")
        batch_op.drop_column("generation")
    with op.batch_alter_table("anpr_hotlist", schema=None) as batch_op:
        batch_op.drop_column("generation")
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.drop_column("password_enc")
        batch_op.drop_column("username")
