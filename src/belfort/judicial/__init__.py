"""Judicial authorisations and the drone missions log.

Authorisations (a prosecutor's decision, an investigating judge's order) are registered
once and cited by reference; the policy gate weighs their terms in the 30-day rule. Drone
missions are logged with the justification the law asks for, and their videos become the
drone camera's footage. Both are audited decisions of the gate; this package keeps them.
"""
