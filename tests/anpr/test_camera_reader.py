"""The built-in reader on a camera's real stream: cars with rendered Belgian plates pass an
ANPR camera; each car becomes one read with its crop and overview, the hotlisted one a
hit, and a plate cut off by the picture's edge is not read. Runs through the real ingest
(H.264 packets, decoder, frame tap) and the real RapidOCR reader, at real-time pace."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest
from sqlalchemy import select

from belfort.anpr.camera_reader import CameraPlateReader, cut_off
from belfort.anpr.hotlists import parse_csv
from belfort.anpr.models import Hit, Hotlist, PlateRead
from belfort.anpr.reader import PlateReader
from belfort.anpr.render import car_scene
from belfort.app import Services
from belfort.media.frames import RawPacket
from belfort.media.ingest import CameraIngest
from belfort.timeutil import utcnow
from tests.conftest import POLICE, SYSTEM, Population
from tests.support.cameras import Clip
from tests.support.feeds import ListSource, access_units, sliced_packets
from tests.support.recordings import police_camera

FPS = 8
CARS = ["1-GZK-731", "2-HAV-118"]
SIZE = (960, 540)


def passing_cars(folder: Path) -> Clip:
    """Two cars crossing the picture, three seconds each, H.264 Annex B, GOP 1 s."""
    path = folder / "cars.h264"
    steps = 3 * FPS
    with av.open(str(path), "w", format="h264") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        stream.options = {"g": str(FPS), "keyint_min": str(FPS), "sc_threshold": "0", "bf": "0", "crf": "20"}
        for index, plate in enumerate(CARS):
            for step in range(steps):
                x = SIZE[0] * (1.05 - 1.1 * step / (steps - 1))
                picture, _ = car_scene(plate, size=SIZE, plate_width=190, centre=(x, 380), seed=index)
                out.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
        out.mux(stream.encode(None))
    return Clip(path, "h264", *SIZE, FPS, 2 * steps, FPS, 0, 1)


class RealTimeSource(ListSource):
    """Hands over its packets at the clip's own pace, like a live camera."""

    def read(self) -> RawPacket | None:
        if not self.packets:
            return None
        packet = self.packets.pop(0)
        assert packet.pts is not None and self.first_pts is not None
        delay = self.started + (packet.pts - self.first_pts) / 90_000 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return packet


@pytest.fixture(scope="module")
def reader() -> PlateReader:
    return PlateReader()


def test_each_passing_car_is_one_read_and_the_hotlisted_one_a_hit(
    services: Services, population: Population, reader: PlateReader, tmp_path: Path
) -> None:
    camera_id = police_camera(services, "Ring Noord ANPR")
    with services.db.session() as session:
        police = next(o for o in services.accounts.list_organisations(session, SYSTEM) if o.name == POLICE)
        hotlist = Hotlist(organisation_id=police.id, name="Stolen", updated_at=utcnow(), updated_by="test")
        session.add(hotlist)
        session.flush()
        services.anpr.hotlists.replace_entries(session, SYSTEM, hotlist, parse_csv(b"1-GZK-731,stolen,1,,\n"))
    services.anpr.hotlists.build_now(police.id)
    announced: list[dict[str, object]] = []
    services.anpr.reads.listeners.append(announced.append)

    clip = passing_cars(tmp_path)
    analyser = CameraPlateReader(
        camera_id, "Ring Noord ANPR", police.id, reader, threading.Lock(), services.db, services.anpr.reads, 2.0, 1.0
    )
    source = RealTimeSource(sliced_packets(access_units(clip)), clip)
    ingest = CameraIngest(str(camera_id), lambda: source, [analyser], utcnow, backoff=(5, 5))
    ingest.start()
    deadline = time.monotonic() + 30
    while ingest.status.frames_total < clip.frames and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    ingest.stop()
    analyser.close()

    with services.db.session() as session:
        reads = session.scalars(select(PlateRead).order_by(PlateRead.ts)).all()
        hits = session.scalars(select(Hit)).all()
        assert [read.display for read in reads] == CARS, "one read per car, no partial plate at the edges"
        assert all(read.camera_id == camera_id and read.source == f"camera:{camera_id}" for read in reads)
        assert all(services.anpr.images.path(read.crop_path) for read in reads)
        assert all(services.anpr.images.path(read.overview_path) for read in reads)
        assert reads[0].ts < reads[1].ts
        assert [(hit.plate, hit.category, hit.mode) for hit in hits] == [("1GZK731", "stolen", "exact")]
    assert [message["plate"] for message in announced] == ["1GZK731"]
    assert analyser.stored == 2


def test_a_plate_at_the_edge_of_the_picture_is_cut_off() -> None:
    picture = np.zeros((540, 960, 3), np.uint8)
    assert cut_off((0, 300, 150, 340), picture) and cut_off((800, 300, 959, 340), picture)
    assert not cut_off((400, 300, 590, 340), picture)
