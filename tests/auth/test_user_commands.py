"""`belfort user list` shows throttled names and `belfort user enable` clears them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from belfort.app import build_services
from belfort.cli import main
from belfort.errors import LoginRefused
from belfort.settings import load_settings

ENV = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": "", "BELFORT_SECURITY__LOGIN_BACKOFF_SECONDS": "600"}
"""A first wait of ten minutes: the real clock cannot end it while the test runs."""


def run(*args: str, data: Path) -> str:
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env=ENV)
    assert result.exit_code == 0, result.output
    return result.output


def fail_to_sign_in(data: Path, username: str, times: int) -> None:
    services = build_services(load_settings(data_dir=data, environ=ENV))
    try:
        for _ in range(times):
            try:
                with services.db.session() as session:
                    services.accounts.login(session, username, "guess", kind="api", client="198.51.100.66")
            except LoginRefused:
                pass
    finally:
        services.close()


def test_enable_clears_a_throttled_name(tmp_path: Path) -> None:
    run("org", "add", "--name", "PZ Kortrijk", "--kind", "police_zone", data=tmp_path)
    run("user", "add", "--username", "sofie", "--role", "admin", "--org", "PZ Kortrijk", data=tmp_path)
    fail_to_sign_in(tmp_path, "sofie", 5)
    assert "throttled" in run("user", "list", data=tmp_path)
    assert "sofie enabled" in run("user", "enable", "sofie", data=tmp_path)
    listed = run("user", "list", data=tmp_path)
    assert "throttled" not in listed and "active" in listed
