"""Tables for organisations, users, sessions, API tokens and sign-in throttling."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from belfort.db.base import Base, UTCDateTime, new_id


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    live_designation_required: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    """Whether only the people its chief designated (`belfort.staffing`) watch live. On for a
    police zone created since designations exist; off for the organisations that were there
    before, until their administrator switches it on."""


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="", server_default="")
    """The pages' language the person chose (nl, fr, de, en); empty: the browser's, then the site's."""
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    """Set when an administrator resets the password: the next sign-in must choose a new one."""

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    throttles: Mapped[list[LoginThrottle]] = relationship(viewonly=True)
    """Failures counted against this user name, one entry per client address that made them."""

    def throttled_until(self, now: datetime) -> datetime | None:
        """When the longest wait imposed on sign-ins with this name ends, if one is running.

        It binds only the addresses that failed: the owner elsewhere signs in as usual."""
        ends = [throttle.blocked_until for throttle in self.throttles if throttle.blocked_until > now]
        return max(ends, default=None)


class UserSession(Base):
    """A sign-in: for pages (cookie, with a CSRF token) or for the API (bearer)."""

    __tablename__ = "user_session"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    live_purpose_kind: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    """The purpose stated for live viewing during this sign-in (one shift); empty until stated."""
    live_purpose_justification: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    live_purpose_legal_ref: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    live_purpose_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    """A machine client's credential, limited to named scopes and to one organisation."""

    __tablename__ = "api_token"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    scopes: Mapped[str] = mapped_column(Text, nullable=False)
    """Space-separated scope names."""
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Recent failed sign-ins of one client address (scope `address`), or of one typed user
    name from one address (scope `name`), and until when further attempts must wait.

    The key is the SHA-256 of what is counted, so neither the address nor a name typed by
    mistake (a password in the wrong box) is stored in clear. `user_id` links a `name` entry
    to the account of that name, if there is one, for administrators to see and clear.
    """

    __tablename__ = "login_throttle"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(10), nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), nullable=True, index=True
    )
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    """The first failure of the series being counted."""
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    """No attempt is checked before this; it is the last failure's time while failures are free.
    The series is forgotten one failure window after it."""
