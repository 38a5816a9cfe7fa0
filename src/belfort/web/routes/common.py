"""Helpers the route modules share: settling a failed form, shaping answers. No access decisions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit.chain import decode_resources
from belfort.audit.models import AuditRecord
from belfort.auth.models import ApiToken, Organisation, User
from belfort.auth.service import Identity
from belfort.errors import BelfortError, InvalidInput, Refusal
from belfort.i18n import Message, _
from belfort.timeutil import parse_local
from belfort.transparency.register import RegisterRow, export_record
from belfort.web.flash import redirect_after_post
from belfort.web.rendering import say
from belfort.web.routes.schemas import AuditRecordOut, OrganisationOut, TokenOut, UserOut


def apply_form(
    request: Request,
    session: Session,
    change: Callable[[], str | tuple[str, dict[str, str]]],
    failed: Callable[[BelfortError], Response],
    back: str,
    after: Callable[[], None] | None = None,
) -> Response:
    """A form that changes something: apply `change` (its notice, with what to show once),
    commit, run `after`, and redirect to `back` (post/redirect/get). Bad input is answered by
    `failed` with nothing changed; a refusal of the gate (403, 404) is raised, recorded."""
    try:
        outcome = change()
    except BelfortError as exc:
        if exc.status_code in (403, 404):
            raise
        settle(session, exc)
        return failed(exc)
    notice, extra = outcome if isinstance(outcome, tuple) else (outcome, {})
    session.commit()
    if after is not None:
        after()
    return redirect_after_post(request, back, notice, extra)


FormChange = Callable[[], str | tuple[str, dict[str, str]]]
"""A form's change: it returns the notice to show once (and, in a tuple, what else to show)."""


def page_form(
    page: Callable[..., Response],
    back: str,
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    change: FormChange,
    values: dict[str, Any] | None = None,
    page_args: tuple[Any, ...] = (),
) -> Response:
    """A form on `page`: apply `change` and go `back`; bad input draws the page again (called
    with the request, services, session, identity and `page_args`) with the message and what
    was typed. Bind `page` and `back` once per page with functools.partial."""

    def failed(exc: BelfortError) -> Response:
        return page(
            request,
            services,
            session,
            identity,
            *page_args,
            status_code=exc.status_code,
            values=values,
            error=exc.message,
        )

    return apply_form(request, session, change, failed, back)


def register_records(request: Request, rows: Sequence[RegisterRow]) -> list[dict[str, Any]]:
    """The public register's rows as its exports and its API give them: texts in the reader's
    language, each owner's page as an address of this site."""
    base = str(request.base_url).rstrip("/")
    return [export_record(row, lambda text: say(request, text), base) for row in rows]


def settle(session: Session, error: BelfortError) -> None:
    """After a form's action failed: keep a refusal's audit record, undo anything else."""
    if isinstance(error, Refusal):
        session.commit()
    else:
        session.rollback()


def audit_out(record: AuditRecord) -> AuditRecordOut:
    return AuditRecordOut(
        id=str(record.id),
        seq=record.seq,
        ts_utc=record.ts_utc,
        op=record.op,
        action=record.action,
        outcome=record.outcome,
        actor_name=record.actor_name,
        role=record.role,
        organisation=record.organisation_name,
        purpose=record.purpose,
        justification=record.justification,
        legal_basis_ref=record.legal_basis_ref,
        resources=[ref.as_dict() for ref in decode_resources(record.resources)],
        range_start=record.range_start,
        range_end=record.range_end,
        recipient=record.recipient,
        reason=record.reason,
        detail=record.detail,
        prev_hash=record.prev_hash,
        hash=record.hash,
    )


def organisation_out(org: Organisation) -> OrganisationOut:
    return OrganisationOut(id=str(org.id), name=org.name, kind=org.kind, created_at=org.created_at)


def user_out(user: User, services: Services) -> UserOut:
    return UserOut(
        id=str(user.id),
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        organisation=user.organisation.name,
        active=user.active,
        throttled_until=user.throttled_until(services.clock()),
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=str(token.id),
        name=token.name,
        organisation=token.organisation.name,
        scopes=token.scopes.split(),
        prefix=token.prefix,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
    )


def form_time(value: str, label: str, zone: tzinfo) -> datetime:
    """A time typed in a form (or a `datetime-local` field): `YYYY-MM-DD HH:MM[:SS]`, the
    site's wall-clock time in `zone` unless it names its offset (`+01:00`, `Z`); aware UTC.
    A time the clocks skip, or one out of range, is refused naming the field `label`."""
    try:
        return parse_local(value, zone)
    except ValueError as exc:
        if exc.args and isinstance(exc.args[0], Message):
            raise InvalidInput(_("{field}: {problem}", field=label, problem=exc.args[0])) from None
        raise InvalidInput(
            _(
                "'{value}' is not a time for '{field}': use YYYY-MM-DD HH:MM, local time (or add an offset, "
                "such as +01:00).",
                value=value,
                field=label,
            )
        ) from None


def form_day(value: str, label: str) -> date:
    """A day typed in a form (a `date` field sends YYYY-MM-DD); a 4xx naming `label` else."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(_("{field}: '{day}' is not a day; use YYYY-MM-DD.", field=label, day=value[:40])) from None
