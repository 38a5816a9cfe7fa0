"""Sign-in throttling replaces the account lock

- `login_throttle`: failed sign-ins per client address and per (typed name, address),
  keyed by a SHA-256, with until when further attempts must wait. An outsider's failures
  slow down the outsider, never the account's owner signing in from elsewhere.
- `app_user.failed_logins` and `locked_until` go: any stranger could set them, locking
  any account for everyone. Locks running at upgrade time are dropped with them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import belfort.db.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", belfort.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_login_throttle_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_login_throttle")),
    )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttle_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_throttle_blocked_until"), ["blocked_until"], unique=False)

    # Not in batch mode: on SQLite that copies the table, and dropping the old copy would
    # cascade to every session and wall layout that refers to a user. SQLite (3.35 and
    # newer) and PostgreSQL both drop a plain column in place.
    op.drop_column("app_user", "locked_until")
    op.drop_column("app_user", "failed_logins")


def downgrade() -> None:
    op.add_column("app_user", sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
    op.add_column("app_user", sa.Column("locked_until", belfort.db.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttle_blocked_until"))
        batch_op.drop_index(batch_op.f("ix_login_throttle_user_id"))
    op.drop_table("login_throttle")
