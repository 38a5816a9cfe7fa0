"""`belfort grant ...` and `belfort group ...`: sharing cameras from the command line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from belfort.cli import main

ENV = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}
POLICE = "Politiezone Demo"
SHOP = "Juwelier Demo"
CITY = "Stad Demo"
REASON = "burglary series on the Meir"
ID = re.compile(r"^([0-9a-f-]{36})  ", re.M)


def run(*args: str, data: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env=ENV)
    return result.exit_code, result.output


def ok(*args: str, data: Path) -> str:
    code, out = run(*args, data=data)
    assert code == 0, out
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three organisations; the shop owns two cameras on the Meir, the city one on the Markt."""
    data = tmp_path_factory.mktemp("site")
    for name, kind in ((POLICE, "police_zone"), (SHOP, "business"), (CITY, "city")):
        ok("org", "add", "--name", name, "--kind", kind, data=data)
    for name, org, street in (("Shop Door", SHOP, "Meir"), ("Shop Till", SHOP, "Meir"), ("Markt", CITY, "Markt")):
        ok("camera", "add", "--name", name, "--org", org, "--url", f"sim://{name[-4:]}", "--street", street, data=data)
    ok(
        "user",
        "add",
        "--username",
        "anna",
        "--role",
        "operator",
        "--org",
        POLICE,
        "--password",
        "Xyzzy-12345-abc",
        data=data,
    )
    return data


@pytest.fixture
def site(template: Path, tmp_path: Path) -> Path:
    """A copy of the template's data folder for one test."""
    return Path(shutil.copytree(template, tmp_path / "data"))


def test_grant_add_list_revoke(site: Path) -> None:
    out = ok(
        "grant", "add", "--owner", SHOP, "--to", POLICE, "--camera", "Shop Door", "--camera", "Shop Till",
        "--rights", "live,playback", "--reason", REASON, "--until", "2030-07-01T08:00", "--purpose", "judicial",
        data=site,
    )  # fmt: skip
    lines = out.strip().splitlines()
    assert len(lines) == 2  # one grant per camera
    assert "camera Shop Door" in lines[0] and "camera Shop Till" in lines[1]
    # Local Brussels time in, local time with its offset out (summer time in July).
    assert all("until 2030-07-01 08:00+02:00" in line for line in lines)
    assert all("rights live,playback" in line and "purposes judicial" in line for line in lines)
    door, till = (ID.match(line).group(1) for line in lines)  # type: ignore[union-attr]

    # A time with an offset is taken as given; a grant that starts later waits.
    out = ok(
        "grant", "add", "--owner", CITY, "--to", POLICE, "--camera", "Markt", "--rights", "live",
        "--reason", REASON, "--from", "2030-01-01T08:00+00:00", data=site,
    )  # fmt: skip
    assert "waiting" in out and "from 2030-01-01 09:00+01:00 until revoked" in out

    received = ok("grant", "list", "--org", POLICE, "--received", data=site)
    assert received.count("\n") == 3 and door in received and till in received
    assert ok("grant", "list", "--org", POLICE, "--given", data=site) == ""
    given = ok("grant", "list", "--org", SHOP, data=site)
    assert given.count("\n") == 2 and "Markt" not in given
    assert ok("grant", "list", data=site).count("\n") == 3  # every organisation's grants, each once

    # The owner's name must match the grant's; then the grant ends at once.
    code, out = run("grant", "revoke", door, "--owner", CITY, "--reason", "the case is closed now", data=site)
    assert code == 1 and out.count("\n") == 1 and f"given by {SHOP}" in out
    out = ok("grant", "revoke", door, "--owner", SHOP, "--reason", "the case is closed now", data=site)
    assert f"grant {door} of {SHOP} to {POLICE} revoked" in out
    code, out = run("grant", "revoke", door, "--reason", "the case is closed now", data=site)
    assert code == 1 and "already revoked" in out and "Traceback" not in out

    received = ok("grant", "list", "--org", POLICE, "--received", data=site)
    assert door not in received and till in received
    ended = ok("grant", "list", "--org", POLICE, "--received", "--ended", data=site)
    line = next(line for line in ended.splitlines() if line.startswith(door))
    assert "revoked" in line and "the case is closed now" in line
    assert "intact" in ok("audit", "verify", data=site)


def test_grant_narrow_keeps_what_is_not_named_and_never_widens(site: Path) -> None:
    out = ok(
        "grant", "add", "--owner", SHOP, "--to", POLICE, "--camera", "Shop Door", "--rights", "live,playback",
        "--reason", REASON, data=site,
    )  # fmt: skip
    grant = ID.match(out).group(1)  # type: ignore[union-attr]
    out = ok("grant", "narrow", grant, "--rights", "live", "--roles", "operator", data=site)
    assert "narrowed to rights live roles operator" in out
    out = ok("grant", "narrow", grant, "--people", "anna", data=site)
    assert "narrowed to rights live roles operator people anna" in out
    out = ok("grant", "narrow", grant, "--roles", "", data=site)
    assert "narrowed to rights live people anna" in out and "roles" not in out.split("narrowed to")[1]

    code, out = run("grant", "narrow", grant, "--rights", "export", data=site)
    assert code == 1 and out.count("\n") == 1 and "did not grant export" in out
    code, out = run("grant", "narrow", grant, "--people", "ghost", data=site)
    assert code == 1 and out.count("\n") == 1 and "no 'ghost'" in out


