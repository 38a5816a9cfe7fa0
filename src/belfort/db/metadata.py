"""Every table of Belfort, gathered for migrations and schema checks.

A capability that adds tables imports its models module here.
"""

from belfort.alarms import models as _alarm_models  # noqa: F401
from belfort.anpr import models as _anpr_models  # noqa: F401
from belfort.audit import models as _audit_models  # noqa: F401
from belfort.auth import models as _auth_models  # noqa: F401
from belfort.cameras import models as _camera_models  # noqa: F401
from belfort.cluster import models as _cluster_models  # noqa: F401
from belfort.db.base import Base
from belfort.dpo import models as _dpo_models  # noqa: F401
from belfort.evidence import models as _evidence_models  # noqa: F401
from belfort.judicial import models as _judicial_models  # noqa: F401
from belfort.media import models as _media_models  # noqa: F401
from belfort.retention import models as _retention_models  # noqa: F401
from belfort.sharing import models as _sharing_models  # noqa: F401
from belfort.staffing import models as _staffing_models  # noqa: F401
from belfort.transparency import processing_models as _processing_models  # noqa: F401
from belfort.transparency import register_models as _register_models  # noqa: F401
from belfort.wall import models as _wall_models  # noqa: F401

target_metadata = Base.metadata
