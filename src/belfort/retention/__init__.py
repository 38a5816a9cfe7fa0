"""Retention: footage is erased on time and never early, and never while held as evidence.

The sweeper deletes segments older than their camera's maximum retention, never younger
than its minimum, never under an evidence hold, and evicts oldest-first when a storage
exceeds its size budget (with a warning). Every erasure is an audited operation.
"""
