"""Accounts, sign-in and credentials.

Creating organisations, users and tokens are alterations: each passes the policy gate
(as the acting administrator, or the local system for the CLI) and so leaves one audit
record in the same transaction. Sign-in attempts, good or bad, are audited too.
Secrets (passwords, session and API tokens) are never stored or logged in clear.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from belfort.audit import AuditEntry, AuditLog
from belfort.auth.models import ApiToken, Organisation, User, UserSession
from belfort.errors import Conflict, InvalidInput, LoginRefused, NotFound
from belfort.policy import (
    Action,
    Actor,
    ActorKind,
    OrganisationKind,
    PolicyGate,
    Purpose,
    PurposeKind,
    Resource,
    ResourceKind,
    Role,
)
from belfort.policy.gate import actor_fields
from belfort.policy.rules import ACTIONS
from belfort.settings import SecuritySettings
from belfort.timeutil import Clock, utcnow

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
SESSION_PREFIX = "bls_"
TOKEN_PREFIX = "blt_"  # noqa: S105 - a public prefix, not a secret
KNOWN_SCOPES = frozenset(spec.scope for spec in ACTIONS.values() if spec.scope)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def actor_of_user(user: User) -> Actor:
    org = user.organisation
    return Actor(
        kind=ActorKind.USER,
        id=user.id,
        name=user.username,
        role=Role(user.role),
        organisation_id=org.id,
        organisation_name=org.name,
        organisation_kind=OrganisationKind(org.kind),
    )


def actor_of_token(token: ApiToken) -> Actor:
    org = token.organisation
    return Actor(
        kind=ActorKind.MACHINE,
        id=token.id,
        name=f"token:{token.name}",
        role=None,
        organisation_id=org.id,
        organisation_name=org.name,
        organisation_kind=OrganisationKind(org.kind),
        scopes=frozenset(token.scopes.split()),
    )


@dataclass(frozen=True)
class Identity:
    """Who a request comes from, and how it proved it."""

    actor: Actor
    via: str
    """`cookie`, `bearer` (a person's API session) or `token` (a machine client)."""
    csrf_token: str = ""
    session_id: uuid.UUID | None = None


@dataclass(frozen=True)
class SignIn:
    token: str
    csrf_token: str
    expires_at: datetime
    user: User


def generate_password(length: int = 16) -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def find_organisation(session: Session, ref: str) -> Organisation:
    """An organisation by id or exact name, or NotFound."""
    try:
        org = session.get(Organisation, uuid.UUID(ref))
    except ValueError:
        org = session.scalars(select(Organisation).where(Organisation.name == ref)).first()
    if org is None:
        raise NotFound(f"no organisation named '{ref}'; list them with `belfort org list`")
    return org


class AccountService:
    def __init__(self, gate: PolicyGate, audit: AuditLog, security: SecuritySettings, clock: Clock = utcnow) -> None:
        self.gate = gate
        self.audit = audit
        self.security = security
        self._clock = clock
        self._hasher = PasswordHasher()
        self._dummy_hash = self._hasher.hash(secrets.token_hex(16))

    # -- administration -------------------------------------------------------------

    def _require(self, session: Session, actor: Actor, action: Action, resource: Resource, **detail: object) -> None:
        self.gate.require(session, actor, action, resource, detail=detail or None)

    def add_organisation(self, session: Session, actor: Actor, name: str, kind: str) -> Organisation:
        name = name.strip()
        if not 2 <= len(name) <= 200:
            raise InvalidInput("organisation name must be 2 to 200 characters")
        try:
            org_kind = OrganisationKind(kind)
        except ValueError:
            choices = ", ".join(k.value for k in OrganisationKind)
            raise InvalidInput(f"unknown organisation kind '{kind}'; choose one of {choices}") from None
        if session.scalars(select(Organisation).where(Organisation.name == name)).first():
            raise Conflict(f"an organisation named '{name}' already exists")
        org = Organisation(id=uuid.uuid4(), name=name, kind=org_kind.value, created_at=self._clock())
        self._require(
            session,
            actor,
            Action.MANAGE_ORGANISATIONS,
            Resource(ResourceKind.ORGANISATION, str(org.id), name),
            change="create",
            kind=org_kind.value,
        )
        session.add(org)
        session.flush()
        return org

    def add_user(
        self,
        session: Session,
        actor: Actor,
        *,
        username: str,
        role: str,
        organisation: str,
        password: str,
        full_name: str = "",
    ) -> User:
        username = username.strip().lower()
        if not USERNAME_RE.match(username):
            raise InvalidInput(
                "username must be 2 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        try:
            user_role = Role(role)
        except ValueError:
            choices = ", ".join(r.value for r in Role)
            raise InvalidInput(f"unknown role '{role}'; choose one of {choices}") from None
        if len(password) < self.security.password_min_length:
            raise InvalidInput(f"password must be at least {self.security.password_min_length} characters")
        if len(password) > 256:
            raise InvalidInput("password must be at most 256 characters")
        if len(full_name) > 200:
            raise InvalidInput("full name must be at most 200 characters")
        org = find_organisation(session, organisation)
        if session.scalars(select(User).where(User.username == username)).first():
            raise Conflict(f"a user named '{username}' already exists")
        user = User(
            id=uuid.uuid4(),
            username=username,
            full_name=full_name.strip(),
            role=user_role.value,
            organisation_id=org.id,
            password_hash=self._hasher.hash(password),
            active=True,
            failed_logins=0,
            created_at=self._clock(),
        )
        self._require(
            session,
            actor,
            Action.MANAGE_USERS,
            Resource(ResourceKind.USER, str(user.id), username),
            change="create",
            role=user_role.value,
            organisation=org.name,
        )
        session.add(user)
        session.flush()
        session.refresh(user)
        return user

    def set_active(self, session: Session, actor: Actor, username: str, active: bool) -> User:
        user = self.user_by_name(session, username)
        self._require(
            session,
            actor,
            Action.MANAGE_USERS,
            Resource(ResourceKind.USER, str(user.id), user.username),
            change="enable" if active else "disable",
        )
        user.active = active
        if active:
            user.failed_logins = 0
            user.locked_until = None
        else:
            session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        return user

    def user_by_name(self, session: Session, username: str) -> User:
        user = session.scalars(select(User).where(User.username == username.strip().lower())).first()
        if user is None:
            raise NotFound(f"no user named '{username}'")
        return user

    def list_users(self, session: Session) -> list[User]:
        return list(session.scalars(select(User).order_by(User.username)))

    def list_organisations(self, session: Session) -> list[Organisation]:
        return list(session.scalars(select(Organisation).order_by(Organisation.name)))

    def list_tokens(self, session: Session) -> list[ApiToken]:
        return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())))

    def create_token(
        self,
        session: Session,
        actor: Actor,
        *,
        name: str,
        organisation: str,
        scopes: list[str],
        valid_days: int | None = None,
    ) -> tuple[ApiToken, str]:
        """Issue a machine token; the clear secret is returned once and never stored."""
        name = name.strip()
        if not 2 <= len(name) <= 100:
            raise InvalidInput("token name must be 2 to 100 characters")
        unknown = sorted(set(scopes) - KNOWN_SCOPES)
        if not scopes or unknown:
            raise InvalidInput(
                f"unknown or missing scope {', '.join(unknown) or '(none given)'}; "
                f"choose from {', '.join(sorted(KNOWN_SCOPES))}"
            )
        if valid_days is not None and not 1 <= valid_days <= 3650:
            raise InvalidInput("valid_days must be between 1 and 3650")
        org = find_organisation(session, organisation)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        token = ApiToken(
            id=uuid.uuid4(),
            name=name,
            organisation_id=org.id,
            scopes=" ".join(sorted(set(scopes))),
            token_hash=_digest(secret),
            prefix=secret[:10],
            created_at=now,
            expires_at=now + timedelta(days=valid_days) if valid_days else None,
        )
        self._require(
            session,
            actor,
            Action.MANAGE_TOKENS,
            Resource(ResourceKind.API_TOKEN, str(token.id), name),
            change="create",
            organisation=org.name,
            scopes=token.scopes,
        )
        session.add(token)
        session.flush()
        session.refresh(token)
        return token, secret

    def revoke_token(self, session: Session, actor: Actor, token_id: str) -> ApiToken:
        try:
            token = session.get(ApiToken, uuid.UUID(token_id))
        except ValueError:
            token = None
        if token is None:
            raise NotFound(f"no API token with id '{token_id}'")
        self._require(
            session,
            actor,
            Action.MANAGE_TOKENS,
            Resource(ResourceKind.API_TOKEN, str(token.id), token.name),
            change="revoke",
        )
        token.revoked_at = token.revoked_at or self._clock()
        return token

    # -- sign-in ----------------------------------------------------------------------

    def _audit_sign_in(self, session: Session, username: str, user: User | None, outcome: str, reason: str) -> None:
        who = actor_fields(actor_of_user(user)) if user else {"actor_name": username[:64]}
        self.audit.append(
            session,
            AuditEntry(op="sign_in", action="auth.login", outcome=outcome, reason=reason, **who),
        )

    def login(self, session: Session, username: str, password: str, kind: str) -> SignIn:
        """Check a password and open a session, or raise LoginRefused. Audited either way.

        LoginRefused is a Refusal: the unit of work commits the failure count and the
        audit record before the error reaches the caller.
        """
        now = self._clock()
        user = session.scalars(select(User).where(User.username == username.strip().lower())).first()
        if user is None:
            self._verify(self._dummy_hash, password)
            self._audit_sign_in(session, username, None, "refused", "unknown user name")
            raise LoginRefused("Wrong user name or password.")
        if not user.active:
            self._audit_sign_in(session, username, user, "refused", "account disabled")
            raise LoginRefused("This account is disabled; ask an administrator.")
        if user.locked_until and user.locked_until > now:
            self._audit_sign_in(session, username, user, "refused", "account locked")
            until = user.locked_until.strftime("%H:%M UTC")
            raise LoginRefused(f"Too many failed attempts: this account is locked until {until}.")
        if not self._verify(user.password_hash, password):
            user.failed_logins += 1
            reason = "wrong password"
            if user.failed_logins >= self.security.lockout_threshold:
                user.locked_until = now + timedelta(minutes=self.security.lockout_minutes)
                user.failed_logins = 0
                reason = f"wrong password; account locked for {self.security.lockout_minutes} minutes"
            self._audit_sign_in(session, username, user, "refused", reason)
            raise LoginRefused("Wrong user name or password.")
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        if self._hasher.check_needs_rehash(user.password_hash):
            user.password_hash = self._hasher.hash(password)
        token = SESSION_PREFIX + secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        expires = now + timedelta(hours=self.security.session_hours)
        session.add(
            UserSession(
                id=uuid.uuid4(),
                token_hash=_digest(token),
                user_id=user.id,
                kind=kind,
                csrf_token=csrf,
                created_at=now,
                expires_at=expires,
            )
        )
        self._audit_sign_in(session, username, user, "granted", f"signed in ({kind})")
        return SignIn(token, csrf, expires, user)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def logout(self, session: Session, token: str) -> None:
        session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))

    def live_purpose(self, session: Session, session_id: uuid.UUID | None) -> Purpose | None:
        """The purpose stated for live viewing in this sign-in (the shift), if any."""
        user_session = session.get(UserSession, session_id) if session_id else None
        if user_session is None or not user_session.live_purpose_kind:
            return None
        return Purpose(
            PurposeKind(user_session.live_purpose_kind),
            user_session.live_purpose_justification,
            user_session.live_purpose_legal_ref,
        )

    def set_live_purpose(self, session: Session, session_id: uuid.UUID | None, purpose: Purpose | None) -> None:
        """State (or with None, withdraw) the shift's purpose; it lasts as long as the sign-in."""
        user_session = session.get(UserSession, session_id) if session_id else None
        if user_session is None:
            raise InvalidInput(
                "Only a person's sign-in carries a shift purpose; API clients send the purpose with each stream "
                "(?purpose=administrative&justification=...)."
            )
        minimum = self.gate.rules.justification_min_length
        if purpose is not None and len(purpose.justification.strip()) < minimum:
            raise InvalidInput(f"The justification is too short: describe the reason in at least {minimum} characters.")
        user_session.live_purpose_kind = purpose.kind.value if purpose else ""
        user_session.live_purpose_justification = purpose.justification.strip() if purpose else ""
        user_session.live_purpose_legal_ref = purpose.legal_basis_ref.strip() if purpose else ""
        user_session.live_purpose_set_at = self._clock() if purpose else None

    def resolve(self, session: Session, secret: str, via: str) -> Identity | None:
        """Who holds this session or API token now, or None if it is unknown or expired."""
        now = self._clock()
        if secret.startswith(SESSION_PREFIX):
            user_session = session.scalars(select(UserSession).where(UserSession.token_hash == _digest(secret))).first()
            if user_session is None or user_session.expires_at <= now or not user_session.user.active:
                return None
            return Identity(actor_of_user(user_session.user), via, user_session.csrf_token, user_session.id)
        if secret.startswith(TOKEN_PREFIX) and via == "bearer":
            token = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(secret))).first()
            if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
                return None
            token.last_used_at = now
            return Identity(actor_of_token(token), "token")
        return None
