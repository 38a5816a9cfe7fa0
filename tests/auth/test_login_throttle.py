"""Sign-in throttling: failures slow down the address (and the name from that address)
that makes them, never the account's owner elsewhere; every path costs one argon2 check.

Addresses are the TestClient's client address, so each test picks where requests come from.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select, text

from belfort.app import Services, build_services
from belfort.audit import AuditFilter
from belfort.auth.models import LoginThrottle
from belfort.auth.service import backoff_seconds, client_network
from belfort.errors import LoginRefused
from belfort.timeutil import FrozenClock
from belfort.web.app import create_app
from tests.conftest import PASSWORD

ATTACKER = "198.51.100.66"
OWNER = "203.0.113.10"


@contextmanager
def from_address(services: Services, address: str) -> Iterator[TestClient]:
    with TestClient(create_app(services), client=(address, 50000)) as client:
        yield client


def login(client: TestClient, username: str, password: str) -> Response:
    return client.post("/api/auth/login", json={"username": username, "password": password})


def reasons(services: Services, person: str) -> list[str]:
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person=person, action="auth.login", limit=500))
    return [record.reason for record in reversed(records)]


class CountingHasher(PasswordHasher):
    """The real argon2 hasher, counting how often a password is verified."""

    def __init__(self) -> None:
        super().__init__()
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


@pytest.mark.usefixtures("population")
def test_an_outsider_cannot_lock_the_administrator_out(services: Services) -> None:
    with from_address(services, ATTACKER) as attacker:
        for _ in range(40):
            assert login(attacker, "admin", "guess").status_code in (401, 429)
        assert login(attacker, "admin", PASSWORD).status_code == 429
    with from_address(services, OWNER) as owner:
        assert login(owner, "admin", PASSWORD).status_code == 200


@pytest.mark.usefixtures("population")
def test_failures_past_the_free_ones_wait_ever_longer(services: Services, clock: FrozenClock) -> None:
    security = services.settings.security
    security.login_backoff_max_seconds = 4.0
    with from_address(services, ATTACKER) as client:
        for _ in range(security.login_free_failures_per_name):
            assert login(client, "operator", "guess").status_code == 401
        waits = []
        for _ in range(4):
            throttled = login(client, "operator", PASSWORD)
            assert throttled.status_code == 429
            assert "try again" in throttled.json()["detail"]
            waits.append(int(throttled.headers["Retry-After"]))
            clock.advance(timedelta(seconds=waits[-1]))
            assert login(client, "operator", "guess").status_code == 401
        assert waits == [1, 2, 4, 4]


@pytest.mark.usefixtures("population")
def test_a_successful_sign_in_clears_the_names_failures(services: Services, clock: FrozenClock) -> None:
    free = services.settings.security.login_free_failures_per_name
    with from_address(services, OWNER) as client:
        for _ in range(free):
            assert login(client, "inspector", "typo").status_code == 401
        assert login(client, "inspector", PASSWORD).status_code == 429
        clock.advance(timedelta(seconds=1))
        assert login(client, "inspector", PASSWORD).status_code == 200
        for _ in range(free):
            assert login(client, "inspector", "typo").status_code == 401
        assert login(client, "inspector", PASSWORD).status_code == 429


@pytest.mark.usefixtures("population")
def test_failures_are_forgotten_after_a_quiet_window(services: Services, clock: FrozenClock) -> None:
    security = services.settings.security
    with from_address(services, OWNER) as client:
        for _ in range(security.login_free_failures_per_name - 1):
            assert login(client, "inspector", "typo").status_code == 401
        clock.advance(timedelta(minutes=security.login_failure_window_minutes))
        for _ in range(security.login_free_failures_per_name):
            assert login(client, "inspector", "typo").status_code == 401
        assert login(client, "inspector", PASSWORD).status_code == 429


@pytest.mark.usefixtures("population")
def test_one_address_trying_many_names_is_slowed_down_there_only(services: Services) -> None:
    per_name = services.settings.security.login_free_failures_per_name
    per_address = services.settings.security.login_free_failures_per_address
    with from_address(services, ATTACKER) as attacker:
        for n in range(per_address):
            assert login(attacker, f"spray-{n // (per_name - 1)}", "guess").status_code == 401
        refused = login(attacker, "supervisor", PASSWORD)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    with from_address(services, OWNER) as owner:
        assert login(owner, "supervisor", PASSWORD).status_code == 200


@pytest.mark.usefixtures("population")
def test_unknown_and_known_names_are_answered_alike(services: Services) -> None:
    def story(address: str, username: str) -> list[tuple[int, str, str | None]]:
        with from_address(services, address) as client:
            answers = [login(client, username, "guess") for _ in range(8)]
        return [(a.status_code, a.json()["detail"], a.headers.get("Retry-After")) for a in answers]

    known = story("192.0.2.1", "dpo")
    unknown = story("192.0.2.2", "nobody-at-all")
    assert known == unknown
    assert [status for status, _, _ in known] == [401] * 5 + [429] * 3


@pytest.mark.usefixtures("population")
def test_every_path_verifies_the_password_exactly_once(
    services: Services, monkeypatch: pytest.MonkeyPatch, clock: FrozenClock
) -> None:
    hasher = CountingHasher()
    monkeypatch.setattr(services.accounts, "hasher", hasher)
    admin = {"Authorization": "Bearer " + login_token(services, "platform_admin")}

    def attempt(address: str, username: str, password: str) -> Response:
        hasher.verified = 0
        with from_address(services, address) as client:
            response = login(client, username, password)
        assert hasher.verified == 1, (username, response.status_code)
        return response

    with from_address(services, OWNER) as client:
        assert client.post("/api/users/partner/disable", headers=admin).status_code == 200
    unknown = attempt("192.0.2.1", "nobody", "guess")
    wrong = attempt("192.0.2.1", "operator", "guess")
    disabled_wrong = attempt("192.0.2.1", "partner", "guess")
    assert unknown.status_code == wrong.status_code == disabled_wrong.status_code == 401
    assert unknown.json() == wrong.json() == disabled_wrong.json() == {"detail": "Wrong user name or password."}
    disabled_right = attempt("192.0.2.1", "partner", PASSWORD)
    assert disabled_right.status_code == 401 and "disabled" in disabled_right.json()["detail"]
    assert attempt("192.0.2.1", "operator", PASSWORD).status_code == 200
    for username in ("nobody", "operator"):
        for _ in range(services.settings.security.login_free_failures_per_name):
            attempt(ATTACKER, username, "guess")
        assert attempt(ATTACKER, username, "guess").status_code == 429
        assert attempt(ATTACKER, username, PASSWORD).status_code == 429


def login_token(services: Services, username: str) -> str:
    with services.db.session() as session:
        return services.accounts.login(session, username, PASSWORD, kind="api", client="127.0.0.1").token


@pytest.mark.usefixtures("population")
def test_every_attempt_is_audited_with_why_it_was_refused(services: Services) -> None:
    admin = {"Authorization": "Bearer " + login_token(services, "platform_admin")}
    with from_address(services, ATTACKER) as client:
        client.post("/api/users/partner/disable", headers=admin)
        login(client, "partner", PASSWORD)
        login(client, "partner", "guess")
        login(client, "ghost", "guess")
        for _ in range(services.settings.security.login_free_failures_per_name):
            login(client, "operator", "guess")
        login(client, "operator", PASSWORD)
    assert reasons(services, "partner") == ["account disabled", "wrong password (account disabled)"]
    assert reasons(services, "ghost") == ["unknown user name"]
    operator = reasons(services, "operator")
    assert operator[:5] == ["wrong password"] * 5
    assert len(operator) == 6 and operator[5].startswith("throttled")


@pytest.mark.usefixtures("population")
def test_throttling_survives_a_restart_and_holds_across_processes(services: Services, clock: FrozenClock) -> None:
    with from_address(services, ATTACKER) as client:
        for _ in range(services.settings.security.login_free_failures_per_name):
            login(client, "admin", "guess")
    other = build_services(services.settings, clock=clock)
    try:
        with from_address(other, ATTACKER) as client:
            assert login(client, "admin", PASSWORD).status_code == 429
    finally:
        other.close()


@pytest.mark.usefixtures("population")
def test_names_typed_by_mistake_are_not_stored_in_clear(services: Services) -> None:
    typed = "my-Secret-passphrase-in-the-wrong-box"
    with from_address(services, ATTACKER) as client:
        login(client, typed, "guess")
    with services.db.session() as session:
        rows = session.execute(text("SELECT * FROM login_throttle")).all()
    stored = " ".join(str(value) for row in rows for value in row)
    assert len(rows) == 2
    assert typed.lower() not in stored.lower() and ATTACKER not in stored


@pytest.mark.usefixtures("population")
def test_parallel_attempts_get_no_more_guesses_than_serial_ones(services: Services) -> None:
    def attempt(_: int) -> str:
        try:
            with services.db.session() as session:
                services.accounts.login(session, "admin", "guess", kind="api", client=ATTACKER)
        except LoginRefused as refusal:
            return type(refusal).__name__
        return "signed in"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(attempt, range(8)))
    assert outcomes == ["LoginRefused"] * 5 + ["LoginThrottled"] * 3
    with services.db.session() as session:
        assert sorted(row.failures for row in session.scalars(select(LoginThrottle))) == [5, 5]


@pytest.mark.usefixtures("population")
def test_forgotten_failures_leave_no_rows_behind(services: Services, clock: FrozenClock) -> None:
    with from_address(services, ATTACKER) as client:
        for n in range(3):
            login(client, f"typo-{n}", "guess")
    clock.advance(timedelta(minutes=services.settings.security.login_failure_window_minutes, seconds=1))
    with from_address(services, OWNER) as client:
        login(client, "admin", "typo")
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 2


@pytest.mark.usefixtures("population")
def test_enable_clears_the_throttle_that_admins_see(services: Services, clock: FrozenClock) -> None:
    admin = {"Authorization": "Bearer " + login_token(services, "platform_admin")}
    with from_address(services, ATTACKER) as attacker:
        for _ in range(services.settings.security.login_free_failures_per_name):
            login(attacker, "operator", "guess")
        users = {u["username"]: u for u in attacker.get("/api/users", headers=admin).json()}
        assert users["operator"]["throttled_until"] == "2026-11-21T12:00:01Z"
        assert users["dpo"]["throttled_until"] is None
        enabled = attacker.post("/api/users/operator/enable", headers=admin).json()
        assert enabled["active"] is True and enabled["throttled_until"] is None
        assert login(attacker, "operator", PASSWORD).status_code == 200


@pytest.mark.usefixtures("population")
def test_the_admin_page_shows_until_when_a_name_is_throttled(services: Services) -> None:
    with from_address(services, ATTACKER) as attacker:
        for _ in range(services.settings.security.login_free_failures_per_name):
            login(attacker, "operator", "guess")
    with from_address(services, OWNER) as client:
        form = client.get("/login")
        token = form.cookies["belfort_login_csrf"]
        client.post("/login", data={"username": "admin", "password": PASSWORD, "login_csrf": token})
        page = client.get("/admin").text
    row = next(line for line in page.splitlines() if "<td>operator</td>" in line)
    # 12:00:01 UTC on 21 November is 13:00 in Brussels (the site's zone, UTC+1 in winter).
    assert "throttled until 13:00" in page[page.index(row) :].split("</tr>")[0]
    assert "locked" not in page


def test_backoff_doubles_from_the_first_wait_up_to_the_maximum() -> None:
    waits = [backoff_seconds(n, free=5, first=1.0, maximum=60.0) for n in range(1, 16)]
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60]
    assert backoff_seconds(10_000, free=5, first=1.0, maximum=900.0) == 900.0


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("testclient", "testclient"),
        ("", "unknown"),
    ],
)
def test_an_ipv6_client_counts_as_its_64_network(address: str, network: str) -> None:
    assert client_network(address) == network
