"""Sign-in for the API: exchange a password for a bearer token, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity, LoginThrottled
from belfort.policy import capabilities
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import say
from belfort.web.routes.schemas import CapabilityOut, LoginRequest, LoginResponse, MeResponse

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/login",
    response_model=LoginResponse,
    summary="Exchange a user name and password for a bearer token",
    responses={429: {"description": "Too many failed sign-ins from this address: wait `Retry-After` seconds"}},
)
def login(
    body: LoginRequest,
    request: Request,
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> LoginResponse | JSONResponse:
    client = request.client.host if request.client else ""
    try:
        signed_in = services.accounts.login(session, body.username, body.password, kind="api", client=client)
    except LoginThrottled as throttled:
        headers = {"Retry-After": str(throttled.retry_after)}
        return JSONResponse({"detail": say(request, throttled.message)}, status_code=429, headers=headers)
    user = signed_in.user
    return LoginResponse(
        token=signed_in.token,
        expires_at=signed_in.expires_at,
        username=user.username,
        role=user.role,
        organisation=user.organisation.name,
    )


@router.post("/logout", status_code=204, summary="End this session")
def logout(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    if identity.via != "token":
        header = request.headers.get("authorization", "")
        secret = header.partition(" ")[2].strip() or request.cookies.get("belfort_session", "")
        services.accounts.logout(session, secret)
    return Response(status_code=204)


@router.get("/me", response_model=MeResponse, summary="Who the caller is and what they may do")
def me(request: Request, identity: Identity = Depends(current_identity)) -> MeResponse:
    actor = identity.actor
    allowed = capabilities(actor.role) if actor.role else []
    return MeResponse(
        kind=actor.kind.value,
        name=actor.name,
        role=actor.role.value if actor.role else None,
        organisation=actor.organisation_name,
        organisation_kind=actor.organisation_kind.value if actor.organisation_kind else None,
        scopes=sorted(actor.scopes),
        capabilities=[CapabilityOut(action=a.value, description=say(request, d)) for a, d in allowed],
    )
