"""People, organisations and machine clients, and how they prove who they are.

Passwords are hashed with argon2id; repeated failures lock an account for a while.
Signed-in people hold a session (cookie for pages, bearer token for the API); machine
clients (ANPR cameras, alarm centres, peer sites) hold scoped API tokens. Only hashes of
secrets are stored. What an identity may do is decided by `belfort.policy`, not here.
"""
