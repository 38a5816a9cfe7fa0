"""Each person's language, and a password an administrator reset

- `app_user.language`: nl, fr, de or en as the person chose; empty means the browser's
  language, then the site's.
- `app_user.must_change_password`: an administrator reset the password; the next sign-in
  must choose a new one before any page opens.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of the table would, on SQLite, cascade-delete the
    # users' sessions and wall layouts.
    op.add_column("app_user", sa.Column("language", sa.String(length=8), nullable=False, server_default=""))
    op.add_column(
        "app_user", sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("must_change_password")
        batch.drop_column("language")
