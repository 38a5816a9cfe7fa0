"""`belfort premises ...` and `belfort incidents ...`: alarm premises, consents and incident queues
from the command line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from belfort.alarms.intake import HttpAlarm
from belfort.app import build_services
from belfort.cli import main
from belfort.policy.model import system_actor
from belfort.settings import load_settings

ENV = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}
POLICE = "Politiezone Demo"
SHOP = "Juwelier Demo"
CENTRE = "Alarmcentrale Demo"
KEY = re.compile(r"^key ([0-9A-F]+)  \(shown this once", re.M)
CONSENT = re.compile(r"^consent ([0-9a-f-]{36}):", re.M)
PREMISES = (
    "premises", "add", "Juwelier Peeters", "--centre", CENTRE, "--subscriber", "Juwelier Peeters bv",
    "--address", "Grote Markt 1", "--police", POLICE, "--account", "1234", "--zone", "3=Shop window",
    "--supervision", "300",
)  # fmt: skip


def run(*args: str, data: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--data", str(data)], env=ENV)
    return result.exit_code, result.output


def ok(*args: str, data: Path) -> str:
    code, out = run(*args, data=data)
    assert code == 0, out
    return out


def refused(*args: str, data: Path, code: int = 1) -> str:
    """A command refused with one line and exit code `code`, never a traceback."""
    exit_code, out = run(*args, data=data)
    assert exit_code == code and out.count("\n") == 1 and "Traceback" not in out, out
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A police zone, a shop with a camera and an alarm centre."""
    data = tmp_path_factory.mktemp("site")
    for name, kind in ((POLICE, "police_zone"), (SHOP, "business"), (CENTRE, "alarm_centre")):
        ok("org", "add", "--name", name, "--kind", kind, data=data)
    ok("camera", "add", "--name", "Shop Door", "--org", SHOP, "--url", "sim://door", data=data)
    ok("camera", "add", "--name", "Zone Markt", "--org", POLICE, "--url", "sim://markt", data=data)
    return data


@pytest.fixture
def site(template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "data"))


def test_premises_add_list_show_key_remove(site: Path) -> None:
    out = ok(*PREMISES, "--key-bits", "256", data=site)
    key = KEY.search(out)
    assert key is not None and len(key.group(1)) == 64
    assert "account 0:1234" in out and f"{CENTRE} -> {POLICE}" in out and "key AES-256" in out
    assert "polled every 300 s" in out

    listed = ok("premises", "list", data=site)
    shown = ok("premises", "show", "Juwelier Peeters", data=site)
    assert listed.count("\n") == 1 and "Juwelier Peeters" in listed
    assert "zone 3: Shop window" in shown and "subscriber Juwelier Peeters bv" in shown
    for text in (listed, shown):
        assert key.group(1) not in text, "a key is shown once, when it is made"
    assert ok("premises", "list", "--org", POLICE, data=site) == listed, "the police zone deals with it"
    assert ok("premises", "list", "--org", CENTRE, data=site) == listed
    assert ok("premises", "list", "--org", SHOP, data=site) == ""

    rekeyed = ok("premises", "key", "Juwelier Peeters", "--bits", "128", data=site)
    new_key = KEY.search(rekeyed)
    assert new_key is not None and len(new_key.group(1)) == 32 and "key AES-128" in rekeyed
    out = ok("premises", "key", "Juwelier Peeters", "--hex", "00112233445566778899aabbccddeeff", data=site)
    assert "key AES-128" in out and KEY.search(out) is None
    refused("premises", "key", "Juwelier Peeters", "--bits", "128", "--hex", "00", data=site, code=2)
    assert "key:" in refused("premises", "key", "Juwelier Peeters", "--hex", "0011", data=site)

    out = ok("premises", "remove", "Juwelier Peeters", data=site)
    assert "premises Juwelier Peeters (0:1234) removed" in out
    assert ok("premises", "list", data=site) == ""
    assert "no premises 'Juwelier Peeters'" in refused("premises", "show", "Juwelier Peeters", data=site)
    assert "intact" in ok("audit", "verify", data=site)


