"""`belfort designation ...` and `belfort shift ...`: the chief's and team chief's tools on
the command line; a bad day, a reversed range or another organisation's person is one
line and a non-zero exit."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from belfort.cli import main

ENV = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}
ZONE, SHOP = "PZ Kortrijk", "Shop Kortrijk"
ID = re.compile(r"^([0-9a-f-]{36})  ", re.M)


def run(*args: str, data: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env=ENV)
    return result.exit_code, result.output


def ok(*args: str, data: Path) -> str:
    code, out = run(*args, data=data)
    assert code == 0, out
    return out


def test_designations_and_shifts_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok("org", "add", "--name", ZONE, "--kind", "police_zone", data=data)
    ok("org", "add", "--name", SHOP, "--kind", "business", data=data)
    for name, role, org in (("eva", "operator", ZONE), ("tom", "supervisor", ZONE), ("sam", "security_guard", ZONE)):
        ok(
            "user",
            "add",
            "--username",
            name,
            "--role",
            role,
            "--org",
            org,
            "--password",
            "correct-horse-battery",
            data=data,
        )
    ok(
        "user",
        "add",
        "--username",
        "kim",
        "--role",
        "operator",
        "--org",
        SHOP,
        "--password",
        "correct-horse-battery",
        data=data,
    )
    today = datetime.now(ZoneInfo("Europe/Brussels")).date()
    trained, until = (today - timedelta(days=5)).isoformat(), (today + timedelta(days=20)).isoformat()

    assert "live view needs a designation in PZ Kortrijk" in ok("designation", "list", "--org", ZONE, data=data)
    made = ok(
        "designation", "add", "--org", ZONE, "--user", "eva", "--trained", trained, "--valid-until", until, data=data
    )
    assert "eva" in made and "expiring" in made
    guard = ok(
        "designation",
        "add",
        "--org",
        ZONE,
        "--user",
        "sam",
        "--trained",
        trained,
        "--valid-until",
        until,
        "--supervisor",
        "tom",
        data=data,
    )
    assert "under tom" in guard
    for args, words in (
        (("--user", "eva", "--trained", "2026-02-30", "--valid-until", until), "--trained: '2026-02-30' is not a day"),
        (("--user", "eva", "--trained", until, "--valid-until", trained), "must have taken place"),
        (("--user", "eva", "--trained", trained, "--valid-until", date(2000, 1, 1).isoformat()), "after the training"),
        (("--user", "kim", "--trained", trained, "--valid-until", until), "not of your organisation"),
        (("--user", "sam", "--trained", trained, "--valid-until", until), "supervising inspector"),
    ):
        code, out = run("designation", "add", "--org", ZONE, *args, data=data)
        assert code != 0 and words in out and len(out.strip().splitlines()) == 1, out
    listed = ok("designation", "list", "--org", ZONE, data=data)
    first = ID.findall(made)[0]
    assert first in listed
    ok("designation", "revoke", first, "--org", ZONE, "--reason", "Moved to the detectives", data=data)
    assert first not in ok("designation", "list", "--org", ZONE, data=data)
    assert "revoked" in ok("designation", "list", "--org", ZONE, "--all", data=data)
    assert "no longer needs" in ok("designation", "require", "--org", ZONE, "--off", data=data)

    start = (datetime.now(ZoneInfo("Europe/Brussels")) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:00")
    end = (datetime.now(ZoneInfo("Europe/Brussels")) + timedelta(hours=9)).strftime("%Y-%m-%dT%H:00")
    planned = ok(
        "shift", "add", "--org", ZONE, "--user", "tom", "--start", start, "--end", end, "--team-chief", data=data
    )
    assert "team chief" in planned
    code, out = run("shift", "add", "--org", ZONE, "--user", "eva", "--start", end, "--end", start, data=data)
    assert code != 0 and "End: give a moment after the start" in out
    code, out = run("shift", "add", "--org", ZONE, "--user", "eva", "--start", "tomorrow", "--end", end, data=data)
    assert code == 2 and "--start" in out
    assert "tom" in ok("shift", "list", "--org", ZONE, data=data)
    ok("shift", "cancel", ID.findall(planned)[0], "--org", ZONE, data=data)
    assert "cancelled by" in ok("shift", "list", "--org", ZONE, data=data)
