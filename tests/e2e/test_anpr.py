"""ANPR in Chromium: a read sent by an edge camera's token reaches the hits panel of the
operator's wall within a second; one click puts the camera on the wall; an inspector
rejects a look-alike hit with a reason on the ANPR page."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx2 as httpx
import pytest
from playwright.sync_api import Dialog, Locator, Page, expect

from belfort.anpr.hotlists import parse_csv
from belfort.anpr.models import Hotlist
from belfort.app import Services
from belfort.cameras.service import CameraSpec
from belfort.media.simulated import DEMO_CLIPS, encode_clip
from belfort.timeutil import Clock, iso_utc, utcnow
from tests.conftest import POLICE, SYSTEM, Population
from tests.e2e.conftest import artifact
from tests.e2e.test_audit_page import sign_in
from tests.e2e.test_wall import JUSTIFICATION

HOTLIST = b"plate,category,priority,valid until,note\n1-ABC-234,stolen,1,,grey Volkswagen Golf\n"


@pytest.fixture
def clock() -> Clock:
    return utcnow


@pytest.fixture
def anpr_site(services: Services, population: Population) -> Iterator[dict[str, str]]:
    """An edge ANPR camera (its live stream a simulated camera), a hotlist and an ingest token."""
    clip = DEMO_CLIPS[3]
    encode_clip(clip, services.media.clip_path(clip.name))
    with services.db.session() as session:
        camera = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(
                name="Ring Noord ANPR",
                organisation=POLICE,
                main_url=f"sim://{clip.name}",
                area="Ring",
                council_consent_ref="GR/2026/041",
                enabled=True,
            ),
        )
    secret = hotlist_and_token(services)
    services.settings.recording.sweep_interval_seconds = 3600
    services.start_recording()
    yield {"camera": str(camera.id), "token": secret}


def hotlist_and_token(services: Services) -> str:
    """The police zone's "National" hotlist (built) and an edge camera's ingest token (its secret)."""
    with services.db.session() as session:
        _, secret = services.accounts.create_token(
            session, SYSTEM, name="anpr-ring", organisation=POLICE, scopes=["anpr:ingest"]
        )
        police = next(o for o in services.accounts.list_organisations(session, SYSTEM) if o.name == POLICE)
        hotlist = Hotlist(organisation_id=police.id, name="National", updated_at=utcnow(), updated_by="test")
        session.add(hotlist)
        session.flush()
        services.anpr.hotlists.replace_entries(session, SYSTEM, hotlist, parse_csv(HOTLIST))
    services.anpr.hotlists.build_now(police.id)
    return str(secret)


def wall_hits(page: Page, base: str) -> Locator:
    """The operator's wall on the server at `base`, the shift's purpose stated: its hits panel, empty."""
    page.goto(f"{base}/login")
    sign_in(page, "operator")
    dialog = page.locator("#purpose-dialog")
    dialog.get_by_label("Justification").fill(JUSTIFICATION)
    dialog.get_by_role("button", name="Start watching").click()
    expect(page.locator("#wall-page")).to_have_attribute("data-ready", "true")
    panel = page.get_by_test_id("wall-hits")
    expect(panel).to_contain_text("No open hits")
    return panel


def send_read(base: str, token: str, plate: str, client_id: str) -> None:
    answer = httpx.post(
        f"{base}/api/anpr/reads",
        json={"reads": [{"id": client_id, "plate": plate, "time": iso_utc(utcnow()), "camera": "Ring Noord ANPR"}]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def test_a_hit_reaches_the_wall_within_a_second_and_one_click_puts_its_camera_on_it(
    live_server: str, anpr_site: dict[str, str], page: Page
) -> None:
    panel = wall_hits(page, live_server)
    page.get_by_test_id("tile").nth(3).click()
    sent = time.monotonic()
    send_read(live_server, anpr_site["token"], "1-ABC-234", "r1")
    card = panel.get_by_test_id("hit")
    expect(card).to_contain_text("1-ABC-234", timeout=5_000)
    elapsed = time.monotonic() - sent
    assert elapsed < 1.0, f"the hit took {elapsed:.2f} s from the read to the wall"
    expect(card).to_contain_text("Stolen")
    artifact("anpr-hit-latency.txt").write_text(f"read to hit on the wall: {elapsed * 1000:.0f} ms\n")
    card.get_by_test_id("on-wall").click()
    tile = page.get_by_test_id("tile").nth(3)
    expect(tile).to_have_attribute("data-camera", anpr_site["camera"])
    expect(tile).to_have_attribute("data-state", "online", timeout=15_000)
    page.screenshot(path=artifact("anpr-wall-hit.png"))


def test_an_inspector_rejects_a_look_alike_hit_with_a_reason(
    live_server: str, anpr_site: dict[str, str], page: Page
) -> None:
    page.goto(f"{live_server}/login?next=/anpr/hits")
    sign_in(page, "inspector")
    hits = page.get_by_test_id("hits")
    expect(hits).to_contain_text("No open hits")
    send_read(live_server, anpr_site["token"], "1-A8C-234", "r2")
    card = hits.get_by_test_id("hit")
    expect(card).to_contain_text("look-alike characters")
    page.screenshot(path=artifact("anpr-hits-page.png"))

    def answer(dialog: Dialog) -> None:
        dialog.accept("misread: 8 is a B")

    page.once("dialog", answer)
    card.get_by_test_id("reject").click()
    expect(card).to_contain_text("rejected by inspector")
    shown = page.evaluate(
        """async () => {
          const { when } = await import("/static/anpr-hits.js");
          const morning = new Date("2026-10-25T05:00:00Z");
          return [when("2026-10-25T00:30:00Z", morning), when("2026-01-10T12:00:00Z", morning)];
        }"""
    )
    assert shown == ["02:30:00", "10/01, 13:00:00"], "hit times are Brussels time, dated when not of today"
