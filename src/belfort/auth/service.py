"""Accounts, sign-in and credentials.

Creating organisations, users and tokens are alterations: each passes the policy gate
(as the acting administrator, or the local system for the CLI) before anything is looked
up, so whoever may not administer learns nothing about which names exist, and leaves one
audit record in the same transaction. Sign-in attempts, good or bad, are audited too.
Secrets (passwords, session and API tokens) are never stored or logged in clear.

Failed sign-ins slow down where they come from, never the account: failures are counted
per client address and per (typed name, address) in `login_throttle`, on the database so
that restarts and several processes share them. Each attempt verifies one argon2 hash
(a dummy one for unknown names) whatever happens, so how long an answer takes says
nothing about the account.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
import re
import secrets
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from belfort.audit import AuditEntry, AuditLog, ResourceRef
from belfort.auth.models import ApiToken, LoginThrottle, Organisation, User, UserSession
from belfort.errors import Conflict, Forbidden, InvalidInput, LoginRefused, NotFound, Refusal
from belfort.i18n import LANGUAGES, _, _n
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


WRONG_CREDENTIALS = _("Wrong user name or password.")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


PASSWORD_ACTION = "auth.password"  # noqa: S105 - an audit action, not a secret
"""The audit action of a person changing their own password."""
LANGUAGE_ACTION = "auth.language"
"""The audit action of a person choosing the language of their pages."""
MAX_PASSWORD_LENGTH = 256


class PasswordRefused(Refusal):
    """The current password given to change it is wrong: refused, recorded and counted
    like a failed sign-in; answered as bad input so the form shows again."""

    status_code = 422


class LoginThrottled(LoginRefused):
    """Too many recent failures from this address (for this name): wait, then try again."""

    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        """Whole seconds to wait, for the `Retry-After` header."""


def client_network(address: str) -> str:
    """What sign-in throttling counts as one client: the IPv4 address, or the /64 network
    of an IPv6 address (one subscriber's share, which they can fill with addresses at will)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip() or "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def backoff_seconds(failures: int, free: int, first: float, maximum: float) -> float:
    """How long to wait after the `failures`-th failure: nothing before `free` of them,
    then `first`, doubling with each further failure up to `maximum`."""
    if failures < free:
        return 0.0
    return min(first * 2.0 ** min(failures - free, 64), maximum)


def _printable(text: str, what: str) -> str:
    """`text`, or InvalidInput when it holds control characters (which no name may hold and
    PostgreSQL cannot even store in an audit record)."""
    if any(unicodedata.category(character) == "Cc" for character in text):
        raise InvalidInput(_("The {what} contains control characters: type it again without them.", what=what))
    return text


def _duration(seconds: int) -> str:
    if seconds < 120:
        return _n("{count} second", "{count} seconds", seconds)
    return _n("{count} minute", "{count} minutes", math.ceil(seconds / 60))


@dataclass(frozen=True)
class _ThrottleKey:
    key_hash: str
    scope: str
    free: int


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
        live_designation_required=org.live_designation_required,
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
    language: str = ""
    """The language the person chose for pages; empty when they chose none (or a machine)."""
    must_change_password: bool = False
    """The password was reset by an administrator: pages ask for a new one before anything else."""


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
        raise NotFound(_("no organisation named '{name}'; list them with `belfort org list`", name=ref))
    return org


class AccountService:
    def __init__(self, gate: PolicyGate, audit: AuditLog, security: SecuritySettings, clock: Clock = utcnow) -> None:
        self.gate = gate
        self.audit = audit
        self.security = security
        self._clock = clock
        self.hasher = PasswordHasher(
            time_cost=security.password_hash_time_cost,
            memory_cost=security.password_hash_memory_kib,
            parallelism=security.password_hash_parallelism,
        )
        """The one place passwords are hashed and verified."""
        self._dummy_hash = self.hasher.hash(secrets.token_hex(16))

    # -- administration -------------------------------------------------------------

    def _require(self, session: Session, actor: Actor, action: Action, resource: Resource, **detail: object) -> None:
        self.gate.require(session, actor, action, resource, detail=detail or None)

    def add_organisation(
        self, session: Session, actor: Actor, name: str, kind: str, *, live_designation_required: bool | None = None
    ) -> Organisation:
        """A new organisation; only people its chief designates watch live if
        `live_designation_required`, which is on for a police zone unless told otherwise."""
        name = _printable(name, _("organisation name")).strip()
        org_id = uuid.uuid4()
        self._require(
            session,
            actor,
            Action.MANAGE_ORGANISATIONS,
            Resource(ResourceKind.ORGANISATION, str(org_id), name),
            change="create",
            kind=kind,
        )
        if not 2 <= len(name) <= 200:
            raise InvalidInput(_("organisation name must be 2 to 200 characters"))
        try:
            org_kind = OrganisationKind(kind)
        except ValueError:
            choices = ", ".join(k.value for k in OrganisationKind)
            raise InvalidInput(
                _("unknown organisation kind '{kind}'; choose one of {choices}", kind=kind, choices=choices)
            ) from None
        if session.scalars(select(Organisation).where(Organisation.name == name)).first():
            raise Conflict(_("an organisation named '{name}' already exists", name=name))
        designates = (
            org_kind is OrganisationKind.POLICE_ZONE if live_designation_required is None else live_designation_required
        )
        org = Organisation(
            id=org_id,
            name=name,
            kind=org_kind.value,
            created_at=self._clock(),
            live_designation_required=designates,
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
        username = _printable(username, _("user name")).strip().lower()
        user_id = uuid.uuid4()
        self.gate.require_function(session, actor, "users", Action.MANAGE_USERS)
        self._check_username(username)
        org = find_organisation(session, organisation)
        self._require(
            session,
            actor,
            Action.MANAGE_USERS,
            Resource(ResourceKind.USER, str(user_id), username, org.id, owner_name=org.name),
            change="create",
            role=role,
            organisation=organisation,
        )
        self._platform_role(session, actor, role, username)
        try:
            user_role = Role(role)
        except ValueError:
            choices = ", ".join(r.value for r in Role)
            raise InvalidInput(
                _("unknown role '{role}'; choose one of {choices}", role=role, choices=choices)
            ) from None
        self._check_password(password)
        if len(full_name) > 200:
            raise InvalidInput(_("full name must be at most 200 characters"))
        if session.scalars(select(User).where(User.username == username)).first():
            raise Conflict(_("a user named '{name}' already exists", name=username))
        user = User(
            id=user_id,
            username=username,
            full_name=full_name.strip(),
            role=user_role.value,
            organisation_id=org.id,
            password_hash=self.hasher.hash(password),
            active=True,
            created_at=self._clock(),
        )
        session.add(user)
        session.flush()
        session.refresh(user)
        return user

    @staticmethod
    def _check_username(username: str) -> None:
        if not USERNAME_RE.match(username):
            raise InvalidInput(
                _(
                    "username must be 2 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
                    "starting with a letter or digit"
                )
            )

    def _check_password(self, password: str) -> None:
        if len(password) < self.security.password_min_length:
            raise InvalidInput(
                _("password must be at least {count} characters", count=self.security.password_min_length)
            )
        if len(password) > MAX_PASSWORD_LENGTH:
            raise InvalidInput(_("password must be at most {count} characters", count=MAX_PASSWORD_LENGTH))

    def set_active(self, session: Session, actor: Actor, username: str, active: bool) -> User:
        """Enable an account (clearing the sign-in throttling of its name) or disable it
        (ending its sessions)."""
        user = self._managed_user(
            session,
            actor,
            _printable(username, _("user name")).strip().lower(),
            change="enable" if active else "disable",
        )
        user.active = active
        if active:
            session.execute(delete(LoginThrottle).where(LoginThrottle.user_id == user.id))
            session.expire(user, ["throttles"])
        else:
            session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        return user

    def update_user(
        self,
        session: Session,
        actor: Actor,
        username: str,
        *,
        full_name: str | None = None,
        role: str | None = None,
        organisation: str | None = None,
        password: str | None = None,
    ) -> User:
        """Change an account: full name, role, organisation, or a new password (which ends its
        sessions). None keeps a field. Audited with which fields changed, never the password."""
        asked = _printable(username, _("user name")).strip().lower()
        changed = [
            name
            for name, value in (
                ("full_name", full_name),
                ("role", role),
                ("organisation", organisation),
                ("password", password),
            )
            if value is not None
        ]
        user = self._managed_user(session, actor, asked, change="update", fields=",".join(changed))
        if role is not None:
            self._platform_role(session, actor, role, asked)
        if organisation is not None and find_organisation(session, organisation).id != user.organisation_id:
            # moving a person between tenants is the platform's business
            self._require(
                session,
                actor,
                Action.MANAGE_ORGANISATIONS,
                Resource(ResourceKind.USER, str(user.id), asked),
                change="move",
                organisation=organisation,
            )
        if full_name is not None:
            if len(full_name) > 200:
                raise InvalidInput(_("full name must be at most 200 characters"))
            user.full_name = _printable(full_name, _("full name")).strip()
        if role is not None:
            try:
                user.role = Role(role).value
            except ValueError:
                choices = ", ".join(r.value for r in Role)
                raise InvalidInput(
                    _("unknown role '{role}'; choose one of {choices}", role=role, choices=choices)
                ) from None
        if organisation is not None:
            user.organisation_id = find_organisation(session, organisation).id
            session.expire(user, ["organisation"])
        if password is not None:
            self._check_password(password)
            user.password_hash = self.hasher.hash(password)
        if role is not None or organisation is not None or password is not None:
            session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        session.flush()
        return user

    def reset_password(self, session: Session, actor: Actor, username: str, password: str = "") -> tuple[User, str]:
        """Give an account a temporary password, the one given or, when empty, a generated one
        (returned, to be shown once). Its sessions end, and at the next sign-in its owner must
        choose a new password before anything else. Audited, never the password."""
        asked = _printable(username, _("user name")).strip().lower()
        user = self._managed_user(session, actor, asked, change="reset_password", generated=not password)
        temporary = password or generate_password()
        self._check_password(temporary)
        user.password_hash = self.hasher.hash(temporary)
        user.must_change_password = True
        session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        session.flush()
        return user, temporary

    # -- one's own account ------------------------------------------------------------

    def _own_account(self, session: Session, actor: Actor, action: str) -> User:
        """The signed-in person's account; a machine token has none (refused and recorded)."""
        user = session.get(User, actor.id) if actor.kind is ActorKind.USER and actor.id else None
        if user is None:
            reason = "only a person signed in with a password has an account"
            self.audit.append(
                session,
                AuditEntry(
                    op="account",
                    action=action,
                    outcome="refused",
                    reason=reason,
                    resources=(ResourceRef(ResourceKind.USER.value, "", actor.name),),
                    **actor_fields(actor),
                ),
            )
            raise Forbidden(_("Only a person signed in with a password has an account to change."))
        return user

    def _audit_account(
        self, session: Session, user: User, action: str, outcome: str, reason: str, **detail: str
    ) -> None:
        self.audit.append(
            session,
            AuditEntry(
                op="account",
                action=action,
                outcome=outcome,
                reason=reason,
                resources=(ResourceRef(ResourceKind.USER.value, str(user.id), user.username),),
                detail=json.dumps(detail) if detail else "",
                **actor_fields(actor_of_user(user)),
            ),
        )

    def set_language(self, session: Session, actor: Actor, language: str) -> User:
        """The language of the person's pages: nl, fr, de or en, or empty for the browser's. Audited."""
        user = self._own_account(session, actor, LANGUAGE_ACTION)
        if language and language not in LANGUAGES:
            raise InvalidInput(
                _("language: choose one of {choices}, or none for the browser's", choices=", ".join(LANGUAGES))
            )
        user.language = language
        self._audit_account(
            session, user, LANGUAGE_ACTION, "granted", "language chosen", language=language or "browser"
        )
        return user

    def change_own_password(
        self, session: Session, actor: Actor, current_session: uuid.UUID | None, current: str, new: str, client: str
    ) -> User:
        """Change the person's own password, given the current one; their other sessions end
        and a reset's demand for a new password is lifted. A wrong current password counts as
        a failed sign-in from `client` (the same throttling) and raises PasswordRefused, while
        that address must wait LoginThrottled; either is audited."""
        now = self._clock()
        user = self._own_account(session, actor, PASSWORD_ACTION)
        by_name, by_address = self._throttle_keys(user.username, client)
        throttles = self._locked_throttles(session, (by_name, by_address), user, now)
        right = self._verify(user.password_hash, current)
        blocked_until = max(throttle.blocked_until for throttle in throttles.values())
        if blocked_until > now:
            until = blocked_until.strftime("%H:%M:%S UTC")
            self._audit_account(session, user, PASSWORD_ACTION, "refused", f"throttled until {until}", client=client)
            wait = math.ceil((blocked_until - now).total_seconds())
            raise LoginThrottled(
                _(
                    "Too many wrong passwords from your address: try again after {until} (in {wait}).",
                    until=until,
                    wait=_duration(wait),
                ),
                retry_after=wait,
            )
        if not right:
            self._count_failure(session, throttles, (by_name, by_address), now)
            self._audit_account(session, user, PASSWORD_ACTION, "refused", "wrong current password", client=client)
            raise PasswordRefused(_("The current password is wrong: type it again."))
        if new == current:
            raise InvalidInput(_("Choose a new password that differs from the current one."))
        self._check_password(new)
        session.delete(throttles[by_name.key_hash])
        user.password_hash = self.hasher.hash(new)
        user.must_change_password = False
        session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.id != current_session))
        self._audit_account(
            session, user, PASSWORD_ACTION, "granted", "password changed; other sessions ended", client=client
        )
        return user

    def user_by_name(self, session: Session, username: str) -> User:
        user = session.scalars(select(User).where(User.username == username.strip().lower())).first()
        if user is None:
            raise NotFound(_("no user named '{name}'", name=username))
        return user

    def _managed_user(self, session: Session, actor: Actor, asked: str, **detail: object) -> User:
        """The account an administrator acts on, through the gate: an organisation's
        administrator reaches only its own people (another's are not confirmed to exist)."""
        user = session.scalars(select(User).where(User.username == asked)).first()
        owner = user.organisation if user is not None else None
        resource = Resource(
            ResourceKind.USER,
            str(user.id) if user else "",
            asked,
            owner.id if owner else None,
            asked=asked,
            known=user is not None,
            owner_name=owner.name if owner else "",
        )
        self._require(session, actor, Action.MANAGE_USERS, resource, **detail)
        if user is None:
            raise NotFound(_("no user named '{name}'", name=asked))
        return user

    def managed_user(self, session: Session, actor: Actor, username: str) -> User:
        """An account an administrator opens to change it (their organisation's, or any for the
        platform's administrator); another organisation's is refused as not found."""
        return self._managed_user(session, actor, _printable(username, _("user name")).strip().lower(), change="open")

    def _platform_role(self, session: Session, actor: Actor, role: str, username: str) -> None:
        """Only the platform's administrator gives the platform's roles (administrator, auditor)."""
        if role in (Role.PLATFORM_ADMIN.value, Role.AUDITOR.value):
            self._require(
                session,
                actor,
                Action.MANAGE_ORGANISATIONS,
                Resource(ResourceKind.USER, "", username),
                change="platform_role",
                role=role,
            )

    @staticmethod
    def _own(actor: Actor, sees_all: bool) -> uuid.UUID | None:
        """The organisation a listing is confined to: the actor's, unless they see all."""
        return None if sees_all or actor.kind is ActorKind.SYSTEM else actor.organisation_id

    def list_users(self, session: Session, actor: Actor) -> list[User]:
        """The accounts of the administrator's organisation (every account, for the platform's)."""
        self._require(session, actor, Action.MANAGE_USERS, Resource(ResourceKind.USER, "*", "all"), change="list")
        statement = select(User).order_by(User.username)
        own = self._own(actor, actor.role is Role.PLATFORM_ADMIN)
        if own is not None:
            statement = statement.where(User.organisation_id == own)
        return list(session.scalars(statement))

    def list_organisations(self, session: Session, actor: Actor) -> list[Organisation]:
        self._require(
            session, actor, Action.MANAGE_ORGANISATIONS, Resource(ResourceKind.ORGANISATION, "*", "all"), change="list"
        )
        return list(session.scalars(select(Organisation).order_by(Organisation.name)))

    def list_tokens(self, session: Session, actor: Actor) -> list[ApiToken]:
        """The machine tokens of the administrator's organisation."""
        self._require(session, actor, Action.MANAGE_TOKENS, Resource(ResourceKind.API_TOKEN, "*", "all"), change="list")
        statement = select(ApiToken).order_by(ApiToken.created_at.desc())
        own = self._own(actor, False)
        if own is not None:
            statement = statement.where(ApiToken.organisation_id == own)
        return list(session.scalars(statement))

    @staticmethod
    def own_organisation(session: Session, actor: Actor) -> list[Organisation]:
        """The actor's organisation, for the forms of an organisation's administrator."""
        org = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
        return [org] if org is not None else []

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
        name = _printable(name, _("token name")).strip()
        token_id = uuid.uuid4()
        self.gate.require_function(session, actor, "tokens", Action.MANAGE_TOKENS)
        org = find_organisation(session, organisation)
        self._require(
            session,
            actor,
            Action.MANAGE_TOKENS,
            Resource(ResourceKind.API_TOKEN, str(token_id), name, org.id, owner_name=org.name),
            change="create",
            organisation=organisation,
            scopes=" ".join(sorted(set(scopes))),
        )
        if not 2 <= len(name) <= 100:
            raise InvalidInput(_("token name must be 2 to 100 characters"))
        unknown = sorted(set(scopes) - KNOWN_SCOPES)
        if not scopes or unknown:
            raise InvalidInput(
                _(
                    "unknown or missing scope {scopes}; choose from {choices}",
                    scopes=", ".join(unknown) or _("(none given)"),
                    choices=", ".join(sorted(KNOWN_SCOPES)),
                )
            )
        if valid_days is not None and not 1 <= valid_days <= 3650:
            raise InvalidInput(_("valid_days must be between 1 and 3650"))
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        token = ApiToken(
            id=token_id,
            name=name,
            organisation_id=org.id,
            scopes=" ".join(sorted(set(scopes))),
            token_hash=_digest(secret),
            prefix=secret[:10],
            created_at=now,
            expires_at=now + timedelta(days=valid_days) if valid_days else None,
        )
        session.add(token)
        session.flush()
        session.refresh(token)
        return token, secret

    def revoke_token(self, session: Session, actor: Actor, token_id: str) -> ApiToken:
        try:
            wanted: uuid.UUID | None = uuid.UUID(token_id)
        except ValueError:
            wanted = None
        token = session.get(ApiToken, wanted) if wanted else None
        self._require(
            session,
            actor,
            Action.MANAGE_TOKENS,
            Resource(
                ResourceKind.API_TOKEN,
                str(wanted) if wanted else "",
                token.name if token else "(not a token id)",
                token.organisation_id if token else None,
                asked=token_id[:64],
                known=token is not None,
            ),
            change="revoke",
        )
        if token is None:
            raise NotFound(_("no API token with id '{id}'", id=token_id))
        token.revoked_at = token.revoked_at or self._clock()
        return token

    # -- sign-in ----------------------------------------------------------------------

    def _audit_sign_in(
        self, session: Session, username: str, user: User | None, client: str, outcome: str, reason: str
    ) -> None:
        who = actor_fields(actor_of_user(user)) if user else {"actor_name": username[:64]}
        self.audit.append(
            session,
            AuditEntry(
                op="sign_in",
                action="auth.login",
                outcome=outcome,
                reason=reason,
                detail=json.dumps({"client": client or "unknown"}),
                **who,
            ),
        )

    def login(self, session: Session, username: str, password: str, kind: str, client: str) -> SignIn:
        """Check a password from the client at address `client` and open a session, or raise
        LoginRefused (LoginThrottled while that address, or that name from it, must wait).

        Every path verifies one argon2 hash, a dummy one for an unknown name; an unknown
        name, a wrong password and a disabled account with a wrong password get the same
        answer, and only the right password learns that an account is disabled. Audited
        either way: LoginRefused is a Refusal, so the unit of work commits the failure
        counts and the audit record before the error reaches the caller.
        """
        now = self._clock()
        name = _printable(username, _("user name")).strip().lower()
        user = session.scalars(select(User).where(User.username == name)).first()
        by_name, by_address = self._throttle_keys(name, client)
        throttles = self._locked_throttles(session, (by_name, by_address), user, now)
        right = self._verify(user.password_hash if user else self._dummy_hash, password)
        blocked_until = max(throttle.blocked_until for throttle in throttles.values())
        if blocked_until > now:
            until = blocked_until.strftime("%H:%M:%S UTC")
            self._audit_sign_in(session, username, user, client, "refused", f"throttled until {until}")
            wait = math.ceil((blocked_until - now).total_seconds())
            raise LoginThrottled(
                _(
                    "Too many failed sign-ins from your address: try again after {until} (in {wait}).",
                    until=until,
                    wait=_duration(wait),
                ),
                retry_after=wait,
            )
        if user is None or not right:
            self._count_failure(session, throttles, (by_name, by_address), now)
            if user is None:
                reason = "unknown user name"
            else:
                reason = "wrong password" if user.active else "wrong password (account disabled)"
            self._audit_sign_in(session, username, user, client, "refused", reason)
            raise LoginRefused(WRONG_CREDENTIALS)
        if not user.active:
            self._audit_sign_in(session, username, user, client, "refused", "account disabled")
            raise LoginRefused(_("This account is disabled; ask an administrator."))
        session.delete(throttles[by_name.key_hash])
        user.last_login_at = now
        if self.hasher.check_needs_rehash(user.password_hash):
            user.password_hash = self.hasher.hash(password)
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
        self._audit_sign_in(session, username, user, client, "granted", f"signed in ({kind})")
        return SignIn(token, csrf, expires, user)

    def _throttle_keys(self, name: str, client: str) -> tuple[_ThrottleKey, _ThrottleKey]:
        network = client_network(client)
        return (
            _ThrottleKey(_digest(f"name\n{name}\n{network}"), "name", self.security.login_free_failures_per_name),
            _ThrottleKey(_digest(f"address\n{network}"), "address", self.security.login_free_failures_per_address),
        )

    def _locked_throttles(
        self, session: Session, keys: Sequence[_ThrottleKey], user: User | None, now: datetime
    ) -> dict[str, LoginThrottle]:
        """This attempt's throttle entries by key, created when new and locked until the
        transaction ends, so that concurrent attempts from one address count one by one
        (SQLite's write lock does that by itself; PostgreSQL needs the row locks)."""
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        fresh = [
            {
                "key_hash": key.key_hash,
                "scope": key.scope,
                "user_id": user.id if user and key.scope == "name" else None,
                "failures": 0,
                "window_start": now,
                "blocked_until": now,
            }
            for key in keys
        ]
        session.execute(insert(LoginThrottle).on_conflict_do_nothing(index_elements=["key_hash"]), fresh)
        statement = (
            select(LoginThrottle)
            .where(LoginThrottle.key_hash.in_([key.key_hash for key in keys]))
            .order_by(LoginThrottle.key_hash)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        throttles = {throttle.key_hash: throttle for throttle in session.scalars(statement)}
        for key in keys:
            if key.scope == "name" and user is not None:
                throttles[key.key_hash].user_id = user.id
        return throttles

    def _count_failure(
        self, session: Session, throttles: dict[str, LoginThrottle], keys: Sequence[_ThrottleKey], now: datetime
    ) -> None:
        """Count one failure on each entry and set how long its next attempt waits; forget
        the entries nobody has failed on for a window."""
        security = self.security
        window = timedelta(minutes=security.login_failure_window_minutes)
        for key in keys:
            throttle = throttles[key.key_hash]
            if throttle.failures == 0 or now >= throttle.blocked_until + window:
                throttle.failures = 0
                throttle.window_start = now
            throttle.failures += 1
            wait = backoff_seconds(
                throttle.failures, key.free, security.login_backoff_seconds, security.login_backoff_max_seconds
            )
            throttle.blocked_until = now + timedelta(seconds=wait)
        session.flush()
        stale = (
            select(LoginThrottle.key_hash)
            .where(LoginThrottle.blocked_until < now - window)
            .with_for_update(skip_locked=True)
        )
        session.execute(
            delete(LoginThrottle).where(LoginThrottle.key_hash.in_(stale)),
            execution_options={"synchronize_session": False},
        )

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
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
                _(
                    "Only a person's sign-in carries a shift purpose; API clients send the purpose with each stream "
                    "(?purpose=administrative&justification=...)."
                )
            )
        minimum = self.gate.rules.justification_min_length
        if purpose is not None and len(purpose.justification.strip()) < minimum:
            raise InvalidInput(
                _n(
                    "The justification is too short: describe the reason in at least {count} character.",
                    "The justification is too short: describe the reason in at least {count} characters.",
                    minimum,
                )
            )
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
            user = user_session.user
            return Identity(
                actor_of_user(user),
                via,
                user_session.csrf_token,
                user_session.id,
                user.language,
                user.must_change_password,
            )
        if secret.startswith(TOKEN_PREFIX) and via == "bearer":
            token = session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(secret))).first()
            if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
                return None
            token.last_used_at = now
            return Identity(actor_of_token(token), "token")
        return None