def test_an_alarm_centre_gets_a_token_to_send_alarms(site: Path) -> None:
    out = ok("token", "create", "--name", "centre-gateway", "--org", CENTRE, "--scope", "alarms:send", data=site)
    assert "scopes alarms:send" in out


def test_bad_premises_input_is_one_line(site: Path) -> None:
    assert "account:" in refused(*PREMISES[:-6], "--account", "XYZ", data=site)
    assert "police:" in refused(*PREMISES[:9], "--police", SHOP, "--account", "1234", data=site)
    assert "centre:" in refused(*PREMISES[:3], "--centre", POLICE, *PREMISES[5:], data=site)
    assert "--zone" in refused(*PREMISES[:-4], "--zone", "Shop window", data=site, code=2)
    ok(*PREMISES, data=site)
    assert "account:" in refused(*PREMISES[:2], "Other", *PREMISES[3:], data=site)


def test_consent_is_given_and_withdrawn_by_the_cameras_owner(site: Path) -> None:
    ok(*PREMISES, data=site)
    out = ok(
        "premises", "consent", "Juwelier Peeters", "--camera", "Shop Door", "--reference", "Form 17",
        "--until", "2035-01-01T00:00", data=site,
    )  # fmt: skip
    consent = CONSENT.search(out)
    assert consent is not None
    assert f"camera Shop Door of {SHOP} to {POLICE} on alarms at Juwelier Peeters" in out
    shown = ok("premises", "show", "Juwelier Peeters", data=site)
    assert f"camera Shop Door of {SHOP}  live,prealarm  holds until 2035-01-01 00:00+01:00  ref Form 17" in shown
    assert "no camera 'Nowhere'" in refused("premises", "consent", "Juwelier Peeters", "--camera", "Nowhere", data=site)

    withdraw = ("premises", "withdraw-consent", consent.group(1))
    assert "reason:" in refused(*withdraw, "--reason", "closed", data=site)
    out = ok(*withdraw, "--reason", "The shop closed for good", data=site)
    assert f"consent {consent.group(1)} for camera Shop Door withdrawn" in out
    assert "already withdrawn" in refused(*withdraw, "--reason", "The shop closed for good", data=site)
    assert "withdrawn" in ok("premises", "show", "Juwelier Peeters", data=site)


def test_incidents_list_show_ack_note_close(site: Path) -> None:
    ok(*PREMISES, data=site)
    ok("premises", "consent", "Juwelier Peeters", "--camera", "Shop Door", data=site)
    services = build_services(load_settings(data_dir=site, environ={}))
    try:
        taken = services.intake.http(
            system_actor("test-alarm"), HttpAlarm(account="1234", code="BA", zone="3"), "127.0.0.1"
        )
        assert [change.change for change in taken.changes] == ["opened"]
    finally:
        services.close()

    listed = ok("incidents", "list", "--org", POLICE, data=site)
    assert listed.startswith("#1  open") and "burglary  Juwelier Peeters (Grote Markt 1)" in listed
    assert "zone 3 Shop window" in listed and "live until" in listed
    assert ok("incidents", "list", data=site) == listed, "every organisation's queue, each incident once"
    assert ok("incidents", "list", "--org", SHOP, data=site) == ""
    shown = ok("incidents", "show", "1", data=site)
    assert f"camera Shop Door of {SHOP}  live until" in shown and "opened  alarm receiver" in shown

    assert "#1  acknowledged" in ok("incidents", "ack", "#1", data=site)
    assert "already acknowledged" in refused("incidents", "ack", "1", data=site)
    ok("incidents", "note", "1", "--text", "Patrol 12 on its way", data=site)
    assert "note  cli:" in ok("incidents", "show", "1", data=site)
    assert "outcome:" in refused("incidents", "close", "1", "--outcome", "solved", data=site)
    out = ok("incidents", "close", "1", "--outcome", "false_alarm", "--note", "Cat in the shop", data=site)
    assert "#1  closed" in out and "outcome false_alarm" in out
    assert ok("incidents", "list", data=site) == ""
    assert "#1  closed" in ok("incidents", "list", "--all", data=site)
    assert "no incident '7'" in refused("incidents", "show", "7", data=site)
    assert "intact" in ok("audit", "verify", data=site)
