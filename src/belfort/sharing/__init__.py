"""Sharing between organisations: grants on cameras and groups, and access requests.

The owner has the last word: it grants, narrows nothing of the receiver's, revokes at
once; the receiver may only narrow. Decisions on looks stay the policy gate's (the grant
terms travel with the camera resource); this package manages the grants and requests.
"""