def test_group_add_list_cameras_remove(site: Path) -> None:
    out = ok("group", "add", "Meir", "--org", SHOP, "--rule", "street", "--value", "Meir", data=site)
    assert f"group Meir of {SHOP} (street, 2 cameras)" in out
    out = ok("group", "add", "Deur", "--org", SHOP, "--rule", "picked", "--camera", "Shop Door", data=site)
    assert "(picked, 1 camera)" in out

    listed = ok("group", "list", "--org", SHOP, data=site)
    assert "Deur  (picked cameras, 1 camera): Shop Door" in listed
    assert "Meir  (street Meir, 2 cameras): Shop Door, Shop Till" in listed
    assert ok("group", "list", "--org", POLICE, data=site) == ""

    out = ok("group", "cameras", "Deur", "--org", SHOP, "--camera", "Shop Till", "--camera", "Shop Door", data=site)
    assert "now has 2 cameras" in out
    code, out = run("group", "cameras", "Meir", "--org", SHOP, "--camera", "Shop Till", data=site)
    assert code == 1 and out.count("\n") == 1 and "follow its rule" in out

    # A grant on a group opens the group's cameras; the group cannot go while the grant holds.
    out = ok(
        "grant", "add", "--owner", SHOP, "--to", POLICE, "--group", "Meir", "--rights", "live",
        "--reason", REASON, data=site,
    )  # fmt: skip
    assert "group Meir (Shop Door, Shop Till)" in out
    grant = ID.match(out).group(1)  # type: ignore[union-attr]
    code, out = run("group", "remove", "Meir", "--org", SHOP, data=site)
    assert code == 1 and out.count("\n") == 1 and "revoke the grant first" in out
    # A revoked grant stays on record and keeps naming its group: still one line, no traceback.
    ok("grant", "revoke", grant, "--reason", "the case is closed now", data=site)
    code, out = run("group", "remove", "Meir", "--org", SHOP, data=site)
    assert code == 1 and out.count("\n") == 1 and "Traceback" not in out
    assert "Meir" in ok("group", "list", "--org", SHOP, data=site)

    assert "removed" in ok("group", "remove", "Deur", "--org", SHOP, data=site)
    assert "Deur" not in ok("group", "list", data=site)
    code, out = run("group", "remove", "Deur", "--org", SHOP, data=site)
    assert code == 1 and out.count("\n") == 1 and "no camera group 'Deur'" in out


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (("--owner", "Nowhere", "--to", POLICE, "--camera", "Shop Door"), 1, "no organisation named 'Nowhere'"),
        (("--owner", SHOP, "--to", "Nowhere", "--camera", "Shop Door"), 1, "no organisation 'Nowhere'"),
        (("--owner", SHOP, "--to", POLICE, "--camera", "Ghost"), 1, "no camera 'Ghost'"),
        (("--owner", SHOP, "--to", POLICE, "--camera", "Markt"), 1, f"belongs to {CITY}"),
        (("--owner", SHOP, "--to", SHOP, "--camera", "Shop Door"), 1, "already sees its own cameras"),
        (("--owner", SHOP, "--to", POLICE), 1, "name the cameras or one group"),
        (("--owner", SHOP, "--to", POLICE, "--camera", "Shop Door", "--rights", "fly"), 1, "'fly' is not a right"),
        (("--owner", SHOP, "--to", POLICE, "--camera", "Shop Door", "--until", "2020-01-01T00:00"), 1, "valid until"),
        (("--owner", SHOP, "--to", POLICE, "--camera", "Shop Door", "--until", "tomorrow"), 2, "--until: 'tomorrow'"),
        (("--owner", SHOP, "--to", POLICE, "--camera", "Shop Door", "--purpose", "fun"), 1, "'fun' is not a purpose"),
        (
            ("--owner", SHOP, "--to", POLICE, "--camera", "Shop Door", "--from", "2030-03-31T02:30"),
            2,
            "does not exist in Europe/Brussels",
        ),
    ],
)
def test_bad_grants_are_one_line(site: Path, args: tuple[str, ...], code: int, text: str) -> None:
    if "--rights" not in args:
        args = (*args, "--rights", "live")
    exit_code, out = run("grant", "add", *args, "--reason", REASON, data=site)
    assert exit_code == code, out
    assert out.count("\n") == 1 and text in out and "Traceback" not in out
    assert ok("grant", "list", "--ended", data=site) == ""


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (("group", "add", "X1", "--org", "Nowhere", "--rule", "picked"), 1, "no organisation named 'Nowhere'"),
        (("group", "add", "Markt", "--org", CITY, "--rule", "area"), 1, "area: name the area"),
        (("group", "add", "Markt", "--org", CITY, "--rule", "owner", "--value", "Nobody"), 1, "no organisation"),
        (("group", "add", "Markt", "--org", CITY, "--rule", "area", "--value", "A", "--camera", "Markt"), 2, "picked"),
        (("grant", "revoke", "not-a-grant", "--reason", "the case is closed now"), 1, "no grant 'not-a-grant'"),
        (("grant", "narrow", "not-a-grant", "--rights", "live"), 1, "no grant 'not-a-grant'"),
        (("grant", "list", "--given"), 2, "--org"),
    ],
)
def test_bad_commands_are_one_line(site: Path, args: tuple[str, ...], code: int, text: str) -> None:
    exit_code, out = run(*args, data=site)
    assert exit_code == code, out
    assert out.count("\n") == 1 and text in out and "Traceback" not in out
