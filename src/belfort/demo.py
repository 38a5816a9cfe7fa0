"""The demo site: a police zone, a city and a shop owner, with one user per role.

Seeding is idempotent: a second `belfort demo` on the same folder reuses what is there.
Passwords are generated on first run and kept in `<data>/demo-credentials.txt` (mode
0600) so they can be printed again; they are demo accounts, never real ones.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from belfort.app import Services
from belfort.auth.service import generate_password
from belfort.policy import Role
from belfort.policy.model import system_actor

DEMO_ACTOR = system_actor("demo-seed")

POLICE = "Politiezone Demo"
CITY = "Stad Demo"
SHOP = "Juwelier Demo"

ORGANISATIONS = [(POLICE, "police_zone"), (CITY, "city"), (SHOP, "business")]

USERS: list[tuple[str, Role, str, str]] = [
    ("operator", Role.OPERATOR, POLICE, "Olivia Operator"),
    ("inspector", Role.INSPECTOR, POLICE, "Ivan Inspector"),
    ("supervisor", Role.SUPERVISOR, POLICE, "Sofie Supervisor"),
    ("dpo", Role.DPO, POLICE, "Daan DPO"),
    ("admin", Role.ADMIN, POLICE, "Ada Admin"),
    ("shop", Role.PARTNER, SHOP, "Sam Shopowner"),
    ("city", Role.PARTNER, CITY, "Charlotte City"),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    organisation: str
    password: str


def _load_credentials(path: Path) -> dict[str, str]:
    return json.loads(path.read_text()) if path.exists() else {}


def _save_credentials(path: Path, credentials: dict[str, str]) -> None:
    path.write_text(json.dumps(credentials, indent=2))
    os.chmod(path, 0o600)


def seed_demo(services: Services) -> list[DemoAccount]:
    """Create the demo organisations and users that are missing; return every demo account."""
    path = services.settings.data_dir / "demo-credentials.txt"
    credentials = _load_credentials(path)
    accounts = services.accounts
    with services.db.session() as session:
        existing_orgs = {org.name for org in accounts.list_organisations(session)}
        for name, kind in ORGANISATIONS:
            if name not in existing_orgs:
                accounts.add_organisation(session, DEMO_ACTOR, name, kind)
        existing_users = {user.username for user in accounts.list_users(session)}
        for username, role, org, full_name in USERS:
            if username not in existing_users:
                credentials[username] = generate_password()
                accounts.add_user(
                    session,
                    DEMO_ACTOR,
                    username=username,
                    role=role.value,
                    organisation=org,
                    password=credentials[username],
                    full_name=full_name,
                )
    _save_credentials(path, credentials)
    return [
        DemoAccount(username, role.value, org, credentials.get(username, "(changed; not known to the demo)"))
        for username, role, org, _ in USERS
    ]
