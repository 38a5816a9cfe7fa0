"""`belfort register ...`: an owner's entry, publishing cameras and exporting the public
register from the command line; bad input ends with one line and a non-zero code."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner

from belfort.cli import main

ENV = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}
POLICE = "Politiezone Kortrijk"


def run(*args: str, data: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env=ENV)
    return result.exit_code, result.output


def ok(*args: str, data: Path) -> str:
    code, out = run(*args, data=data)
    assert code == 0, out
    return out


def test_an_owner_publishes_its_cameras_and_the_register_exports_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok("org", "add", "--name", POLICE, "--kind", "police_zone", data=data)
    for name, street in (("Cam Doorniksestraat 1", "Doorniksestraat"), ("Cam Doorniksestraat 2", "Doorniksestraat")):
        ok(
            "camera", "add", "--name", name, "--org", POLICE, "--url", "sim://x", "--street", street,
            "--lat", "50.8271", "--lon", "3.2649", "--consent", "GR/2026/3", "--enable",
            data=data,
        )  # fmt: skip
    code, out = run("register", "publish", "Cam Doorniksestraat 1", "--municipality", "Kortrijk", data=data)
    assert code == 1 and out.startswith("belfort: public: fill in your organisation's register profile first")
    code, out = run("register", "profile", "--org", POLICE, "--dpo-email", "not-an-address", data=data)
    assert code == 1 and "write it like dpo@example.be" in out and out.count("\n") == 1
    out = ok("register", "profile", "--org", POLICE, "--dpo-email", "dpo@pz-kortrijk.example", data=data)
    assert out == f"register entry of {POLICE}: /register/politiezone-kortrijk (DPO dpo@pz-kortrijk.example)\n"
    for name in ("Cam Doorniksestraat 1", "Cam Doorniksestraat 2"):
        out = ok("register", "publish", name, "--municipality", "Kortrijk", "--purpose", "traffic safety", data=data)
        assert out == f"camera {name} public in the register (listed): Doorniksestraat\n"
    exported = ok("register", "export", "--format", "csv", "--street", "doorniksestr", data=data)
    (row,) = csv.DictReader(io.StringIO(exported))
    assert (row["street"], row["cameras"], row["owner"], row["owner_type"]) == (
        "Doorniksestraat",
        "2",
        POLICE,
        "police_zone",
    )
    assert "Police Function Act" in row["legal_basis"] and row["owner_page"] == "/register/politiezone-kortrijk"
    ok("register", "unpublish", "Cam Doorniksestraat 2", data=data)
    as_json = json.loads(ok("register", "export", "--format", "json", "--base-url", "https://b.example/", data=data))
    assert [(r["cameras"], r["owner_page"]) for r in as_json["rows"]] == [
        (1, "https://b.example/register/politiezone-kortrijk")
    ]
    for secret in ("Cam Doorniksestraat", "50.8271", "3.2649", "sim://"):
        assert secret not in exported and secret not in json.dumps(as_json)
    code, out = run("register", "export", "--street", "x%", data=data)
    assert code == 1 and out == "belfort: street: use only letters, digits, spaces, hyphens, apostrophes and dots\n"
