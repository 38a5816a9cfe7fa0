"""Nodes and their heartbeats on both databases: every node that beats is listed, one silent
for three heartbeats is shown down, only the platform administrator sees them (others are
refused on record), and the command line, the API and the page show the same."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from belfort.app import Services, build_services
from belfort.audit.models import AuditRecord
from belfort.auth.service import actor_of_user
from belfort.cli import main
from belfort.cluster.nodes import NodeService
from belfort.errors import Forbidden
from belfort.policy import Action
from belfort.settings import NodeSettings, load_settings
from belfort.timeutil import FrozenClock
from tests.conftest import CHEAP_PASSWORD_HASHING, Population, bearer
from tests.web.test_pages import sign_in


def test_a_node_silent_for_three_heartbeats_is_shown_down(
    services: Services, population: Population, clock: FrozenClock
) -> None:
    services.settings.node.name = "node-a"
    other = NodeService(services.gate, services.db, services.media, NodeSettings(name="node-b", roles=["web"]), clock)
    services.nodes.beat()
    other.beat()
    with services.db.session() as session:
        platform = actor_of_user(services.accounts.user_by_name(session, "platform_admin"))
        views = services.nodes.listed(session, platform)
    assert [(v.node.name, v.up, v.node.roles) for v in views] == [
        ("node-a", True, "recorder web analytics"),
        ("node-b", True, "web"),
    ]
    clock.advance(timedelta(seconds=16))  # three heartbeats of 5 s and one more second
    services.nodes.beat()
    with services.db.session() as session:
        views = services.nodes.listed(session, platform)
    assert [(v.node.name, v.up) for v in views] == [("node-a", True), ("node-b", False)]
    assert views[1].silent_seconds == 16.0


def test_only_the_platform_administrator_sees_the_nodes_and_a_refusal_is_recorded(
    services: Services, client: TestClient, population: Population
) -> None:
    services.nodes.beat()
    answer = client.get("/api/cluster/nodes", headers=bearer(client, "platform_admin"))
    assert answer.status_code == 200
    (node,) = answer.json()
    assert node["name"] == services.settings.node.name and node["up"] and node["capacity"] == 200
    assert client.get("/api/cluster/nodes", headers=bearer(client, "admin")).status_code == 403
    with services.db.session() as session:
        refused = session.scalars(select(AuditRecord).where(AuditRecord.action == Action.VIEW_CLUSTER.value)).all()
        assert [(r.outcome, r.actor_name) for r in refused] == [("refused", "admin")]
        admin = actor_of_user(services.accounts.user_by_name(session, "admin"))
        with pytest.raises(Forbidden, match="see the platform's nodes"):
            services.nodes.listed(session, admin)
    sign_in(client, "platform_admin")
    page = client.get("/cluster").text
    assert 'href="/cluster"' in page and f'data-node="{node["name"]}"' in page and 'data-state="up"' in page


def test_the_command_line_shows_the_nodes_and_refuses_a_bad_node_name(tmp_path: Path) -> None:
    data = tmp_path / "data"
    environ = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": "", **CHEAP_PASSWORD_HASHING}
    runner = CliRunner()
    first = runner.invoke(main, ["cluster", "status", "--data", str(data)], env=environ)
    assert first.exit_code == 0 and "no node has run against this database yet" in first.output
    services = build_services(load_settings(data_dir=data, environ={"BELFORT_NODE__NAME": "rec-1"}))
    try:
        services.nodes.beat()
    finally:
        services.close()
    shown = runner.invoke(main, ["cluster", "status", "--data", str(data)], env=environ)
    assert shown.exit_code == 0 and shown.output.startswith("rec-1")
    assert " up " in shown.output and "cameras 0/200" in shown.output
    bad = runner.invoke(main, ["serve", "--node", "rec 1", "--data", str(data)], env=environ)
    assert bad.exit_code == 2 and bad.output.strip() == (
        "belfort: --node: 'rec 1' is not a node name; use letters, digits, '-' and '_' (at most 64)"
    )


def test_the_nodes_show_the_cameras_they_hold_and_how_fresh_the_holds_are(
    services: Services, client: TestClient, population: Population, clock: FrozenClock
) -> None:
    cameras = {uuid.uuid4(), uuid.uuid4()}
    leases = services.media.leases
    leases.commit(leases.settle(cameras))
    services.nodes.beat()
    clock.advance(timedelta(seconds=2))
    answer = client.get("/api/cluster/nodes", headers=bearer(client, "platform_admin")).json()
    assert [(n["cameras_held"], n["oldest_hold_renewal_seconds"]) for n in answer] == [(2, 2.0)]
    sign_in(client, "platform_admin")
    assert 'data-holds="2"' in client.get("/cluster").text
    clock.advance(timedelta(seconds=20))  # the holds ran out: the node holds nothing now
    answer = client.get("/api/cluster/nodes", headers=bearer(client, "platform_admin")).json()
    assert [(n["cameras_held"], n["oldest_hold_renewal_seconds"]) for n in answer] == [(0, None)]
