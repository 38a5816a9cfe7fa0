"""Who-did-it columns as wide as the audit's actor name

`anpr_hotlist.updated_by`, `anpr_hit.handled_by` and `camera_tour.created_by` were narrower
(100 and 64) than the names of the actors that write them: a token's actor is `token:` and a
name of up to 100, and a watched hotlist file reloads as `hotlist file <path>`. PostgreSQL
refused the longer names, so a watched file in a deep folder was never reloaded.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("anpr_hotlist", "updated_by", 100), ("anpr_hit", "handled_by", 100), ("camera_tour", "created_by", 64))


def upgrade() -> None:
    for table, column, width in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(length=200), existing_type=sa.String(length=width))


def downgrade() -> None:
    for table, column, width in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(length=width), existing_type=sa.String(length=200))
