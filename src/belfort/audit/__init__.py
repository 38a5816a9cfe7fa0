"""The audit chain: an append-only, SHA-256 hash-linked log of every look and change.

Every consultation, disclosure, alteration and erasure, and every policy decision,
appends one record in the same database transaction as the action it records.
No code path updates or deletes a record; `verify_chain` proves that nobody else did.
"""

from belfort.audit.chain import GENESIS_HASH, AuditEntry, ResourceRef, record_hash
from belfort.audit.log import AuditFilter, AuditLog, VerifyResult, owner_ref, verify_chain

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditFilter",
    "AuditLog",
    "ResourceRef",
    "VerifyResult",
    "owner_ref",
    "record_hash",
    "verify_chain",
]
