"""ANPR: find distinct plates by their reversed plate and, on PostgreSQL, by trigrams

A plate pattern without a literal start or end is first resolved among the distinct
plates. At ten million of them a scan takes about half a second on PostgreSQL (a few
hundred milliseconds at two million on SQLite), so: the reversed plate, indexed, answers
a pattern whose literal comes before one `?` at the end (`*23?`) by 36 ranges; pg_trgm's
GIN index answers a pattern holding three literal characters in a row (`*BC2*`). The
extension is trusted (an owner of the database may create it); where it cannot be
created the trigram index is left out and such patterns scan as before.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:10:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("belfort.db")
BATCH = 50_000


def upgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table("anpr_plate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plate_reversed", sa.String(length=16), server_default="", nullable=False))
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("UPDATE anpr_plate SET plate_reversed = reverse(plate)"))
    else:
        _reverse_in_batches(connection)
    with op.batch_alter_table("anpr_plate", schema=None) as batch_op:
        batch_op.create_index("ix_anpr_plate_reversed", ["plate_reversed"], unique=False)
    if connection.dialect.name == "postgresql":
        _trigram_index(connection)


def _reverse_in_batches(connection: sa.Connection) -> None:
    """SQLite has no reverse(): the plates are read and written back a batch at a time."""
    last = ""
    while True:
        plates = (
            connection.execute(
                sa.text("SELECT plate FROM anpr_plate WHERE plate > :last ORDER BY plate LIMIT :batch"),
                {"last": last, "batch": BATCH},
            )
            .scalars()
            .all()
        )
        if not plates:
            return
        connection.execute(
            sa.text("UPDATE anpr_plate SET plate_reversed = :reversed WHERE plate = :plate"),
            [{"plate": plate, "reversed": plate[::-1]} for plate in plates],
        )
        last = plates[-1]


def _trigram_index(connection: sa.Connection) -> None:
    try:
        with connection.begin_nested():
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm cannot be created (%s): plate patterns open at both ends will scan", exc.orig)
        return
    connection.execute(
        sa.text("CREATE INDEX IF NOT EXISTS ix_anpr_plate_trigrams ON anpr_plate USING gin (plate gin_trgm_ops)")
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_anpr_plate_trigrams")
    with op.batch_alter_table("anpr_plate", schema=None) as batch_op:
        batch_op.drop_index("ix_anpr_plate_reversed")
        batch_op.drop_column("plate_reversed")
