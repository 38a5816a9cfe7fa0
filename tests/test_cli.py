"""The `belfort` command: help everywhere, administration, and one-line errors."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from belfort.cli import main

ENV = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def run(*args: str, data: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env=ENV)
    return result.exit_code, result.output


def test_every_subcommand_has_help() -> None:
    runner = CliRunner()
    paths = commands(main)
    assert len(paths) > 15
    for path in paths:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Usage:" in result.output


def test_administration_round_trip(tmp_path: Path) -> None:
    code, out = run("org", "add", "--name", "Politiezone Kortrijk", "--kind", "police_zone", data=tmp_path)
    assert code == 0 and "Politiezone Kortrijk" in out
    code, out = run(
        "user", "add", "--username", "sofie", "--role", "supervisor", "--org", "Politiezone Kortrijk", data=tmp_path
    )
    assert code == 0 and "password: " in out
    code, out = run(
        "token", "create", "--name", "anpr-r8", "--org", "Politiezone Kortrijk", "--scope", "anpr:ingest", data=tmp_path
    )
    assert code == 0 and out.strip().splitlines()[-1].startswith("blt_")
    code, out = run("user", "list", data=tmp_path)
    assert "sofie" in out and "supervisor" in out
    code, out = run("audit", "verify", data=tmp_path)
    assert code == 0 and "intact: 4 records" in out  # three changes and the listing of users


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("org", "add", "--name", "X", "--kind", "city"), "organisation name must be"),
        (("user", "add", "--username", "a", "--role", "operator", "--org", "Nowhere"), "username must be"),
        (("user", "add", "--username", "anna", "--role", "operator", "--org", "Nowhere"), "no organisation"),
        (("token", "revoke", "not-an-id"), "no API token"),
        (("user", "disable", "ghost"), "There is no user 'ghost'"),
    ],
)
def test_user_errors_are_one_line(tmp_path: Path, args: tuple[str, ...], text: str) -> None:
    code, out = run(*args, data=tmp_path)
    assert code == 1
    assert out.count("\n") == 1 and text in out and "Traceback" not in out


def test_bad_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[server]\nport = -1\n")
    result = CliRunner().invoke(main, ["config", "check", "--config", str(config)], env=ENV)
    assert result.exit_code == 2 and "server.port" in result.output


def test_installed_command_runs() -> None:
    result = subprocess.run([Path(sys.executable).parent / "belfort", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "belfort" in result.stdout


def test_a_busy_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    import sqlite3

    data = tmp_path / "data"
    assert run("migrate", data=data)[0] == 0
    holder = sqlite3.connect(data / "belfort.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = CliRunner().invoke(
            main,
            ["org", "add", "--name", "Haven", "--kind", "other", "--data", str(data)],
            env={**ENV, "BELFORT_DATABASE__BUSY_TIMEOUT_SECONDS": "0.2"},
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1, result.output
    assert result.output.startswith("belfort: the database is busy") and "Traceback" not in result.output


@pytest.mark.parametrize("command", [("serve",), ("record", "--node", "rec-a"), ("demo",)])
def test_a_port_in_use_is_one_line_before_anything_starts(tmp_path: Path, command: tuple[str, ...]) -> None:
    data = tmp_path / "data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, [*command, "--port", str(port), "--data", str(data)], env=ENV)
    assert result.exit_code == 1, result.output
    assert result.output == (
        f"belfort: cannot listen on 127.0.0.1:{port}: Address already in use; "
        "stop what uses it or choose another --port\n"
    )
    assert not (data / "recordings").exists(), "nothing recorded, nothing seeded"


def test_the_camera_kinds_offered_are_the_registrys() -> None:
    from belfort.cameras.service import KINDS
    from belfort.cli import CAMERA_KINDS

    assert CAMERA_KINDS == KINDS
