"""Live View in Chromium: an operator of the police zone has the incident queue open; a
burglary alarm for a jeweller's premises arrives over TCP from the independent DC-09
transmitter `my-dc09-spt` (AES-256); the incident appears with the jeweller's real RTSP
camera playing live under the incident's purpose. The time from the alarm message to the
first frame on screen is written to test-artifacts/alarm-to-first-frame.txt. One click puts
the incident's camera on the wall, watched for the incident's purpose. Then the grant
ends on its own and the tile stops (the test shortens the grant to a few seconds, as if its
60 minutes had passed, rather than waiting them)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from my_dc09_spt.comm.transpathtcp import TransPathTCP
from my_dc09_spt.msg.dc03_msg import dc03_msg
from my_dc09_spt.msg.dc09_msg import dc09_msg
from playwright.sync_api import Page, expect
from sqlalchemy import select

from belfort.alarms.incidents import Change
from belfort.alarms.models import Incident, IncidentGrant
from belfort.alarms.premises import ConsentSpec, PremisesSpec
from belfort.app import Services
from belfort.auth.service import actor_of_user
from belfort.cameras.models import Grant
from belfort.cameras.service import CameraSpec
from belfort.timeutil import Clock, utcnow
from tests.conftest import POLICE, SHOP, SYSTEM, Population
from tests.e2e.conftest import artifact
from tests.e2e.test_audit_page import sign_in
from tests.support.cameras import RtspCameraServer, cached_clip

KEY = bytes(range(32))
ACCOUNT = "4321"
FIRST_FRAME_BOUND_MS = 5000


@pytest.fixture
def clock() -> Clock:
    """DC-09 timestamps and the camera's frames follow the wall clock: this test needs the real one."""
    return utcnow


@pytest.fixture
def premises(services: Services, population: Population) -> Iterator[tuple[str, int]]:
    """The jeweller's camera on a real RTSP server, its premises at the alarm centre (with
    the shop's consent), recording and the receiver started; yields the receiver's TCP address."""
    clip = cached_clip(width=640, height=360, fps=20, seconds=6, bitrate=1_000_000, gop_seconds=1)
    with RtspCameraServer({"jeweller": clip}) as server:
        with services.db.session() as session:
            camera = services.cameras.add(
                session,
                SYSTEM,
                CameraSpec(name="Jeweller window", organisation=SHOP, main_url=server.url("jeweller"), enabled=True),
            )
            centre = actor_of_user(services.accounts.user_by_name(session, "centre"))
            made, _key = services.premises.add(
                session,
                centre,
                PremisesSpec(
                    name="Jeweller Peeters",
                    subscriber="Juwelier Peeters",
                    address="Rue de Mons 5",
                    municipality="Quévy",
                    police=POLICE,
                    account=ACCOUNT,
                    zones={"2": "Display window"},
                ),
            )
            services.premises.set_key(session, centre, str(made.id), KEY.hex())
            partner = actor_of_user(services.accounts.user_by_name(session, "partner"))
            services.premises.consent(session, partner, str(made.id), ConsentSpec(camera=str(camera.id)))
        services.settings.recording.sweep_interval_seconds = 3600
        services.settings.alarms.tcp_port = 0
        services.settings.alarms.udp_port = 0
        services.settings.alarms.check_seconds = 1
        services.start_recording()
        services.start_alarms()
        assert services.receiver is not None and services.receiver.tcp_address, services.receiver
        yield services.receiver.tcp_address


def send_burglary(address: tuple[str, int]) -> None:
    block = dc09_msg(ACCOUNT, KEY, None, 0)
    frame = block.dc09block(1, "SIA-DCS", dc03_msg.dc03event(ACCOUNT, {"code": "BA", "zone": "2"}))
    path = TransPathTCP(address[0], address[1], timeout=5)
    path.connect()
    answer = path.sendAndReceive(frame.encode())
    path.disconnect()
    assert answer is not None and block.dc09answer(1, answer.decode())[0] == "ACK"


def test_a_burglary_alarm_puts_the_live_camera_on_the_operators_screen(
    live_server: str, premises: tuple[str, int], page: Page, services: Services
) -> None:
    page.goto(f"{live_server}/login?next=/incidents")
    sign_in(page, "operator")
    expect(page.locator("#incidents-page")).to_be_visible()
    page.wait_for_function("() => document.querySelector('#incidents-page').dataset.connected === 'true'")
    expect(page.get_by_test_id("incident")).to_have_count(0)

    sent_ms = time.time() * 1000
    send_burglary(premises)
    card = page.get_by_test_id("incident")
    expect(card).to_have_count(1, timeout=5_000)
    expect(card).to_contain_text("Jeweller Peeters")
    expect(card).to_contain_text("Display window")
    tile = card.get_by_test_id("incident-tile")
    expect(tile).to_have_attribute("data-state", "online", timeout=15_000)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=incident-tile]').dataset.firstFrameMs", timeout=15_000
    )
    first_ms = float(tile.get_attribute("data-first-frame-ms") or 0)
    elapsed = first_ms - sent_ms
    tones = page.locator("#incidents-page").get_attribute("data-tones")
    print(f"alarm message to first live frame on screen: {elapsed:.0f} ms")
    artifact("alarm-to-first-frame.txt").write_text(f"DC-09 alarm message to first live frame: {elapsed:.0f} ms\n")
    page.screenshot(path=artifact("alarm-incident.png"))
    assert 0 < elapsed < FIRST_FRAME_BOUND_MS
    assert tones and int(tones) >= 1

    card.get_by_test_id("incident-wall").click()
    expect(page).to_have_url(re.compile(r"/wall\?incident="))
    wall_tile = page.get_by_test_id("tile").first
    expect(wall_tile).to_have_attribute("data-state", "online", timeout=15_000)
    expect(wall_tile.locator(".tile-purpose")).to_contain_text("Alarm incident #1")
    page.go_back()
    tile = page.get_by_test_id("incident").get_by_test_id("incident-tile")
    expect(tile).to_have_attribute("data-state", "online", timeout=15_000)

    with services.db.session() as session:
        incident = session.scalars(select(Incident)).one()
        grants = session.scalars(select(Grant).join(IncidentGrant, IncidentGrant.grant_id == Grant.id)).unique().all()
        soon = utcnow() + timedelta(seconds=3)
        for grant in grants:
            grant.valid_until = soon
        incident.live_until = soon
        change = Change(incident.organisation_id, incident.id, "updated")
    services.incidents.announce([change])
    expect(tile).to_have_attribute("data-state", "ended", timeout=15_000)
    video = tile.get_by_test_id("incident-live")
    before = video.evaluate("v => v.currentTime")
    page.wait_for_timeout(1500)
    assert video.evaluate("v => v.currentTime") == before  # no frame plays on
    with services.db.session() as session:
        kinds = [
            entry.kind for entry in services.incidents.shaped(session, session.scalars(select(Incident)).one()).entries
        ]
    assert "live_ended" in kinds
