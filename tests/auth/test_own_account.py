"""One's own account (language, password) and an administrator's password reset, in the
service, on both databases: what is checked, what ends, what the audit log keeps."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.auth.models import UserSession
from belfort.auth.service import LANGUAGE_ACTION, PASSWORD_ACTION, LoginThrottled, PasswordRefused, actor_of_user
from belfort.errors import Forbidden, InvalidInput
from belfort.policy import Actor
from tests.conftest import PASSWORD, SYSTEM

NEW_PASSWORD = "a-new-and-longer-pass"
CLIENT = "198.51.100.20"


def actor(services: Services, username: str) -> Actor:
    with services.db.session() as session:
        return actor_of_user(services.accounts.user_by_name(session, username))


def sign_in(services: Services, username: str, password: str = PASSWORD, client: str = CLIENT) -> str:
    """A new session of `username` (LoginRefused if the password is wrong); its token."""
    with services.db.session() as session:
        return services.accounts.login(session, username, password, kind="web", client=client).token


def sessions_of(services: Services, username: str) -> int:
    with services.db.session() as session:
        user = services.accounts.user_by_name(session, username)
        return session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)) or 0


def records(services: Services, action: str, person: str) -> list[tuple[str, str]]:
    with services.db.session() as session:
        found = services.audit.query(session, AuditFilter(action=action, person=person, limit=50))
    return [(record.outcome, record.reason) for record in reversed(found)]


@pytest.mark.usefixtures("population")
def test_the_language_is_one_of_four_or_the_browsers(services: Services) -> None:
    inspector = actor(services, "inspector")
    with services.db.session() as session:
        assert services.accounts.set_language(session, inspector, "fr").language == "fr"
    token = sign_in(services, "inspector")
    with services.db.session() as session:
        identity = services.accounts.resolve(session, token, "cookie")
    assert identity is not None and identity.language == "fr"
    with services.db.session() as session, pytest.raises(InvalidInput, match="language: choose one of nl, fr, de, en"):
        services.accounts.set_language(session, inspector, "es")
    with services.db.session() as session:
        assert services.accounts.set_language(session, inspector, "").language == ""
    assert [reason for _outcome, reason in records(services, LANGUAGE_ACTION, "inspector")] == ["language chosen"] * 2


@pytest.mark.usefixtures("population")
def test_changing_ones_password_keeps_this_session_and_ends_the_others(services: Services) -> None:
    here = sign_in(services, "dpo")
    sign_in(services, "dpo")
    assert sessions_of(services, "dpo") == 2
    dpo = actor(services, "dpo")
    with services.db.session() as session:
        current = services.accounts.resolve(session, here, "cookie")
        assert current is not None
        services.accounts.change_own_password(session, dpo, current.session_id, PASSWORD, NEW_PASSWORD, CLIENT)
    assert sessions_of(services, "dpo") == 1
    with services.db.session() as session:
        assert services.accounts.resolve(session, here, "cookie") is not None, "this session stays"
    sign_in(services, "dpo", NEW_PASSWORD)
    assert records(services, PASSWORD_ACTION, "dpo") == [("granted", "password changed; other sessions ended")]


@pytest.mark.usefixtures("population")
def test_a_wrong_current_password_is_refused_recorded_and_throttled(services: Services) -> None:
    supervisor = actor(services, "supervisor")
    free = services.settings.security.login_free_failures_per_name
    for _attempt in range(free):
        with services.db.session() as session, pytest.raises(PasswordRefused, match="current password is wrong"):
            services.accounts.change_own_password(session, supervisor, None, "guess", NEW_PASSWORD, CLIENT)
    with services.db.session() as session, pytest.raises(LoginThrottled):
        services.accounts.change_own_password(session, supervisor, None, PASSWORD, NEW_PASSWORD, CLIENT)
    outcomes = records(services, PASSWORD_ACTION, "supervisor")
    assert outcomes[:free] == [("refused", "wrong current password")] * free
    assert outcomes[-1][0] == "refused" and outcomes[-1][1].startswith("throttled until")
    sign_in(services, "supervisor", client="203.0.113.5")  # the old password still holds, elsewhere


@pytest.mark.usefixtures("population")
def test_the_new_password_must_be_long_enough_and_new(services: Services) -> None:
    inspector = actor(services, "inspector")
    minimum = services.settings.security.password_min_length
    with (
        services.db.session() as session,
        pytest.raises(InvalidInput, match=f"password must be at least {minimum} characters"),
    ):
        services.accounts.change_own_password(session, inspector, None, PASSWORD, "short", CLIENT)
    with services.db.session() as session, pytest.raises(InvalidInput, match="differs from the current one"):
        services.accounts.change_own_password(session, inspector, None, PASSWORD, PASSWORD, CLIENT)


@pytest.mark.usefixtures("population")
def test_a_machine_token_has_no_account_to_change(services: Services) -> None:
    with services.db.session() as session:
        _token, secret = services.accounts.create_token(
            session, SYSTEM, name="anpr-e40", organisation="PZ Test", scopes=["anpr:ingest"]
        )
    with services.db.session() as session:
        machine = services.accounts.resolve(session, secret, "bearer")
        assert machine is not None
    with services.db.session() as session, pytest.raises(Forbidden, match="Only a person"):
        services.accounts.set_language(session, machine.actor, "nl")
    assert records(services, LANGUAGE_ACTION, "token:anpr-e40") == [
        ("refused", "only a person signed in with a password has an account")
    ]


@pytest.mark.usefixtures("population")
def test_a_reset_password_is_temporary_and_ends_the_sessions(services: Services) -> None:
    sign_in(services, "operator")
    admin = actor(services, "admin")
    with services.db.session() as session:
        user, temporary = services.accounts.reset_password(session, admin, "operator")
        assert user.must_change_password and len(temporary) >= services.settings.security.password_min_length
    assert sessions_of(services, "operator") == 0
    token = sign_in(services, "operator", temporary)
    with services.db.session() as session:
        identity = services.accounts.resolve(session, token, "cookie")
    assert identity is not None and identity.must_change_password
    with services.db.session() as session:
        services.accounts.change_own_password(
            session, identity.actor, identity.session_id, temporary, NEW_PASSWORD, CLIENT
        )
    with services.db.session() as session:
        after = services.accounts.resolve(session, token, "cookie")
    assert after is not None and not after.must_change_password
    with services.db.session() as session:
        granted = services.audit.query(session, AuditFilter(action="admin.users", person="admin", outcome="granted"))
    assert any('"change": "reset_password"' in record.detail for record in granted)
    assert all(temporary not in record.detail for record in granted), "the password is never recorded"


@pytest.mark.usefixtures("population")
def test_only_an_administrator_resets_a_password(services: Services) -> None:
    with services.db.session() as session, pytest.raises(Forbidden):
        services.accounts.reset_password(session, actor(services, "supervisor"), "operator", NEW_PASSWORD)
    with services.db.session() as session, pytest.raises(InvalidInput, match="password must be"):
        services.accounts.reset_password(session, actor(services, "admin"), "operator", "short")
    sign_in(services, "operator")  # nothing changed
