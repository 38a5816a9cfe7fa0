"""A plate search reaches another organisation's reads only through a grant of `anpr_reads`
on the camera that made them, for the grant's purposes and footage range; the owner's log
shows every such search."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from belfort.anpr.reads import IncomingRead
from belfort.anpr.search import SearchQuery
from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.auth.models import Organisation
from belfort.auth.service import actor_of_user, find_organisation
from belfort.cameras.service import CameraSpec
from belfort.policy import Actor, Purpose, PurposeKind
from belfort.sharing.grants import GrantSpec
from belfort.timeutil import FrozenClock
from tests.conftest import CITY, POLICE, SYSTEM, Population

PLATE = "1ABC234"
ADMINISTRATIVE = Purpose(PurposeKind.ADMINISTRATIVE, "Stolen car seen near the ring road")
JUDICIAL = Purpose(PurposeKind.JUDICIAL, "Burglary investigation PV 2026/77")
NORTH, SOUTH = "Ring Noord ANPR", "Ring Zuid ANPR"


def city(services: Services) -> Organisation:
    with services.db.session() as session:
        return find_organisation(session, CITY)


def found(services: Services, purpose: Purpose) -> set[str]:
    """The cameras whose reads of the plate the police inspector's search finds."""
    with services.db.session() as session:
        inspector: Actor = actor_of_user(services.accounts.user_by_name(session, "inspector"))
        query = SearchQuery(PLATE, "exact", start=services.clock() - timedelta(days=2))
        page = services.anpr.search.search(session, inspector, query, purpose)
        return {item.read.source for item in page.results}


def grant(services: Services, camera: str, **terms: Any) -> None:
    owner = city(services)
    acting = replace(SYSTEM, organisation_id=owner.id, organisation_name=owner.name)
    spec = GrantSpec(POLICE, ["anpr_reads"], "Ring road cameras for the zone's searches", [camera], **terms)
    with services.db.session() as session:
        services.grants.add(session, acting, spec)


@pytest.fixture
def city_reads(services: Services, population: Population, clock: FrozenClock) -> None:
    """Two city ANPR cameras, each of which read the plate an hour ago."""
    with services.db.session() as session:
        for name in (NORTH, SOUTH):
            camera = services.cameras.add(
                session, SYSTEM, CameraSpec(name=name, organisation=CITY, main_url="rtsp://192.0.2.9/x", kind="anpr")
            )
            read = IncomingRead(PLATE, clock() - timedelta(hours=1), camera=name)
            services.anpr.reads.ingest(session, SYSTEM, name, camera.organisation_id, [read], audit=False)


@pytest.mark.usefixtures("city_reads")
def test_granted_reads_are_found_for_the_grants_purpose_and_range_only(services: Services, clock: FrozenClock) -> None:
    assert found(services, ADMINISTRATIVE) == set(), "no grant: the city's reads stay the city's"
    grant(services, NORTH, purposes=["judicial"])
    assert found(services, ADMINISTRATIVE) == set(), "the grant is for judicial purposes only"
    assert found(services, JUDICIAL) == {NORTH}
    grant(services, SOUTH, footage_from=clock() - timedelta(minutes=30))
    assert found(services, JUDICIAL) == {NORTH}, "the south camera's read is older than its granted range"
    with services.db.session() as session:
        uses = services.audit.query(session, AuditFilter(action="anpr.search", uses_of=str(city(services).id)))
    assert len(uses) == 2 and all(record.actor_name == "inspector" for record in uses)
