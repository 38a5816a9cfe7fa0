"""Sharing pages: grants given and received, camera groups, and the use of one's cameras.

Thin over `belfort.sharing.grants`, `belfort.cameras.groups` and `belfort.sharing.use`,
which pass the gate for every list and change. Forms answer with a redirect
(post/redirect/get); bad input draws the page again with what was typed and the message.
Times are typed and shown in the site's zone; they are stored in UTC.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.models import Organisation, User
from belfort.auth.service import Identity
from belfort.cameras.grants import members
from belfort.cameras.groups import RULES, describe_rule
from belfort.errors import BelfortError
from belfort.i18n import _
from belfort.policy import Action, Right, Role, may
from belfort.policy.rules import PURPOSE_WORDS, RIGHT_WORDS, ROLE_TITLES
from belfort.sharing.grants import GrantSpec, Narrowing
from belfort.sharing.use import UseFilter
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import render, say
from belfort.web.routes.common import form_time, page_form

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=1000)]
Short = Annotated[str, Form(max_length=120)]
Words = Annotated[list[str], Form(max_length=500)]
GRANT_FORM = {
    "grantee": "",
    "target": "cameras",
    "cameras": [],
    "group": "",
    "rights": ["live"],
    "purposes": [],
    "valid_from": "",
    "valid_until": "",
    "reason": "",
}
GROUP_FORM = {"name": "", "rule": "picked", "value": "", "cameras": []}


def _names(session: Session, ids: set[str]) -> dict[str, str]:
    wanted = {uuid.UUID(i) for i in ids}
    if not wanted:
        return {}
    return {str(i): n for i, n in session.execute(select(User.id, User.username).where(User.id.in_(wanted)))}


def _common(services: Services, session: Session, identity: Identity) -> dict[str, Any]:
    actor = identity.actor
    return {
        "may_grant": may(actor, Action.MANAGE_GRANTS),
        "may_narrow": may(actor, Action.NARROW_GRANTS),
        "may_group": may(actor, Action.MANAGE_GROUPS),
        "may_use": may(actor, Action.REVIEW_USE),
        "right_words": {r.value: RIGHT_WORDS[r] for r in Right},
        "purpose_words": {p.value: w for p, w in PURPOSE_WORDS.items()},
        "members": members,
    }


def _own_cameras(services: Services, session: Session, identity: Identity) -> list[Any]:
    actor = identity.actor
    return [c for c in services.cameras.visible(session, actor) if c.organisation_id == actor.organisation_id]


# -- grants ------------------------------------------------------------------------------


def _grants_page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    ended: bool = False,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    given = services.grants.given(session, actor, include_ended=ended)
    received = services.grants.received(session, actor, include_ended=ended)
    context = _common(services, session, identity)
    people = {p for row in received for p in members(row.grant.narrow_people)}
    people |= {p for row in given for p in members(row.grant.narrow_people)}
    organisations = []
    if context["may_grant"]:
        organisations = [
            o.name
            for o in session.scalars(select(Organisation).order_by(Organisation.name))
            if o.id != actor.organisation_id
        ]
    return render(
        request,
        "sharing_grants.html",
        status_code=status_code,
        **context,
        given=given,
        received=received,
        ended=ended,
        now=services.clock(),
        people=_names(session, people),
        organisations=organisations,
        cameras=_own_cameras(services, session, identity) if context["may_grant"] else [],
        groups=services.groups.listed(session, actor) if context["may_grant"] else [],
        roles=[(r.value, ROLE_TITLES[r]) for r in (Role.OPERATOR, Role.INSPECTOR, Role.SUPERVISOR, Role.DPO)],
        values={**GRANT_FORM, **(values or {})},
        error=say(request, error) if error else "",
    )


@router.get("/sharing")
def sharing_home(identity: Identity = Depends(current_identity)) -> Response:
    return RedirectResponse("/sharing/grants", status_code=303)


@router.get("/sharing/grants")
def grants_page(
    request: Request,
    ended: Annotated[int, Query(ge=0, le=1)] = 0,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _grants_page(request, services, session, identity, bool(ended))


_grants_form = partial(page_form, _grants_page, "/sharing/grants")


@router.post("/sharing/grants")
def grants_add(
    request: Request,
    grantee: Short = "",
    target: Annotated[Literal["cameras", "group"], Form()] = "cameras",
    cameras: Words = [],  # noqa: B006 - FastAPI copies defaults
    group: Short = "",
    rights: Words = [],  # noqa: B006
    purposes: Words = [],  # noqa: B006
    valid_from: Annotated[str, Form(max_length=40)] = "",
    valid_until: Annotated[str, Form(max_length=40)] = "",
    reason: Text = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    values = {
        "grantee": grantee,
        "target": target,
        "cameras": cameras,
        "group": group,
        "rights": rights,
        "purposes": purposes,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "reason": reason,
    }
    zone = services.settings.zone

    def change() -> str:
        spec = GrantSpec(
            grantee=grantee,
            rights=rights,
            reason=reason,
            cameras=cameras if target == "cameras" else (),
            group=group if target == "group" else "",
            valid_from=form_time(valid_from, _("Valid from"), zone) if valid_from.strip() else None,
            valid_until=form_time(valid_until, _("Valid until"), zone) if valid_until.strip() else None,
            purposes=purposes,
        )
        made = services.grants.add(session, identity.actor, spec)
        return _n_granted(len(made), grantee)

    return _grants_form(request, services, session, identity, change, values)


def _n_granted(count: int, grantee: str) -> str:
    if count == 1:
        return _("Grant to {grantee} given.", grantee=grantee)
    return _("{count} grants to {grantee} given, one per camera.", count=count, grantee=grantee)


@router.post("/sharing/grants/{grant_id}/revoke")
def grants_revoke(
    request: Request,
    grant_id: str,
    reason: Text = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        grant = services.grants.revoke(session, identity.actor, grant_id, reason)
        return _("Grant to {grantee} revoked: its live streams were stopped.", grantee=grant.grantee.name)

    return _grants_form(request, services, session, identity, change)


@router.post("/sharing/grants/{grant_id}/narrow")
def grants_narrow(
    request: Request,
    grant_id: str,
    rights: Words = [],  # noqa: B006
    roles: Words = [],  # noqa: B006
    people: Annotated[str, Form(max_length=2000)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    names = [name.strip() for name in people.replace(";", ",").split(",") if name.strip()]

    def change() -> str:
        grant = services.grants.narrow(
            session, identity.actor, grant_id, Narrowing(rights=rights, roles=roles, people=names)
        )
        return _("Grant from {owner} narrowed.", owner=grant.owner.name)

    return _grants_form(request, services, session, identity, change)


# -- groups ------------------------------------------------------------------------------


def _groups_page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    groups = services.groups.listed(session, actor)
    owners = {str(o.id): o.name for o in session.scalars(select(Organisation))}
    return render(
        request,
        "sharing_groups.html",
        status_code=status_code,
        **_common(services, session, identity),
        groups=[(view, describe_rule(view.group, owners)) for view in groups],
        rules=RULES,
        cameras=services.cameras.visible(session, actor),
        organisations=sorted(owners.values()),
        values={**GROUP_FORM, **(values or {})},
        error=say(request, error) if error else "",
    )


@router.get("/sharing/groups")
def groups_page(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _groups_page(request, services, session, identity)


_groups_form = partial(page_form, _groups_page, "/sharing/groups")


@router.post("/sharing/groups")
def groups_add(
    request: Request,
    name: Short = "",
    rule: Annotated[str, Form(max_length=10)] = "picked",
    value: Annotated[str, Form(max_length=200)] = "",
    cameras: Words = [],  # noqa: B006
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    values = {"name": name, "rule": rule, "value": value, "cameras": cameras}

    def change() -> str:
        group = services.groups.create(session, identity.actor, name, rule, value, cameras if rule == "picked" else ())
        return _("Group '{name}' made.", name=group.name)

    return _groups_form(request, services, session, identity, change, values)


@router.post("/sharing/groups/{group_id}/cameras")
def groups_set_cameras(
    request: Request,
    group_id: str,
    cameras: Words = [],  # noqa: B006
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        group = services.groups.set_cameras(session, identity.actor, group_id, cameras)
        return _("The cameras of group '{name}' were saved.", name=group.name)

    return _groups_form(request, services, session, identity, change)


@router.post("/sharing/groups/{group_id}/delete")
def groups_delete(
    request: Request,
    group_id: str,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        group = services.groups.require(session, identity.actor, group_id)
        name = group.name
        services.groups.remove(session, identity.actor, group_id)
        return _("Group '{name}' deleted.", name=name)

    return _groups_form(request, services, session, identity, change)


# -- use of our cameras ------------------------------------------------------------------


@router.get("/sharing/use")
def use_page(
    request: Request,
    organisation: Annotated[str, Query(max_length=200)] = "",
    person: Annotated[str, Query(max_length=200)] = "",
    camera: Annotated[str, Query(max_length=200)] = "",
    outcome: Literal["", "granted", "refused"] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    actor = identity.actor
    values = {
        "organisation": organisation,
        "person": person,
        "camera": camera,
        "outcome": outcome,
        "since": since,
        "until": until,
    }
    zone = services.settings.zone
    error = ""
    status_code = 200
    try:
        flt = UseFilter(
            organisation=organisation,
            person=person,
            camera=camera,
            outcome=outcome,
            since=form_time(since, _("Since"), zone) if since.strip() else None,
            until=form_time(until, _("Until"), zone) if until.strip() else None,
            before_seq=before,
        )
    except BelfortError as exc:
        flt, error, status_code = UseFilter(), say(request, exc.message), exc.status_code
    view = services.camera_use.view(session, actor, flt)
    given = services.grants.given(session, actor)
    return render(
        request,
        "sharing_use.html",
        status_code=status_code,
        **_common(services, session, identity),
        view=view,
        given=given,
        values=values,
        error=error,
    )
