"""Oversight: the team chief and the data protection officer review who looked at what,
and why, and check that the audit log is intact. Reviewing is itself a consultation that
passes the policy gate and leaves one audit record.
"""
