"""Fixtures for media tests: a sliced H.264 clip, a camera and an open storage folder."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from belfort.media.service import open_storage
from belfort.media.storage import Storage
from tests.conftest import POLICE, SYSTEM
from tests.support.cameras import Clip, cached_clip
from tests.support.feeds import FPS


@pytest.fixture(scope="module")
def clip() -> Clip:
    return cached_clip(width=320, height=240, fps=FPS, seconds=8, bitrate=300_000, gop_seconds=1, slices=3)


@pytest.fixture
def camera_id(services: Services) -> uuid.UUID:
    with services.db.session() as session:
        services.accounts.add_organisation(session, SYSTEM, POLICE, "police_zone")
        camera = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Cam", organisation=POLICE, main_url="rtsp://cam/1")
        )
        return camera.id


@pytest.fixture
def storage(services: Services, tmp_path: Path) -> Iterator[Storage]:
    services.media.index.start()
    yield open_storage(services.db, tmp_path / "recordings")
    services.media.index.stop()
