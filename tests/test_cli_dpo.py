"""`belfort ropa ...` and `belfort subject-request ...`: the DPO's register and requests scripted."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from belfort.cli import main

ENV = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}
CITY = "Stad Demo"


def run(*args: str, data: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env=ENV)
    return result.exit_code, result.output


def ok(*args: str, data: Path) -> str:
    code, out = run(*args, data=data)
    assert code == 0, out
    return out


def test_the_register_and_a_request_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok("org", "add", "--name", CITY, "--kind", "city", data=data)
    ok("camera", "add", "--name", "Markt", "--org", CITY, "--url", "sim://markt", "--street", "Markt", data=data)
    assert "declaration D-7 of Markt recorded" in ok(
        "ropa", "declare", "Markt", "--ref", "D-7", "--validated", "2025-03-01", data=data
    )
    code, out = run("ropa", "declare", "Markt", "--ref", "D-7", "--validated", "1 March", data=data)
    assert code == 2 and "--validated" in out and len(out.strip().splitlines()) == 1
    ok("ropa", "edit", "--org", CITY, "--section", "transfers", "--text", "None.", data=data)
    shown = ok("ropa", "show", "--org", CITY, data=data)
    assert shown.startswith(f"# Register of processing activities: {CITY}") and "| Markt |" in shown
    assert "None." in shown and "overdue" in shown
    document = tmp_path / "ropa.pdf"
    ok("ropa", "export", "--org", CITY, "--output", str(document), data=data)
    assert document.read_bytes().startswith(b"%PDF")

    fields = ["--org", CITY, "--name", "Anna Peeters", "--contact", "anna@example.org", "--checked-by", "Desk"]
    period = ["--from", "2025-01-10T14:00", "--until", "2025-01-10T15:00", "--place", "Markt"]
    code, out = run("subject-request", "add", *fields, *period, "--identity-check", "", data=data)
    assert code == 1 and "identity check" in out
    added = ok("subject-request", "add", *fields, *period, "--identity-check", "ID card seen", data=data)
    reference = added.split()[0]
    assert reference.endswith("-0001") and "received" in added
    assert reference in ok("subject-request", "list", "--org", CITY, "--open", data=data)
    answered = ok(
        "subject-request", "answer", reference, "--org", CITY, "--outcome", "No footage kept any more",
        "--sent", "Letter by post", data=data,
    )  # fmt: skip
    assert "answered" in answered
    assert ok("subject-request", "list", "--org", CITY, "--open", data=data).strip() == ""
    code, out = run("subject-request", "refuse", reference, "--org", CITY, "--reason", "Asked twice", data=data)
    assert code == 1 and "closed" in out
