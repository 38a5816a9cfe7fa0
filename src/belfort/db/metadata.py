"""Every table of Belfort, gathered for migrations and schema checks.

A capability that adds tables imports its models module here.
"""

from belfort.audit import models as _audit_models  # noqa: F401
from belfort.auth import models as _auth_models  # noqa: F401
from belfort.db.base import Base

target_metadata = Base.metadata
