"""`belfort report annual`: the figures as text or JSON, the PDF written to a file, one line
and a non-zero exit for a bad year or an organisation that does not exist; each reading
recorded in the audit log under the operating-system user's name."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from belfort.cli import main

ENV = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}


def run(*args: str, data: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env=ENV)
    return result.exit_code, result.output


def test_the_annual_report_on_the_command_line(tmp_path: Path) -> None:
    assert run("org", "add", "--name", "PZ Kortrijk", "--kind", "police_zone", data=tmp_path)[0] == 0
    code, out = run("report", "annual", "--org", "PZ Kortrijk", "--year", "2025", data=tmp_path)
    assert code == 0, out
    assert out.startswith("Annual report 2025 of PZ Kortrijk")
    assert "2. Consultations by purpose and outcome\n  administrative: Allowed 0, Refused 0, Total 0" in out
    code, out = run("report", "annual", "--org", "PZ Kortrijk", "--year", "2025", "--json", data=tmp_path)
    figures = json.loads(out)
    assert (figures["organisation"], figures["year"], figures["start"]) == ("PZ Kortrijk", 2025, "2024-12-31T23:00:00Z")
    document = tmp_path / "report.pdf"
    code, out = run(
        "report",
        "annual",
        "--org",
        "PZ Kortrijk",
        "--year",
        "2025",
        "--pdf",
        str(document),
        "--language",
        "fr",
        data=tmp_path,
    )
    assert code == 0 and document.read_bytes().startswith(b"%PDF"), out
    code, out = run("report", "annual", "--org", "PZ Kortrijk", "--year", "1999", data=tmp_path)
    this_year = datetime.now(ZoneInfo("Europe/Brussels")).year
    assert (code, out) == (
        1,
        f"belfort: year: '1999' is not a year of the report; choose one from 2000 to {this_year}\n",
    )
    code, out = run("report", "annual", "--org", "PZ Nergens", "--year", "2025", data=tmp_path)
    assert code == 1 and out == "belfort: There is no annual report 'PZ Nergens' that you may see.\n"
    code, out = run("audit", "verify", data=tmp_path)
    assert code == 0 and "intact: 5 records" in out  # the organisation, three readings and one refusal
