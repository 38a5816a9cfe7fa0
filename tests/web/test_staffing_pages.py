"""Control-room pages: the menu entry, designating and revoking by form (bad days drawn again
with what was typed), the rule switch, planning a shift in local time, and the dashboard."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from belfort.app import Services
from belfort.auth.models import Organisation
from belfort.staffing.models import LiveDesignation, Shift
from tests.conftest import POLICE, Population
from tests.web.test_pages import sign_in


def test_designate_by_form_then_revoke(client: TestClient, services: Services, population: Population) -> None:
    csrf = sign_in(client, "admin")
    page = client.get("/staffing/designations")
    assert page.status_code == 200 and 'href="/staffing/supervision"' in page.text
    assert "Live view needs no designation in your organisation" in page.text
    form = {"csrf_token": csrf, "person": "operator", "trained_on": "2026-11-25", "valid_until": "2027-11-20"}
    bad = client.post("/staffing/designations", data=form)
    assert (
        bad.status_code == 422 and "the training must have taken place" in bad.text and 'value="2026-11-25"' in bad.text
    )
    reversed_days = client.post(
        "/staffing/designations", data={**form, "trained_on": "2026-11-10", "valid_until": "2026-11-09"}
    )
    assert reversed_days.status_code == 422 and "give a day after the training date" in reversed_days.text
    not_a_day = client.post("/staffing/designations", data={**form, "trained_on": "10/11/2026"})
    assert not_a_day.status_code == 422 and "Training date: &#39;10/11/2026&#39; is not a day" in not_a_day.text
    other = client.post("/staffing/designations", data={**form, "trained_on": "2026-11-10", "person": "partner"})
    assert other.status_code == 404
    done = client.post(
        "/staffing/designations",
        data={**form, "trained_on": "2026-11-10", "valid_until": "2026-12-10"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/staffing/designations"
    shown = client.get("/staffing/designations")
    assert "operator is designated to watch live until 2026-12-10." in shown.text
    assert 'data-testid="expiring"' in shown.text, "it ends within 30 days"
    rule = client.post("/staffing/designations/rule", data={"csrf_token": csrf, "required": "on"})
    assert rule.status_code == 200 and "only the people designated watch live" in rule.text
    with services.db.session() as session:
        designation = session.scalars(select(LiveDesignation)).one()
    revoked = client.post(
        f"/staffing/designations/{designation.id}/revoke",
        data={"csrf_token": csrf, "reason": "Moved to the detectives"},
    )
    assert revoked.status_code == 200 and "is revoked" in revoked.text


def test_plan_a_shift_in_local_time_and_see_the_dashboard(
    client: TestClient, services: Services, population: Population
) -> None:
    csrf = sign_in(client, "supervisor")
    assert 'href="/governance"' in client.get("/").text
    assert 'href="/staffing/supervision"' in client.get("/governance").text
    form = {"csrf_token": csrf, "person": "supervisor", "start": "2026-11-21T12:00", "end": "2026-11-21T11:00"}
    bad = client.post("/staffing/shifts", data=form)
    assert bad.status_code == 422 and "End: give a moment after the start" in bad.text
    done = client.post("/staffing/shifts", data={**form, "end": "2026-11-21T20:00", "team_chief": "true"})
    assert done.status_code == 200 and "Shift of supervisor planned." in done.text
    with services.db.session() as session:
        shift = session.scalars(select(Shift)).one()
    assert shift.starts_at == datetime(2026, 11, 21, 11, 0, tzinfo=UTC) and shift.team_chief  # Brussels: UTC+1
    board = client.get("/staffing/supervision")
    assert board.status_code == 200 and "No one watches live now." in board.text
    assert 'data-testid="team-chief-on-duty"' in board.text and "supervisor" in board.text
    week = client.get("/staffing/shifts?day=not-a-day")
    assert week.status_code == 200 and "is not a day" in week.text
    sign_in(client, "operator")  # the wall names the team chief on duty
    wall = client.get("/wall").text
    assert re.search(r'data-testid="wall-team-chief">Team chief on duty:\s*<strong>supervisor</strong>', wall)


def test_an_operator_may_not_open_the_control_room_pages(
    client: TestClient, services: Services, population: Population
) -> None:
    sign_in(client, "operator")
    for path in ("/staffing/supervision", "/staffing/designations", "/staffing/shifts"):
        assert client.get(path).status_code == 403, path
    assert 'data-testid="wall-team-chief"' not in client.get("/wall").text, "no shifts, no designations: no line"
    with services.db.session() as session:
        session.scalars(select(Organisation).where(Organisation.name == POLICE)).one().live_designation_required = True
    assert "Team chief on duty:\n        none planned" in client.get("/wall").text, "a control room that plans shifts"
