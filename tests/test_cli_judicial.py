"""`belfort authorisation ...` and `belfort drone ...`: judicial authorisations and the drone
missions log from the command line, with a real video imported as the drone's footage."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from belfort.cli import main
from tests.support.judicial import drone_video

ENV = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}
POLICE = "Politiezone Demo"
PROPORTIONALITY = "Only the square was filmed, for ten minutes, from fifty metres, during the night."
SUBSIDIARITY = "No fixed camera sees the roofs of the square, and no patrol can reach them safely."


def run(*args: str, data: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env=ENV)
    return result.exit_code, result.output


def ok(*args: str, data: Path) -> str:
    code, out = run(*args, data=data)
    assert code == 0, out
    return out


def test_authorisations_are_added_listed_and_revoked(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok("org", "add", "--name", POLICE, "--kind", "police_zone", data=data)
    ok("camera", "add", "--name", "Markt", "--org", POLICE, "--url", "sim://markt", data=data)
    added = ok(
        "authorisation", "add", "--org", POLICE, "--kind", "investigating_judge_order", "--reference", "JO/2026/7",
        "--date", "2026-01-05", "--magistrate", "Onderzoeksrechter Kortrijk", "--case", "KO.1/26",
        "--camera", "Markt", "--footage-from", "2025-12-01 00:00", "--footage-until", "2025-12-31 00:00",
        "--expires", "2099-01-01 00:00", data=data,
    )  # fmt: skip
    assert "in-force" in added and "JO/2026/7 (investigating_judge_order, 2026-01-05)" in added
    assert "cameras Markt" in added and "footage 2025-12-01 00:00+01:00 to 2025-12-31 00:00+01:00" in added
    assert "JO/2026/7" in ok("authorisation", "list", "--org", POLICE, data=data)
    code, out = run("authorisation", "revoke", "JO/2026/7", "--org", POLICE, "--reason", "short", data=data)
    assert code != 0 and out.startswith("belfort: reason:") and out.count("\n") == 1
    assert "revoked" in ok(
        "authorisation", "revoke", "JO/2026/7", "--org", POLICE, "--reason", "Case closed", data=data
    )
    assert ok("authorisation", "list", "--org", POLICE, data=data) == ""
    assert "revoked" in ok("authorisation", "list", "--ended", data=data)


def test_a_drone_flight_is_logged_with_its_video_refused_without_justification_and_reported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok("org", "add", "--name", POLICE, "--kind", "police_zone", data=data)
    ok("camera", "add", "--name", "Drone 1", "--org", POLICE, "--kind", "drone", data=data)
    take_off = (datetime.now(ZoneInfo("Europe/Brussels")) - timedelta(hours=3)).replace(second=0, microsecond=0)
    flight = [
        "drone", "log", "--org", POLICE, "--drone", "Drone 1", "--regime", "administrative",
        "--requested-by", "Commissaris Claes", "--responsible", "Inspecteur Wouters",
        "--purpose", "Roof fire at the Grote Markt", "--area", "Grote Markt",
        "--take-off", take_off.isoformat(), "--landing", (take_off + timedelta(minutes=10)).isoformat(),
    ]  # fmt: skip
    code, out = run(*flight, "--proportionality", "", "--subsidiarity", SUBSIDIARITY, data=data)
    assert code != 0 and out.startswith("belfort: Proportionality is missing") and out.count("\n") == 1
    video = drone_video(tmp_path, ".mkv")
    logged = ok(
        *flight, "--proportionality", PROPORTIONALITY, "--subsidiarity", SUBSIDIARITY, "--video", str(video), data=data
    )
    assert "10 min  administrative  Grote Markt: Roof fire" in logged and "4 s of footage" in logged
    report = ok("drone", "report", "--org", POLICE, "--year", str(take_off.year), "--csv", data=data)
    (line,) = csv.DictReader(io.StringIO(report))
    assert line["minutes"] == "10" and line["proportionality"] == PROPORTIONALITY and line["recordings"] != "0"
