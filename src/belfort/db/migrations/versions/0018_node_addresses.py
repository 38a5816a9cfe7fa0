"""Where each node answers, and which node writes each storage folder

- `node.address`: the URL other nodes reach this node's HTTP server at (`[node] url`);
- `storage_area.node`: the node that records into the folder, so a web node knows whom to
  ask for its segments.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("node") as batch:
        batch.add_column(sa.Column("address", sa.String(length=200), nullable=False, server_default=""))
    with op.batch_alter_table("storage_area") as batch:
        batch.add_column(sa.Column("node", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("storage_area") as batch:
        batch.drop_column("node")
    with op.batch_alter_table("node") as batch:
        batch.drop_column("address")
