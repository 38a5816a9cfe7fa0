"""Home: what each person may do, with links to the pages of their role.

Each area has its own page module (`camera_pages`, `audit_pages`, `admin_pages`, `holds`,
`evidence`, `anpr_pages`, `wall`, `login`, `account_pages`), drawn through
`belfort.web.rendering`. Pages call the same services and so the same policy gate as the
API; they decide nothing about access. Forms that change state carry the session's CSRF token (checked in
`belfort.web.deps`) and answer with a redirect (post/redirect/get, `belfort.web.flash`).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.policy import Action, Role, capabilities
from belfort.transparency.processing import DECLARATION_STATES
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import GOVERNANCE_PAGE, governance_links, render

router = APIRouter(include_in_schema=False)

PAGES: dict[Action, str] = {
    Action.VIEW_LIVE: "/wall",
    Action.VIEW_RECORDING: "/cameras",
    Action.EXPORT_EVIDENCE: "/evidence",
    Action.PLACE_HOLD: "/holds",
    Action.LIFT_HOLD: "/holds?state=active",
    Action.HANDLE_HITS: "/anpr/hits",
    Action.SEARCH_PLATES: "/anpr/search",
    Action.MANAGE_HOTLISTS: "/anpr/hotlists",
    Action.REVIEW_AUDIT: "/audit",
    Action.VERIFY_AUDIT: "/audit/verify",
    Action.VIEW_HOLDS: "/holds",
    Action.VIEW_EXPORTS: "/evidence",
    Action.USE_WALL: "/wall",
    Action.VIEW_CAMERA: "/cameras",
    Action.MANAGE_CAMERAS: "/cameras",
    Action.MANAGE_USERS: "/admin#users",
    Action.MANAGE_ORGANISATIONS: "/admin#organisations",
    Action.MANAGE_TOKENS: "/admin#tokens",
    Action.VIEW_PROCESSING_REGISTER: "/processing",
    Action.EDIT_PROCESSING_REGISTER: "/processing",
    Action.HANDLE_SUBJECT_REQUESTS: "/subject-requests",
}


@router.get("/")
def home(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    actor = identity.actor
    if actor.role is Role.OPERATOR:
        return RedirectResponse("/wall", status_code=303)
    allowed = [(action, text, PAGES.get(action)) for action, text in capabilities(actor.role)] if actor.role else []
    days = services.settings.policy.administrative_consult_days
    return render(
        request,
        "home.html",
        allowed=allowed,
        administrative_days=days,
        subject_reminders=services.subject_requests.reminders(session, actor),
        declaration_reminders=services.processing_register.reminders(session, actor),
        declaration_states=DECLARATION_STATES,
    )


@router.get(GOVERNANCE_PAGE)
def governance(request: Request, identity: Identity = Depends(current_identity)) -> Response:
    """The oversight pages the role may open, in one list; each page asks the gate again."""
    return render(request, "governance.html", links=governance_links(identity.actor))
