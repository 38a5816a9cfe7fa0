"""Motion as an alarm source, on both databases: a camera whose motion detection is on opens a
motion incident in its owner's queue when something moves in its zones; a second burst within
the cooldown adds to that incident, a later one opens another; nothing moves the queue while
detection is off or the movement is outside the zones; settings changed on the camera reach
its running watch without a restart; one run goes through the real ingest and frame tap.
The settings are checked (each error names the field), set only by whoever may configure the
camera, and audited, through the service, the API and the camera's edit form."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.alarms.models import Incident, IncidentEntry
from belfort.alarms.motion import CameraMotion, MotionAlarms, MotionSettings
from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.auth.service import actor_of_user
from belfort.cameras.models import Camera
from belfort.errors import Forbidden, InvalidInput
from belfort.media.ingest import CameraIngest
from belfort.media.tap import Picture
from belfort.policy import Actor
from belfort.timeutil import FrozenClock
from tests.conftest import POLICE, Population, bearer
from tests.support.feeds import ListSource, access_units, fast_clock, sliced_packets
from tests.support.motion import SyntheticCamera, moving_box_clip
from tests.support.recordings import police_camera
from tests.web.test_pages import sign_in

LOWER_RIGHT = [0.5, 0.5, 0.5, 0.5]
STEP = timedelta(seconds=1 / 3)


def actor(session: Session, services: Services, username: str) -> Actor:
    return actor_of_user(services.accounts.user_by_name(session, username))


def set_motion(
    services: Services,
    camera_id: uuid.UUID,
    enabled: bool = True,
    sensitivity: int = 50,
    zones: Sequence[Sequence[float]] = (),
) -> None:
    """Motion detection set by the police zone's administrator, as on the camera's page."""
    with services.db.session() as session:
        services.cameras.set_motion(
            session, actor(session, services, "admin"), str(camera_id), enabled, sensitivity, zones
        )


@pytest.fixture
def camera_id(services: Services, population: Population) -> uuid.UUID:
    return police_camera(services, "Grote Markt")


@pytest.fixture
def alarms(services: Services) -> MotionAlarms:
    return MotionAlarms(services.db, services.incidents, poll_seconds=0.05)


@pytest.fixture
def watch(services: Services, alarms: MotionAlarms, camera_id: uuid.UUID) -> Iterator[CameraMotion]:
    with services.db.session() as session:
        stream = services.cameras.stream_of(session.get_one(Camera, camera_id))
    watch = alarms.for_camera(stream)
    yield watch
    watch.close()


@pytest.fixture
def published(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """What the incident service tells the queues."""
    messages: list[tuple[str, Any]] = []

    def publish(topic: str, message: Any) -> int:
        messages.append((topic, message))
        return 0

    monkeypatch.setattr(services.bus, "publish", publish)
    return messages


def feed(watch: CameraMotion, pictures: list[np.ndarray], start: datetime) -> datetime:
    """Hand the pictures to the watch three a second from `start`; the moment after the last."""
    for index, picture in enumerate(pictures):
        watch.analyse(Picture(str(watch.camera_id), start + index * STEP, picture))
    return start + len(pictures) * STEP


def incidents(services: Services) -> list[Incident]:
    with services.db.session() as session:
        found = list(session.scalars(select(Incident).order_by(Incident.number)))
        session.expunge_all()
    return found


def entries(services: Services, incident: Incident) -> list[IncidentEntry]:
    with services.db.session() as session:
        found = list(
            session.scalars(
                select(IncidentEntry).where(IncidentEntry.incident_id == incident.id).order_by(IncidentEntry.at)
            )
        )
        session.expunge_all()
    return found


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_motion_opens_an_incident_in_the_owners_queue_and_a_second_burst_adds_to_it(
    services: Services,
    clock: FrozenClock,
    alarms: MotionAlarms,
    watch: CameraMotion,
    camera_id: uuid.UUID,
    published: list[tuple[str, Any]],
    population: Population,
) -> None:
    set_motion(services, camera_id, zones=[LOWER_RIGHT])
    alarms.refresh()
    assert watch.watching and watch.settings == MotionSettings(True, 50, ((0.5, 0.5, 0.5, 0.5),))
    camera = SyntheticCamera()

    feed(watch, camera.still(6) + camera.walker((170, 130), 8) + camera.still(10), clock())
    [incident] = incidents(services)
    assert (incident.category, incident.source, incident.camera_id) == ("motion", "motion", camera_id)
    assert str(incident.organisation_id) == population.police_id and incident.state == "open"
    [opened] = entries(services, incident)
    assert opened.kind == "opened" and "Grote Markt" in opened.text and "% of the watched area" in opened.text
    assert published == [
        (f"alarms.incidents.{population.police_id}", {"change": "opened", "incident": str(incident.id)})
    ]

    with services.db.session() as session:
        queue = services.incidents.queue(session, actor(session, services, "operator"))
        assert [item.id for item in queue] == [incident.id], "the owner's operators see it in their queue"

    clock.advance(timedelta(minutes=1))
    feed(watch, camera.walker((170, 130), 8) + camera.still(10), clock())
    assert [item.id for item in incidents(services)] == [incident.id], "within the cooldown: the same incident"
    assert [entry.kind for entry in entries(services, incident)] == ["opened", "event"]
    assert published[-1][1] == {"change": "updated", "incident": str(incident.id)}

    clock.advance(timedelta(minutes=6))
    feed(watch, camera.walker((170, 130), 8), clock())
    assert len(incidents(services)) == 2, "after the cooldown: a new incident"


def test_long_motion_reports_again_every_half_minute_not_every_picture(
    services: Services, clock: FrozenClock, alarms: MotionAlarms, watch: CameraMotion, camera_id: uuid.UUID
) -> None:
    set_motion(services, camera_id)
    alarms.refresh()
    camera = SyntheticCamera()
    walking = [camera.picture(((7 * i) % 280, 100, 30, 30)) for i in range(200)]  # 200 pictures: about 67 s
    end = feed(watch, camera.still(3) + walking, clock())
    assert watch.reported == 3, "at the start, after 30 s and after 60 s"
    assert end - clock() > timedelta(seconds=60)
    assert len(incidents(services)) == 1


def test_nothing_is_reported_outside_the_zones_or_while_detection_is_off(
    services: Services, clock: FrozenClock, alarms: MotionAlarms, watch: CameraMotion, camera_id: uuid.UUID
) -> None:
    camera = SyntheticCamera()
    alarms.refresh()
    assert not watch.watching, "detection is off until it is enabled: nothing is decoded"
    feed(watch, camera.still(3) + camera.walker((170, 130), 10), clock())

    set_motion(services, camera_id, zones=[[0, 0, 0.3, 0.3]])
    alarms.refresh()
    assert watch.watching
    feed(watch, camera.still(3) + camera.walker((170, 130), 10), clock())
    assert watch.reported == 0 and incidents(services) == []

    set_motion(services, camera_id, enabled=False, zones=[])
    alarms.refresh()
    assert not watch.watching
    feed(watch, camera.still(3) + camera.walker((10, 10), 10), clock())
    assert incidents(services) == []


def test_the_watcher_thread_follows_the_settings_without_restarting_the_camera(
    services: Services, alarms: MotionAlarms, watch: CameraMotion, camera_id: uuid.UUID
) -> None:
    set_motion(services, camera_id, sensitivity=80, zones=[LOWER_RIGHT])
    assert wait_until(lambda: watch.watching and watch.settings.sensitivity == 80)
    set_motion(services, camera_id, sensitivity=20, zones=[])
    assert wait_until(lambda: watch.settings == MotionSettings(True, 20, ()))
    with services.db.session() as session:
        services.cameras.remove(session, actor(session, services, "admin"), str(camera_id))
    assert wait_until(lambda: not watch.watching), "a removed camera is not watched"


def test_through_the_real_ingest_and_frame_tap(
    services: Services, alarms: MotionAlarms, watch: CameraMotion, camera_id: uuid.UUID, tmp_path: Path
) -> None:
    set_motion(services, camera_id, zones=[LOWER_RIGHT])
    alarms.refresh()
    clip = moving_box_clip(tmp_path)
    source = ListSource(sliced_packets(access_units(clip)), clip)
    ingest = CameraIngest(str(camera_id), lambda: source, [watch], fast_clock, backoff=(5, 5))
    ingest.start()
    try:
        assert wait_until(lambda: ingest.status.frames_total >= clip.frames, 30)
        assert wait_until(lambda: watch.reported >= 1, 10), "the box crossing the zone is reported"
    finally:
        ingest.stop()
    [incident] = incidents(services)
    assert incident.camera_id == camera_id and incident.category == "motion"


# -- the settings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sensitivity", "zones", "problem"),
    [
        (0, [], "motion_sensitivity must be a whole number from 1 to 100"),
        (101, [], "motion_sensitivity"),
        (50, [[0.1, 0.1, 0.1, 0.1]] * 17, "motion_zones: at most 16 rectangles"),
        (50, [[0, 0, 1, 1], [0.6, 0, 0.5, 0.5]], "motion_zones: rectangle 2 must lie inside the picture"),
        (50, [[0.1, 0.1, 0, 0.5]], "motion_zones: rectangle 1 must lie inside the picture"),
        (50, [[-0.1, 0, 0.5, 0.5]], "motion_zones: rectangle 1 must lie inside the picture"),
        (50, [[0, 0, 0.5]], "motion_zones: rectangle 1 must be four numbers"),
        (50, [[0, 0, float("nan"), 0.5]], "motion_zones: rectangle 1 must be four numbers"),
        (50, [[0, 0, True, 0.5]], "motion_zones: rectangle 1 must be four numbers"),
    ],
)
def test_the_settings_are_checked_and_each_error_names_the_field(
    services: Services, camera_id: uuid.UUID, sensitivity: int, zones: list[list[float]], problem: str
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(problem)), services.db.session() as session:
        services.cameras.set_motion(
            session, actor(session, services, "admin"), str(camera_id), True, sensitivity, zones
        )
    with services.db.session() as session:
        camera = session.get_one(Camera, camera_id)
        assert (camera.motion_enabled, camera.motion_sensitivity, camera.motion_zones) == (False, 50, "[]")


def test_sixteen_zones_reaching_the_edges_are_accepted(services: Services, camera_id: uuid.UUID) -> None:
    zones = [[0.3, i / 16, 0.7, 1 / 16] for i in range(16)]
    set_motion(services, camera_id, sensitivity=1, zones=zones)
    with services.db.session() as session:
        camera = session.get_one(Camera, camera_id)
        assert camera.motion_enabled and camera.motion_sensitivity == 1 and camera.motion_zones.count("[") == 17


def test_only_who_may_configure_the_camera_sets_motion_and_it_is_audited(
    services: Services, camera_id: uuid.UUID
) -> None:
    with pytest.raises(Forbidden), services.db.session() as session:
        services.cameras.set_motion(session, actor(session, services, "operator"), str(camera_id), True, 50, [])
    set_motion(services, camera_id, sensitivity=70, zones=[LOWER_RIGHT])
    with services.db.session() as session:
        refused = services.audit.query(session, AuditFilter(action="admin.cameras", outcome="refused", limit=10))
        granted = services.audit.query(session, AuditFilter(action="admin.cameras", outcome="granted", limit=10))
        assert [record.role for record in refused] == ["operator"]
        assert "motion_enabled,motion_sensitivity,motion_zones" in granted[0].detail
        assert session.get_one(Camera, camera_id).motion_sensitivity == 70


def test_the_api_sets_and_shows_motion_and_names_a_bad_field(
    client: TestClient, services: Services, camera_id: uuid.UUID
) -> None:
    admin = bearer(client, "admin")
    changed = client.patch(
        f"/api/cameras/{camera_id}",
        headers=admin,
        json={"motion_enabled": True, "motion_sensitivity": 65, "motion_zones": [[0.1, 0.2, 0.3, 0.4]]},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["motion_enabled"], body["motion_sensitivity"], body["motion_zones"]) == (
        True,
        65,
        [[0.1, 0.2, 0.3, 0.4]],
    )
    assert client.get(f"/api/cameras/{camera_id}", headers=bearer(client, "operator")).json()["motion_enabled"] is True

    too_wide = client.patch(f"/api/cameras/{camera_id}", headers=admin, json={"motion_zones": [[0.5, 0, 0.6, 1]]})
    assert too_wide.status_code == 422 and "motion_zones: rectangle 1" in too_wide.text
    zero = client.patch(f"/api/cameras/{camera_id}", headers=admin, json={"motion_sensitivity": 0})
    assert zero.status_code == 422 and "motion_sensitivity" in zero.text
    refused = client.patch(
        f"/api/cameras/{camera_id}", headers=bearer(client, "operator"), json={"motion_enabled": False}
    )
    assert refused.status_code == 403
    assert client.get(f"/api/cameras/{camera_id}", headers=admin).json()["motion_zones"] == [[0.1, 0.2, 0.3, 0.4]]


def test_the_edit_form_sets_motion_with_zones_in_percent(
    client: TestClient, services: Services, camera_id: uuid.UUID
) -> None:
    csrf = sign_in(client, "admin")
    form = {
        "csrf_token": csrf,
        "name": "Grote Markt",
        "organisation": POLICE,
        "kind": "fixed",
        "legal_regime": "police",
        "main_url": "rtsp://cam/1",
        "transport": "tcp",
        "street": "Grote Markt",
        "motion_enabled": "1",
        "motion_sensitivity": "35",
    }
    bad = client.post(f"/cameras/{camera_id}/edit", data={**form, "motion_zones": "10 10 30 30\n50 50 60 10"})
    assert bad.status_code == 422 and "motion_zones: rectangle 2 must lie inside the picture" in bad.text.replace(
        "&#39;", "'"
    )
    unreadable = client.post(f"/cameras/{camera_id}/edit", data={**form, "motion_zones": "10 10 30"})
    assert unreadable.status_code == 422 and "motion zones, line 1: give four numbers" in unreadable.text

    saved = client.post(
        f"/cameras/{camera_id}/edit",
        data={**form, "motion_zones": "10 10 30 30\n\n50;50;50;12,5\n"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/cameras/{camera_id}"
    with services.db.session() as session:
        camera = session.get_one(Camera, camera_id)
        assert (camera.motion_enabled, camera.motion_sensitivity) == (True, 35)
        assert camera.motion_zones == "[[0.1, 0.1, 0.3, 0.3], [0.5, 0.5, 0.5, 0.125]]"
    page = client.get(f"/cameras/{camera_id}/edit")
    assert "10 10 30 30\n50 50 50 12.5</textarea>" in page.text
    assert 'name="motion_enabled" value="1" form="camera-form" checked' in page.text
    assert 'data-testid="motion-on"' in client.get(f"/cameras/{camera_id}").text
