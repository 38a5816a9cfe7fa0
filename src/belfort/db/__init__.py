"""Database access: one engine per process, SQLite (WAL) by default, PostgreSQL at scale.

The same SQLAlchemy code runs on both. Tables live in the capability packages
(`belfort.auth.models`, `belfort.audit.models`, ...); this package owns the engine,
the base class, the shared column types and the Alembic migrations.
"""

from belfort.db.base import Base, UTCDateTime, new_id
from belfort.db.engine import Database

__all__ = ["Base", "Database", "UTCDateTime", "new_id"]
