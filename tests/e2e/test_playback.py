"""A recorded segment plays in Chromium: a simulated camera is recorded by the real
ingest and recorder, an inspector opens the camera page, states a purpose and plays
the segment; the video's currentTime advances and the consultation is audited."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.cameras.service import CameraSpec
from belfort.media.simulated import DEMO_CLIPS, encode_clip
from belfort.timeutil import Clock, utcnow
from tests.conftest import POLICE, SYSTEM, Population
from tests.e2e.conftest import artifact
from tests.e2e.test_audit_page import sign_in

SEGMENT_SECONDS = 30


@pytest.fixture
def clock() -> Clock:
    """Recording anchors frames to the wall clock: this test needs the real one."""
    return utcnow


@pytest.fixture
def recording(services: Services, population: Population) -> Iterator[str]:
    clip = DEMO_CLIPS[0]
    encode_clip(clip, services.media.clip_path(clip.name))
    with services.db.session() as session:
        camera = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(
                name="Grote Markt",
                organisation=POLICE,
                main_url=f"sim://{clip.name}",
                street="Grote Markt",
                council_consent_ref="GR/2026/041",
                enabled=True,
            ),
        )
    services.settings.recording.segment_seconds = SEGMENT_SECONDS
    services.settings.recording.sweep_interval_seconds = 3600
    services.start_recording()
    yield str(camera.id)


def test_recorded_segment_plays_in_chromium(live_server: str, recording: str, page: Page, services: Services) -> None:
    page.goto(f"{live_server}/login?next=/cameras")
    sign_in(page, "inspector")
    row = page.get_by_test_id("camera-table").locator("tr[data-camera='Grote Markt']")
    expect(row.get_by_test_id("state")).to_have_text("online", timeout=10_000)
    deadline = time.monotonic() + SEGMENT_SECONDS + 20
    while time.monotonic() < deadline:
        page.goto(f"{live_server}/cameras/{recording}")
        complete = page.get_by_test_id("segments").locator("tbody tr", has_text="complete")
        if complete.count():
            break
        page.wait_for_timeout(2000)
    else:
        pytest.fail("no segment was completed in time")
    page.get_by_label("Justification").fill("Fight reported on the market square")
    complete.first.get_by_role("button", name="Play").click()
    expect(page.locator("#playback-message")).to_contain_text("Allowed")
    video = page.locator("#video")
    page.wait_for_function("() => document.getElementById('video').currentTime > 2", timeout=15_000)
    assert video.evaluate("v => v.videoWidth") == 640
    page.screenshot(path=artifact("playback.png"), full_page=True)
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person="inspector", action="recording.view"))
    assert records and records[0].outcome == "granted" and records[0].justification.startswith("Fight")


def test_playback_without_a_reason_is_refused_and_explained(live_server: str, recording: str, page: Page) -> None:
    page.goto(f"{live_server}/login?next=/cameras/{recording}")
    sign_in(page, "operator")
    expect(page.locator("#player")).to_be_attached()
    page.evaluate(
        """async (camera) => {
            const r = await fetch('/api/recordings/playback', {method: 'POST', credentials: 'same-origin',
              headers: {'Content-Type': 'application/json',
                        'X-CSRF-Token': document.getElementById('player').dataset.csrf},
              body: JSON.stringify({camera, start: new Date(Date.now() - 60000).toISOString(),
                                    end: new Date().toISOString(),
                                    purpose: {kind: 'administrative', justification: 'look'}})});
            document.getElementById('playback-message').textContent = (await r.json()).detail;
        }""",
        recording,
    )
    expect(page.locator("#playback-message")).to_contain_text("justification is too short")
