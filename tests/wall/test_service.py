"""Wall layouts and camera tours on both databases: who may keep them, whose they are,
which cameras they may name, and what comes back once a camera is removed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.auth.service import actor_of_user
from belfort.cameras.service import CameraSpec
from belfort.errors import Forbidden, InvalidInput, NotFound, Unseen
from belfort.policy import Actor, Role
from belfort.timeutil import FrozenClock
from belfort.wall.models import CameraTour, WallLayout
from belfort.wall.service import WallService
from tests.conftest import CITY, POLICE, SHOP, SYSTEM, Population


@pytest.fixture
def cameras(services: Services, population: Population) -> dict[str, str]:
    """Camera ids by name: two police cameras, one city camera, one shop camera."""
    ids = {}
    with services.db.session() as session:
        for name, organisation in (("Markt", POLICE), ("Station", POLICE), ("Stadhuis", CITY), ("Shop door", SHOP)):
            spec = CameraSpec(name=name, organisation=organisation, main_url="sim://x")
            ids[name] = str(services.cameras.add(session, SYSTEM, spec).id)
    return ids


@pytest.fixture
def wall(services: Services) -> WallService:
    return services.wall


@pytest.fixture
def actors(services: Services, population: Population) -> dict[str, Actor]:
    """The signed-in view of each user, by username (= role)."""
    with services.db.session() as session:
        return {role.value: actor_of_user(services.accounts.user_by_name(session, role.value)) for role in Role}


@pytest.fixture
def session(services: Services) -> Iterator[Session]:
    """One unit of work for the test body (SQLite: opened after the fixtures wrote theirs)."""
    with services.db.session() as opened:
        yield opened


def test_a_layout_is_saved_replaced_and_deleted(
    wall: WallService, session: Session, actors: dict[str, Actor], cameras: dict[str, str], clock: FrozenClock
) -> None:
    operator = actors["operator"]
    saved = wall.save_layout(session, operator, " Night shift ", "2x2", [cameras["Markt"], None, None, None], False)
    assert saved.name == "Night shift" and saved.tiles == [cameras["Markt"], None, None, None]
    assert saved.updated_at == clock()
    clock.advance(timedelta(minutes=5))
    upper = cameras["Station"].upper()
    wall.save_layout(session, operator, "Night shift", "1", [upper], False)
    [layout] = wall.list_layouts(session, operator)
    assert (layout.layout, layout.tiles, layout.updated_at) == ("1", [cameras["Station"]], clock())
    wall.delete_layout(session, operator, "Night shift")
    assert wall.list_layouts(session, operator) == []
    with pytest.raises(NotFound, match="no layout 'Night shift'"):
        wall.delete_layout(session, operator, "Night shift")


def test_only_one_default_layout_per_person(
    wall: WallService, session: Session, actors: dict[str, Actor], cameras: dict[str, str]
) -> None:
    operator, supervisor = actors["operator"], actors["supervisor"]
    wall.save_layout(session, supervisor, "Mine", "1", [None], True)
    wall.save_layout(session, operator, "Day", "1", [cameras["Markt"]], True)
    wall.save_layout(session, operator, "Night", "1", [cameras["Station"]], True)
    assert [(x.name, x.is_default) for x in wall.list_layouts(session, operator)] == [("Day", False), ("Night", True)]
    wall.save_layout(session, operator, "Day", "1", [cameras["Markt"]], True)
    assert [(x.name, x.is_default) for x in wall.list_layouts(session, operator)] == [("Day", True), ("Night", False)]
    assert [(x.name, x.is_default) for x in wall.list_layouts(session, supervisor)] == [("Mine", True)]
    defaults = session.scalars(select(WallLayout.name).where(WallLayout.is_default.is_(True)))
    assert sorted(defaults) == ["Day", "Mine"]


@pytest.mark.parametrize(
    ("layout", "tiles", "message"),
    [
        ("7x7", [None] * 49, "layout must be one of 1, 2x2, 3x3, 4x4, 1+5, 5x5, 6x6"),
        ("6x6", [None] * 16, "a 6x6 layout has 36 tiles; got 16"),
        ("2x2", [None] * 5, "a 2x2 layout has 4 tiles; got 5"),
        ("1+5", [None] * 5, "a 1+5 layout has 6 tiles; got 5"),
        ("1", [], "a 1 layout has 1 tile; got 0"),
    ],
)
def test_bad_layouts_are_refused_with_the_reason(
    wall: WallService,
    session: Session,
    actors: dict[str, Actor],
    cameras: dict[str, str],
    layout: str,
    tiles: list[str | None],
    message: str,
) -> None:
    with pytest.raises(InvalidInput, match=message.replace("+", r"\+")):
        wall.save_layout(session, actors["operator"], "Bad", layout, tiles, False)
    assert session.scalars(select(WallLayout)).all() == []


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "a/b", "tab\there"])
def test_bad_names_are_refused(wall: WallService, session: Session, actors: dict[str, Actor], name: str) -> None:
    with pytest.raises(InvalidInput, match="name"):
        wall.save_layout(session, actors["operator"], name, "1", [None], False)
    with pytest.raises(InvalidInput, match="name"):
        wall.save_tour(session, actors["operator"], name, ["x"], 10)


def test_cameras_of_other_organisations_cannot_be_named(
    wall: WallService, session: Session, actors: dict[str, Actor], cameras: dict[str, str]
) -> None:
    with pytest.raises(Unseen, match=f"There is no camera '{cameras['Stadhuis']}' that you may see"):
        wall.save_layout(session, actors["operator"], "City", "2x2", [cameras["Markt"], cameras["Stadhuis"]] * 2, False)
    with pytest.raises(Unseen, match=f"camera '{cameras['Markt']}'"):
        wall.save_tour(session, actors["partner"], "Police", [cameras["Shop door"], cameras["Markt"]], 10)
    saved = wall.save_tour(session, actors["partner"], "Shop", [cameras["Shop door"]], 10)
    assert saved.camera_ids == [cameras["Shop door"]]


def test_removed_cameras_cannot_be_named_and_drop_out_of_saved_ones(
    wall: WallService,
    services: Services,
    session: Session,
    actors: dict[str, Actor],
    cameras: dict[str, str],
) -> None:
    operator = actors["operator"]
    wall.save_layout(session, operator, "Both", "2x2", [cameras["Markt"], cameras["Station"], None, None], False)
    wall.save_tour(session, operator, "Both", [cameras["Markt"], cameras["Station"], cameras["Markt"]], 10)
    session.commit()
    with services.db.session() as other:
        services.cameras.remove(other, SYSTEM, "Station")
    assert wall.list_layouts(session, operator)[0].tiles == [cameras["Markt"], None, None, None]
    assert wall.list_tours(session, operator)[0].camera_ids == [cameras["Markt"], cameras["Markt"]]
    with pytest.raises(InvalidInput, match="'Station' was removed"):
        wall.save_tour(session, operator, "Station", [cameras["Station"]], 10)


@pytest.mark.parametrize("ref", ["xyz", "00000000-0000-0000-0000-000000000000"])
def test_a_camera_that_does_not_exist_is_refused_and_recorded(
    wall: WallService, services: Services, session: Session, actors: dict[str, Actor], ref: str
) -> None:
    with pytest.raises(Unseen, match=f"There is no camera '{ref}' that you may see"):
        wall.save_layout(session, actors["operator"], "Bad", "1", [ref], False)
    refused = services.audit.query(session, AuditFilter(person="operator", outcome="refused"))
    assert [(r.action, r.resources.count(ref)) for r in refused] == [("camera.view", 1)]


def test_layouts_belong_to_one_person(
    wall: WallService, session: Session, actors: dict[str, Actor], cameras: dict[str, str]
) -> None:
    operator, supervisor = actors["operator"], actors["supervisor"]
    wall.save_layout(session, operator, "Night", "1", [cameras["Markt"]], False)
    assert wall.list_layouts(session, supervisor) == []
    with pytest.raises(NotFound):
        wall.delete_layout(session, supervisor, "Night")
    wall.save_layout(session, supervisor, "Night", "1", [cameras["Station"]], False)
    assert wall.list_layouts(session, operator)[0].tiles == [cameras["Markt"]]
    assert wall.list_layouts(session, supervisor)[0].tiles == [cameras["Station"]]


def test_tours_are_shared_inside_one_organisation(
    wall: WallService, session: Session, actors: dict[str, Actor], cameras: dict[str, str], clock: FrozenClock
) -> None:
    operator, supervisor, partner = actors["operator"], actors["supervisor"], actors["partner"]
    wall.save_tour(session, operator, "Centre", [cameras["Markt"], cameras["Station"]], 15)
    [shared] = wall.list_tours(session, supervisor)
    assert (shared.name, shared.camera_ids, shared.dwell_seconds, shared.created_by) == (
        "Centre",
        [cameras["Markt"], cameras["Station"]],
        15,
        "operator",
    )
    clock.advance(timedelta(hours=1))
    wall.save_tour(session, supervisor, "Centre", [cameras["Station"]], 30)
    [changed] = wall.list_tours(session, operator)
    assert (changed.camera_ids, changed.dwell_seconds, changed.created_by) == ([cameras["Station"]], 30, "operator")
    assert changed.updated_at == clock()
    assert wall.list_tours(session, partner) == []
    with pytest.raises(NotFound, match="no tour 'Centre'"):
        wall.delete_tour(session, partner, "Centre")
    wall.save_tour(session, partner, "Centre", [cameras["Shop door"]], 5)
    assert len(session.scalars(select(CameraTour)).all()) == 2
    wall.delete_tour(session, supervisor, "Centre")
    assert wall.list_tours(session, operator) == []
    assert [t.camera_ids for t in wall.list_tours(session, partner)] == [[cameras["Shop door"]]]


@pytest.mark.parametrize(
    ("count", "dwell", "message"),
    [
        (0, 10, "a tour shows 1 to 64 cameras; got 0"),
        (65, 10, "a tour shows 1 to 64 cameras; got 65"),
        (1, 4, "dwell_seconds must be between 5 and 600; got 4"),
        (1, 601, "dwell_seconds must be between 5 and 600; got 601"),
    ],
)
def test_bad_tours_are_refused_with_the_reason(
    wall: WallService,
    session: Session,
    actors: dict[str, Actor],
    cameras: dict[str, str],
    count: int,
    dwell: int,
    message: str,
) -> None:
    with pytest.raises(InvalidInput, match=message):
        wall.save_tour(session, actors["operator"], "Bad", [cameras["Markt"]] * count, dwell)
    assert session.scalars(select(CameraTour)).all() == []


def test_tour_limits_are_inclusive(
    wall: WallService, session: Session, actors: dict[str, Actor], cameras: dict[str, str]
) -> None:
    operator = actors["operator"]
    assert wall.save_tour(session, operator, "Short", [cameras["Markt"]], 5).dwell_seconds == 5
    assert len(wall.save_tour(session, operator, "Long", [cameras["Markt"]] * 64, 600).camera_ids) == 64


@pytest.mark.parametrize("username", ["inspector", "dpo", "admin"])
def test_roles_that_do_not_watch_live_are_forbidden(
    wall: WallService,
    services: Services,
    session: Session,
    actors: dict[str, Actor],
    cameras: dict[str, str],
    username: str,
) -> None:
    actor = actors[username]
    for attempt in (
        lambda: wall.list_layouts(session, actor),
        lambda: wall.save_layout(session, actor, "Mine", "1", [cameras["Markt"]], False),
        lambda: wall.delete_layout(session, actor, "Mine"),
        lambda: wall.list_tours(session, actor),
        lambda: wall.save_tour(session, actor, "Ours", [cameras["Markt"]], 10),
        lambda: wall.delete_tour(session, actor, "Ours"),
    ):
        with pytest.raises(Forbidden, match="may not use the video wall"):
            attempt()
    refused = services.audit.query(session, AuditFilter(person=username, action="wall.use", outcome="refused"))
    assert len(refused) == 6


def test_the_system_keeps_no_layouts(
    wall: WallService, session: Session, population: Population, cameras: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput, match="Only people"):
        wall.list_layouts(session, SYSTEM)
    with pytest.raises(InvalidInput, match="Only people"):
        wall.save_tour(session, SYSTEM, "Ours", [cameras["Markt"]], 10)
