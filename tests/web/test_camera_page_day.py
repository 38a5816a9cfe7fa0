"""A camera's page lists the segments of a LOCAL day (Brussels): 25 hours on 25 October
2026, from local midnight to local midnight, each time written with its offset; a bad day
or moment is explained on the page, never a server error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from belfort.media.models import Segment
from tests.conftest import POLICE, SYSTEM
from tests.web.test_pages import sign_in

STARTS = {
    "first minutes of the 25th, still the 24th in UTC": datetime(2026, 10, 24, 22, 30, tzinfo=UTC),
    "the first 02:30": datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    "the second 02:30": datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    "last minutes of the 25th": datetime(2026, 10, 25, 22, 30, tzinfo=UTC),
    "the 26th in Brussels, still the 25th in UTC": datetime(2026, 10, 25, 23, 30, tzinfo=UTC),
}


@pytest.fixture
def camera(services: Services, population: object) -> str:
    with services.db.session() as session:
        added = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Grote Markt", organisation=POLICE, main_url="sim://grote-markt")
        )
        for start in STARTS.values():
            session.add(
                Segment(
                    camera_id=added.id,
                    storage_id="test",
                    path=f"{start:%Y%m%dT%H%M}.mp4",
                    state="complete",
                    start_time=start,
                    end_time=start + timedelta(seconds=30),
                    bytes=1000,
                    frames=600,
                    codec="avc1.640028",
                    width=640,
                    height=360,
                )
            )
        return str(added.id)


def segment_starts(page: str) -> list[str]:
    return [cell.split("</td>")[0] for cell in page.split('<td class="nowrap">')[1::2]]


def test_the_segments_of_the_25_hour_day_are_those_of_the_local_day(client: TestClient, camera: str) -> None:
    sign_in(client, "inspector")
    page = client.get(f"/cameras/{camera}?day=2026-10-25")
    assert page.status_code == 200
    assert segment_starts(page.text) == [
        "2026-10-25 00:30:00 +02:00",
        "2026-10-25 02:30:00 +02:00",
        "2026-10-25 02:30:00 +01:00",
        "2026-10-25 23:30:00 +01:00",
    ]
    assert "25 hours" in page.text and 'data-day="2026-10-25"' in page.text
    assert "(UTC)" not in page.text
    following = client.get(f"/cameras/{camera}?day=2026-10-26")
    assert segment_starts(following.text) == ["2026-10-26 00:30:00 +01:00"]
    assert "24 hours" in following.text


def test_a_moment_opens_its_local_day(client: TestClient, camera: str) -> None:
    sign_in(client, "inspector")
    page = client.get(f"/cameras/{camera}", params={"at": "2026-10-25T02:30+01:00"})
    assert page.status_code == 200
    assert 'data-at="2026-10-25T01:30:00.000000Z"' in page.text
    assert 'value="2026-10-25"' in page.text and len(segment_starts(page.text)) == 4
    march = client.get(f"/cameras/{camera}", params={"day": "2026-03-29"})
    assert "23 hours" in march.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"day": "25/10/2026"}, "&#39;25/10/2026&#39; is not a day: use YYYY-MM-DD."),
        ({"day": "0001-01-01"}, "&#39;0001-01-01&#39; is not a day: use YYYY-MM-DD."),
        ({"day": "9999-12-31"}, "&#39;9999-12-31&#39; is not a day: use YYYY-MM-DD."),
        ({"at": "yesterday"}, "&#39;yesterday&#39; is not a moment: use YYYY-MM-DD HH:MM:SS."),
        ({"at": "2026-03-29T02:30"}, "2026-03-29 02:30 does not exist in Europe/Brussels: the clocks skip that hour"),
        ({"at": "9999-12-30T23:30Z"}, "&#39;9999-12-31&#39; is not a day: use YYYY-MM-DD."),
    ],
)
def test_a_bad_day_or_moment_is_explained_on_the_page(
    client: TestClient, camera: str, query: dict[str, str], message: str
) -> None:
    sign_in(client, "inspector")
    page = client.get(f"/cameras/{camera}", params=query)
    assert page.status_code == 200
    assert message in page.text
    assert 'value="2026-11-21"' in page.text, "the page falls back on today (the test clock's)"
