"""Hotlists on both databases: CSV imports all or nothing, a watched file reloaded when it
changes (and audited), expiry through the day given, and the matcher swapped in."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from belfort.anpr.hotlists import parse_csv
from belfort.anpr.models import Hotlist
from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.errors import InvalidInput
from belfort.timeutil import utcnow
from tests.conftest import POLICE, Population


def test_csv_with_semicolons_a_header_and_every_column() -> None:
    entries = parse_csv(
        b"plate;category;priority;valid until;note\n"
        b"1-abc-234;Stolen;1;2026-12-31;grey Golf\n"
        b"2-XYZ-*;no valid inspection;;;\n"
    )
    assert [(e.pattern, e.category, e.priority, e.note) for e in entries] == [
        ("1ABC234", "stolen", 1, "grey Golf"),
        ("2XYZ*", "no_valid_inspection", 3, ""),
    ]
    assert entries[0].valid_until == datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "through that day"
    assert entries[1].valid_until is None


def test_a_bad_line_refuses_the_whole_file_and_is_named() -> None:
    with pytest.raises(InvalidInput, match=r"nothing was imported: line 3: category 'speeding'"):
        parse_csv(b"plate,category\n1ABC234,stolen\n2DEF345,speeding\n")
    with pytest.raises(InvalidInput, match=r"line 1: priority 9 must be 1"):
        parse_csv(b"1ABC234,stolen,9\n")
    with pytest.raises(InvalidInput, match="no entries"):
        parse_csv(b"plate,category\n\n")
    with pytest.raises(InvalidInput, match=r"line 1: .*no letter or digit"):
        parse_csv(b"*,stolen\n")


def test_a_watched_file_is_reloaded_when_it_changes(services: Services, population: Population, tmp_path: Path) -> None:
    watched = tmp_path / "stolen.csv"
    watched.write_text("1-ABC-234,stolen\n")
    with services.db.session() as session:
        police = next(o for o in services.accounts.list_organisations(session) if o.name == POLICE)
        hotlist = Hotlist(organisation_id=police.id, name="National", updated_at=utcnow(), updated_by="t")
        hotlist.watch_path = str(watched)
        session.add(hotlist)
    assert services.anpr.hotlists.reload_watched() == [f"National: 1 entries reloaded from {watched}"]
    assert services.anpr.hotlists.wait_built()
    assert [m.entry.category for m in services.anpr.hotlists.match(police.id, "1ABC234", utcnow())] == ["stolen"]
    assert services.anpr.hotlists.reload_watched() == [], "an unchanged file is not read again"
    watched.write_text("9-ZZZ-999,wanted\n")
    os.utime(watched, (1, 2_000_000_000))
    assert services.anpr.hotlists.reload_watched() == [f"National: 1 entries reloaded from {watched}"]
    assert services.anpr.hotlists.wait_built()
    assert services.anpr.hotlists.match(police.id, "1ABC234", utcnow()) == []
    watched.write_text("1-ABC-234,speeding\n")
    os.utime(watched, (1, 2_000_000_100))
    report = services.anpr.hotlists.reload_watched()
    assert len(report) == 1 and "was not reloaded" in report[0] and "speeding" in report[0]
    assert services.anpr.hotlists.wait_built()
    assert [m.entry.category for m in services.anpr.hotlists.match(police.id, "9ZZZ999", utcnow())] == ["wanted"]
    with services.db.session() as session:
        reloads = services.audit.query(session, AuditFilter(action="anpr.hotlists"))
    assert len(reloads) == 2 and all(str(watched) in r.actor_name for r in reloads)
