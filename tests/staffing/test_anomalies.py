"""The supervisor dashboard's flags, on plain values: outside the shift, unusual volume,
many refusals, long sessions; each at its threshold exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from belfort.staffing.anomalies import (
    Duty,
    Flag,
    Limits,
    Look,
    Refused,
    Stream,
    anomalies,
    long_sessions,
    many_refusals,
    outside_shift,
    unusual_volume,
    usual_cameras_per_hour,
)

NOW = datetime(2026, 11, 21, 14, 30, tzinfo=UTC)
LIMITS = Limits(
    window=timedelta(hours=12),
    refusals_per_hour=5,
    long_session=timedelta(minutes=120),
    volume_min_cameras=15,
    volume_factor=3.0,
    zone=ZoneInfo("Europe/Brussels"),
)
EVA = ("p-eva", "eva")
SHIFT = Duty("p-eva", NOW - timedelta(hours=6), NOW + timedelta(hours=2))


def look(minutes_ago: float, camera: int = 1, who: tuple[str, str] = EVA) -> Look:
    return Look(who[0], who[1], f"cam-{camera}", f"Camera {camera}", NOW - timedelta(minutes=minutes_ago))


def test_looks_and_streams_outside_a_shift_are_flagged() -> None:
    assert outside_shift([look(30)], [], [SHIFT], NOW, LIMITS) == []
    before_shift = look(7 * 60)
    (flag,) = outside_shift([before_shift, look(30)], [], [SHIFT], NOW, LIMITS)
    assert flag.flag is Flag.OUTSIDE_SHIFT and flag.person == "eva" and flag.camera_id == ""
    assert flag.sentence == (
        "eva watched live outside their shift 1 time in the last 12 hours; the latest: Camera 1 at "
        "2026-11-21 08:30+01:00."
    )
    beyond_window = look(13 * 60)
    assert outside_shift([beyond_window], [], [], NOW, LIMITS) == [], "only within the window"
    someone_elses = Duty("p-bob", NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    open_now = Stream("p-eva", "eva", "cam-3", "Havermarkt", NOW - timedelta(minutes=5))
    (watching,) = outside_shift([], [open_now], [someone_elses], NOW, LIMITS)
    assert (
        watching.camera_id == "cam-3"
        and watching.sentence == "eva is watching Havermarkt live now, outside their shift."
    )
    assert outside_shift([], [open_now], [SHIFT], NOW, LIMITS) == []


def test_a_shift_is_end_exclusive() -> None:
    ended = Duty("p-eva", NOW - timedelta(hours=8), NOW - timedelta(minutes=30))
    assert outside_shift([look(30)], [], [ended], NOW, LIMITS) != []
    assert outside_shift([look(31)], [], [ended], NOW, LIMITS) == []


def test_unusual_volume_compares_the_last_hour_with_the_usual_hour() -> None:
    usual = [look(60 * 24 * day + 120, camera) for day in range(1, 6) for camera in range(4)]
    busy = [look(10, camera) for camera in range(100, 113)]
    assert usual_cameras_per_hour(usual) == 4.0
    assert unusual_volume(usual + busy, NOW, LIMITS) == [], "13 cameras: under the floor of 15"
    busier = [look(10, camera) for camera in range(100, 115)]
    (flag,) = unusual_volume(usual + busier, NOW, LIMITS)
    assert (
        flag.flag is Flag.VOLUME
        and flag.sentence == "eva watched 15 different cameras in the last hour, against 4 in their usual hour."
    )
    heavy_usual = [look(60 * 24 * day + 120, camera) for day in range(1, 6) for camera in range(5)]
    assert unusual_volume(heavy_usual + busier, NOW, LIMITS) == [], "15 is not more than 3 x 5"
    assert unusual_volume(busier, NOW, LIMITS) != [], "no history: the floor alone decides"
    assert unusual_volume([look(10, 1)] * 40, NOW, LIMITS) == [], "distinct cameras, not looks"


def test_many_refusals_in_the_last_hour() -> None:
    refusals = [Refused("p-eva", "eva", NOW - timedelta(minutes=m)) for m in (1, 5, 20, 40)]
    assert many_refusals(refusals, NOW, LIMITS) == []
    assert many_refusals([*refusals, Refused("p-eva", "eva", NOW - timedelta(minutes=61))], NOW, LIMITS) == []
    (flag,) = many_refusals([*refusals, Refused("p-eva", "eva", NOW - timedelta(minutes=59))], NOW, LIMITS)
    assert flag.flag is Flag.REFUSALS and flag.sentence == "eva was refused 5 times in the last hour."


def test_long_sessions_open_now_or_closed_within_the_window() -> None:
    short = Stream("p-eva", "eva", "cam-1", "Grote Markt", NOW - timedelta(minutes=119))
    assert long_sessions([short], NOW, LIMITS) == []
    open_long = Stream("p-eva", "eva", "cam-1", "Grote Markt", NOW - timedelta(minutes=120))
    (flag,) = long_sessions([open_long], NOW, LIMITS)
    assert (
        flag.camera_id == "cam-1"
        and flag.sentence == "eva has been watching Grote Markt for 120 minutes without a break."
    )
    closed = Stream("p-eva", "eva", "cam-2", "Markt", NOW - timedelta(hours=6), NOW - timedelta(hours=3))
    (flag,) = long_sessions([closed], NOW, LIMITS)
    assert flag.camera_id == "" and "until 2026-11-21 12:30+01:00" in flag.sentence
    old = Stream("p-eva", "eva", "cam-2", "Markt", NOW - timedelta(hours=20), NOW - timedelta(hours=13))
    assert long_sessions([old], NOW, LIMITS) == []


def test_all_flags_come_sorted_by_person_then_kind() -> None:
    bob = ("p-bob", "bob")
    found = anomalies(
        [look(30, who=bob), look(30)],
        [Stream("p-eva", "eva", "cam-1", "Grote Markt", NOW - timedelta(hours=3))],
        [SHIFT],
        [Refused("p-bob", "bob", NOW) for _ in range(5)],
        NOW,
        LIMITS,
    )
    assert [(a.person, a.flag) for a in found] == [
        ("bob", Flag.OUTSIDE_SHIFT),
        ("bob", Flag.REFUSALS),
        ("eva", Flag.LONG_SESSION),
    ]


@given(
    minutes=st.lists(st.integers(min_value=0, max_value=60 * 24 * 14), max_size=40),
    cameras=st.lists(st.integers(min_value=1, max_value=30), max_size=40),
    shift_start=st.integers(min_value=-600, max_value=600),
    shift_hours=st.integers(min_value=1, max_value=24),
)
def test_a_look_is_flagged_outside_the_shift_exactly_when_no_shift_covers_it(
    minutes: list[int], cameras: list[int], shift_start: int, shift_hours: int
) -> None:
    looks = [look(m, c) for m, c in zip(minutes, cameras, strict=False)]
    start = NOW + timedelta(minutes=shift_start)
    duty = Duty("p-eva", start, start + timedelta(hours=shift_hours))
    off = [item for item in looks if NOW - LIMITS.window <= item.at and not duty.start <= item.at < duty.end]
    found = outside_shift(looks, [], [duty], NOW, LIMITS)
    assert len(found) == (1 if off else 0)
    if off:
        assert found[0].sentence.values["count"] == len(off)  # type: ignore[attr-defined]
    assert all(
        a.flag is Flag.OUTSIDE_SHIFT for a in anomalies(looks, [], [duty], [], NOW, LIMITS) if a.flag is not Flag.VOLUME
    )
