"""The web app: JSON API under /api, server-rendered pages, static files.

Every route needs a signed-in person or a machine token, except health, login and
static files; `tests/web/test_routes_need_auth.py` checks that for every route there is.
"""
