"""The policy gate: the one place that decides whether a person or machine may look.

Every capability that shows or releases images, plates, reads or logs calls
`PolicyGate.authorize(actor, action, resource, purpose)` first. The decision itself is
pure (`decide`), so it can be tested exhaustively; the gate writes one audit record for
every refusal and for every grant of a consultation. Nothing here talks HTTP.
"""

from belfort.policy.gate import AuthorisationFinder, PolicyGate
from belfort.policy.model import (
    Action,
    Actor,
    ActorKind,
    AuthorisationKind,
    AuthorisationTerm,
    Decision,
    DesignationTerm,
    GrantTerm,
    LegalRegime,
    OrganisationKind,
    Purpose,
    PurposeKind,
    Resource,
    ResourceKind,
    Right,
    Role,
)
from belfort.policy.rules import (
    PLATFORM_ROLES,
    RIGHT_WORDS,
    PolicyRules,
    audit_review_scope,
    capabilities,
    decide,
    decide_function,
    may,
    role_title,
    sees_camera,
    sees_exact_position,
    sees_stream_addresses,
)

__all__ = [
    "PLATFORM_ROLES",
    "RIGHT_WORDS",
    "Action",
    "Actor",
    "ActorKind",
    "AuthorisationFinder",
    "AuthorisationKind",
    "AuthorisationTerm",
    "Decision",
    "DesignationTerm",
    "GrantTerm",
    "LegalRegime",
    "OrganisationKind",
    "PolicyGate",
    "PolicyRules",
    "Purpose",
    "PurposeKind",
    "Resource",
    "ResourceKind",
    "Right",
    "Role",
    "audit_review_scope",
    "capabilities",
    "decide",
    "decide_function",
    "may",
    "role_title",
    "sees_camera",
    "sees_exact_position",
    "sees_stream_addresses",
]
