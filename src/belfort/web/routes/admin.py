"""Administration API: organisations, user accounts and machine tokens (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.policy import Actor
from belfort.web.deps import current_actor, db_session, get_services
from belfort.web.routes.common import organisation_out, token_out, user_out
from belfort.web.routes.schemas import (
    OrganisationIn,
    OrganisationOut,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)

router = APIRouter(prefix="/api", tags=["administration"])


@router.get("/organisations", response_model=list[OrganisationOut], summary="List organisations")
def list_organisations(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[OrganisationOut]:
    return [organisation_out(org) for org in services.accounts.list_organisations(session, actor)]


@router.post("/organisations", response_model=OrganisationOut, status_code=201, summary="Add an organisation")
def add_organisation(
    body: OrganisationIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> OrganisationOut:
    return organisation_out(services.accounts.add_organisation(session, actor, body.name, body.kind))


@router.get("/users", response_model=list[UserOut], summary="List user accounts")
def list_users(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[UserOut]:
    return [user_out(user, services) for user in services.accounts.list_users(session, actor)]


@router.post("/users", response_model=UserOut, status_code=201, summary="Add a user account")
def add_user(
    body: UserIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> UserOut:
    user = services.accounts.add_user(
        session,
        actor,
        username=body.username,
        role=body.role,
        organisation=body.organisation,
        password=body.password,
        full_name=body.full_name,
    )
    return user_out(user, services)


@router.patch(
    "/users/{username}", response_model=UserOut, summary="Change an account: name, role, organisation, password"
)
def change_user(
    username: str,
    body: UserPatch,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> UserOut:
    user = services.accounts.update_user(
        session,
        actor,
        username,
        full_name=body.full_name,
        role=body.role,
        organisation=body.organisation,
        password=body.password,
    )
    return user_out(user, services)


@router.post("/users/{username}/disable", response_model=UserOut, summary="Disable an account and end its sessions")
def disable_user(
    username: str,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> UserOut:
    return user_out(services.accounts.set_active(session, actor, username, False), services)


@router.post(
    "/users/{username}/enable",
    response_model=UserOut,
    summary="Enable an account and clear the sign-in throttling of its name",
)
def enable_user(
    username: str,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> UserOut:
    return user_out(services.accounts.set_active(session, actor, username, True), services)


@router.get("/tokens", response_model=list[TokenOut], summary="List machine API tokens")
def list_tokens(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[TokenOut]:
    return [token_out(token) for token in services.accounts.list_tokens(session, actor)]


@router.post("/tokens", response_model=TokenCreated, status_code=201, summary="Issue a machine API token")
def create_token(
    body: TokenIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> TokenCreated:
    token, secret = services.accounts.create_token(
        session,
        actor,
        name=body.name,
        organisation=body.organisation,
        scopes=body.scopes,
        valid_days=body.valid_days,
    )
    return TokenCreated(**token_out(token).model_dump(), token=secret)


@router.post("/tokens/{token_id}/revoke", response_model=TokenOut, summary="Revoke a machine API token")
def revoke_token(
    token_id: str,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> TokenOut:
    return token_out(services.accounts.revoke_token(session, actor, token_id))
