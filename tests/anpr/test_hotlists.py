"""Hotlists on both databases: CSV imports all or nothing (broken and binary files named by
line and column, through the API too), imports written as a new generation and switched to
at once, a deleted list out of use at once and its rows deleted after (what a stopped process
left goes at start), the version raised by every change, the list of lists behind the policy
gate, and a watched file reloaded when it changes (and audited), its problem on the page."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from belfort.anpr.hotlists import DELETE_BATCH, WRITE_BATCH, EntryIn, parse_csv, stored_versions
from belfort.anpr.models import Hotlist, HotlistRow
from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.auth.models import Organisation, User
from belfort.auth.service import actor_of_user
from belfort.errors import Conflict, Forbidden, InvalidInput, NotFound
from belfort.policy import Actor
from belfort.timeutil import utcnow
from tests.conftest import POLICE, SYSTEM, Population, bearer
from tests.web.test_pages import sign_in


def police_id(services: Services) -> uuid.UUID:
    with services.db.session() as session:
        return session.scalars(select(Organisation.id).where(Organisation.name == POLICE)).one()


def person(services: Services, username: str) -> Actor:
    with services.db.session() as session:
        return actor_of_user(session.scalars(select(User).where(User.username == username)).one())


def new_list(services: Services, name: str = "National", watch_path: str = "") -> uuid.UUID:
    with services.db.session() as session:
        hotlist = Hotlist(organisation_id=police_id(services), name=name, updated_at=utcnow(), updated_by="t")
        hotlist.watch_path = watch_path
        session.add(hotlist)
        session.flush()
        return hotlist.id


def plates(count: int, prefix: str = "1ABC") -> list[EntryIn]:
    return [EntryIn(f"{prefix}{n:06d}", "stolen") for n in range(count)]


def rows_by_generation(services: Services, hotlist_id: uuid.UUID) -> dict[int, int]:
    with services.db.session() as session:
        counted = session.execute(
            select(HotlistRow.generation, func.count())
            .where(HotlistRow.hotlist_id == hotlist_id)
            .group_by(HotlistRow.generation)
        ).all()
    return {generation: count for generation, count in counted}


# -- CSV ---------------------------------------------------------------------------------------


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


def test_valid_until_is_read_in_the_site_time_zone() -> None:
    brussels = ZoneInfo("Europe/Brussels")
    entries = parse_csv(
        b"1ABC234;stolen;1;2026-12-31\n2DEF345;wanted;2;2026-10-25 02:30\n3GHI456;wanted;2;2026-10-25T02:30+01:00\n",
        brussels,
    )
    assert [e.valid_until for e in entries] == [
        datetime(2026, 12, 31, 22, 59, 59, 999999, tzinfo=UTC),  # the end of 31 December in Brussels (UTC+1)
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the first 02:30 of the night the clocks go back
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # the second
    ]
    with pytest.raises(InvalidInput, match=r"line 1: valid until '2026-03-29 02:30': 2026-03-29 02:30 does not exist"):
        parse_csv(b"1ABC234;stolen;1;2026-03-29 02:30\n", brussels)
    with pytest.raises(InvalidInput, match=r"line 1: valid until 'soon' is neither a date"):
        parse_csv(b"1ABC234;stolen;1;soon\n", brussels)


def test_a_bad_line_refuses_the_whole_file_and_is_named() -> None:
    with pytest.raises(InvalidInput, match=r"nothing was imported: line 3: category 'speeding'"):
        parse_csv(b"plate,category\n1ABC234,stolen\n2DEF345,speeding\n")
    with pytest.raises(InvalidInput, match=r"line 1: priority 9 must be 1"):
        parse_csv(b"1ABC234,stolen,9\n")
    with pytest.raises(InvalidInput, match=r"line 1: priority 'high' is not a number"):
        parse_csv(b"1ABC234,stolen,high\n")
    with pytest.raises(InvalidInput, match="no entries"):
        parse_csv(b"plate,category\n\n")
    with pytest.raises(InvalidInput, match=r"line 1: .*no letter or digit"):
        parse_csv(b"*,stolen\n")


def test_a_line_is_named_where_it_begins_even_after_a_quoted_note_on_several_lines() -> None:
    with pytest.raises(InvalidInput, match=r"line 4: category 'speeding'"):
        parse_csv(b'1ABC234,stolen,1,,"grey Golf,\nseen twice"\n2DEF345,wanted\n3GHI456,speeding\n')


def test_a_note_too_long_is_refused_not_cut() -> None:
    with pytest.raises(InvalidInput, match=r"line 1: the note has 501 characters; shorten it to at most 500"):
        parse_csv(b"1ABC234,stolen,1,," + b"n" * 501 + b"\n")


def test_a_field_beyond_the_csv_limit_names_its_line_and_column() -> None:
    huge = b"x" * 140_000
    with pytest.raises(InvalidInput) as refused:
        parse_csv(b"plate,category,priority,valid until,note\n1ABC234,stolen\n2DEF345,wanted,2,," + huge + b"\n")
    assert "nothing was imported: line 3, column 5 (note): a field is longer than 131,072" in refused.value.message
    assert "check that the file is a hotlist CSV file and that its quotes are closed" in refused.value.message
    with pytest.raises(InvalidInput, match=r"line 2: a field is longer than 131,072 characters \(an unclosed quote"):
        parse_csv(b'1ABC234,stolen\n2DEF345,"wanted\n' + (b"y" * 1000 + b"\n") * 140)


def test_binary_data_names_its_line_and_column() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_csv(b"1ABC234,stolen\n2DEF\x00345,wanted\n3GHI456,stolen,1,,a\x00b\n")
    assert refused.value.message == (
        "nothing was imported: line 2, column 1 (plate): binary data (a NUL byte), not text: export the list "
        "as a CSV text file and import that; line 3, column 5 (note): binary data (a NUL byte), not text: "
        "export the list as a CSV text file and import that"
    )


def test_bad_files_through_the_api_answer_422_and_import_nothing(
    client: TestClient, services: Services, population: Population
) -> None:
    supervisor = bearer(client, "supervisor")
    created = client.post("/api/anpr/hotlists", json={"name": "National"}, headers=supervisor)
    hotlist_id = created.json()["id"]
    cases = [
        (b"plate;category;priority;valid until;note\n1ABC234;stolen;1;;" + b"x" * 131_073 + b"\n", "line 2, column 5"),
        (b"1ABC234,stolen\n\x00\x01\x02\x03,\xff\xfe\n", "line 2, column 1 (plate): binary data"),
        (bytes(range(256)) * 600, "binary data (a NUL byte)"),
        (b'1ABC234,"stolen\n' + b"z" * 140_000, "line 1: a field is longer than 131,072 characters"),
    ]
    for body, named in cases:
        answer = client.put(
            f"/api/anpr/hotlists/{hotlist_id}/entries", content=body, headers={**supervisor, "Content-Type": "text/csv"}
        )
        assert answer.status_code == 422, answer.text
        assert named in answer.json()["detail"] and "nothing was imported" in answer.json()["detail"]
    assert client.get("/api/anpr/hotlists", headers=supervisor).json()[0]["entries"] == 0
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(HotlistRow)) == 0


# -- the list of lists -------------------------------------------------------------------------


def test_the_list_of_hotlists_is_refused_by_the_gate_and_audited(
    client: TestClient, services: Services, population: Population
) -> None:
    refused = client.get("/api/anpr/hotlists", headers=bearer(client, "operator"))
    assert refused.status_code == 403, refused.text
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person="operator", action="anpr.hotlists"))
    assert [(r.outcome, json.loads(r.detail)["change"]) for r in records] == [("refused", "list")]
    assert client.get("/api/anpr/hotlists", headers=bearer(client, "supervisor")).status_code == 200
    with services.db.session() as session:
        granted = services.audit.query(session, AuditFilter(person="supervisor", action="anpr.hotlists"))
    assert [r.outcome for r in granted] == ["granted"]


# -- imports -----------------------------------------------------------------------------------


def test_an_import_writes_a_new_generation_and_switches_to_it(services: Services, population: Population) -> None:
    hotlist_id = new_list(services)
    organisation = police_id(services)
    supervisor = person(services, "supervisor")
    first, count = services.anpr.hotlists.import_entries(supervisor, hotlist_id, plates(WRITE_BATCH * 2 + 7))
    assert (first.generation, first.entries, count, first.updated_by) == (1, WRITE_BATCH * 2 + 7, count, "supervisor")
    assert rows_by_generation(services, hotlist_id) == {1: WRITE_BATCH * 2 + 7}
    second, _ = services.anpr.hotlists.import_entries(supervisor, hotlist_id, plates(3, "9XYZ"))
    assert second.generation == 2 and rows_by_generation(services, hotlist_id) == {2: 3}, "the previous one is gone"
    assert services.anpr.hotlists.wait_built()
    assert services.anpr.hotlists.match(organisation, "1ABC000001", utcnow()) == []
    assert [m.entry.pattern for m in services.anpr.hotlists.match(organisation, "9XYZ000002", utcnow())] == [
        "9XYZ000002"
    ]
    with services.db.session() as session:
        hotlist = session.get(Hotlist, hotlist_id)
        assert hotlist is not None
        assert services.anpr.hotlists.count(session, hotlist) == 3
        shown = services.anpr.hotlists.entries(session, SYSTEM, hotlist)
        assert [row.pattern for row in shown] == ["9XYZ000000", "9XYZ000001", "9XYZ000002"]
        records = services.audit.query(session, AuditFilter(person="supervisor", action="anpr.hotlists"))
    assert [r.outcome for r in records] == ["granted", "granted"], "one decision per import"


def test_a_refused_import_writes_nothing_but_its_audit_record(services: Services, population: Population) -> None:
    hotlist_id = new_list(services)
    with pytest.raises(Forbidden):
        services.anpr.hotlists.import_entries(person(services, "operator"), hotlist_id, plates(10))
    assert rows_by_generation(services, hotlist_id) == {}
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person="operator", action="anpr.hotlists"))
        assert session.get(Hotlist, hotlist_id).generation == 0  # type: ignore[union-attr]
    assert [r.outcome for r in records] == ["refused"]


def test_an_abandoned_generation_goes_with_the_next_import(services: Services, population: Population) -> None:
    hotlist_id = new_list(services)
    supervisor = person(services, "supervisor")
    services.anpr.hotlists.import_entries(supervisor, hotlist_id, plates(5))
    with services.db.session() as session:  # what a process stopped in the middle of an import leaves
        session.add_all(
            HotlistRow(hotlist_id=hotlist_id, pattern=f"7OLD{n:03d}", category="stolen", priority=3, generation=2)
            for n in range(50)
        )
    assert rows_by_generation(services, hotlist_id) == {1: 5, 2: 50}
    services.anpr.hotlists.build_now(police_id(services))
    assert services.anpr.hotlists.match(police_id(services), "7OLD001", utcnow()) == [], "never in force"
    with services.db.session() as session:
        hotlist = session.get(Hotlist, hotlist_id)
        assert hotlist is not None and services.anpr.hotlists.count(session, hotlist) == 5
    imported, _ = services.anpr.hotlists.import_entries(supervisor, hotlist_id, plates(4, "8NEW"))
    assert imported.generation == 3 and rows_by_generation(services, hotlist_id) == {3: 4}


def test_rows_of_a_generation_switched_away_from_go_at_start(services: Services, population: Population) -> None:
    hotlist_id = new_list(services)
    services.anpr.hotlists.import_entries(person(services, "supervisor"), hotlist_id, plates(5))
    with services.db.session() as session:  # a process stopped between the switch and the clean-up
        session.add_all(
            HotlistRow(hotlist_id=hotlist_id, pattern=f"7OLD{n:03d}", category="stolen", priority=3, generation=0)
            for n in range(WRITE_BATCH + 1)
        )
    assert services.anpr.hotlists.remove_stale_generations() == WRITE_BATCH + 1
    assert rows_by_generation(services, hotlist_id) == {1: 5}


def test_of_two_imports_at_once_the_later_one_wins(
    services: Services, population: Population, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import that began later switches first: the earlier one is then refused and its rows go."""
    hotlist_id = new_list(services)
    supervisor = person(services, "supervisor")
    service = services.anpr.hotlists
    lock_list = service._locked
    calls = []

    def later_import_before_the_switch(session: Session, list_id: uuid.UUID, name: str) -> Hotlist:
        calls.append(list_id)
        if len(calls) == 2:  # the first import's switch: its rows are written, nothing is locked yet
            monkeypatch.setattr(service, "_locked", lock_list)
            service.import_entries(supervisor, hotlist_id, plates(2, "2LAT"))
        return lock_list(session, list_id, name)

    monkeypatch.setattr(service, "_locked", later_import_before_the_switch)
    with pytest.raises(Conflict, match="an import of hotlist 'National' that began after this one finished first"):
        service.import_entries(supervisor, hotlist_id, plates(3, "1EAR"))
    assert rows_by_generation(services, hotlist_id) == {2: 2}
    with services.db.session() as session:
        assert session.get(Hotlist, hotlist_id).entries == 2  # type: ignore[union-attr]


# -- deleting a list ----------------------------------------------------------------------------


def version_of(services: Services, organisation: uuid.UUID) -> int:
    with services.db.session() as session:
        return stored_versions(session).get(organisation, 0)


def audited_changes(services: Services, username: str) -> list[tuple[str, str]]:
    """The person's decisions on hotlists, oldest first: the outcome and the change (or, for a
    list refused before it was looked at, the rule that refused it)."""
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person=username, action="anpr.hotlists"))
    details = [(r.outcome, json.loads(r.detail)) for r in reversed(records)]
    return [(outcome, detail.get("change") or detail["rule"]) for outcome, detail in details]


def test_a_deleted_list_is_out_of_use_before_its_entries_go(
    services: Services, population: Population, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the deletion's first transaction is committed, and while every row is still there:
    the list is listed and found nowhere, its plates hit nothing, its name is free and the
    version is raised. Then its rows and the list go; the deletion is audited once."""
    hotlist_id = new_list(services)
    organisation = police_id(services)
    supervisor = person(services, "supervisor")
    hotlists = services.anpr.hotlists
    size = DELETE_BATCH + 5
    hotlists.import_entries(supervisor, hotlist_id, plates(size))
    assert hotlists.wait_built()
    assert hotlists.match(organisation, "1ABC000007", utcnow()), "its plates hit before"
    with pytest.raises(Forbidden):
        hotlists.remove(person(services, "operator"), hotlist_id)
    assert rows_by_generation(services, hotlist_id) == {1: size}, "a refused deletion changes nothing"
    before = version_of(services, organisation)
    seen: dict[str, object] = {}
    delete_list = hotlists._delete_list

    def look_before_the_rows_go(list_id: uuid.UUID) -> int:
        seen["rows"] = rows_by_generation(services, list_id)
        seen["version"] = version_of(services, organisation)
        seen["match"] = hotlists.match(organisation, "1ABC000007", utcnow())
        with services.db.session() as session:
            seen["listed"] = [hotlist.name for hotlist in hotlists.lists(session, supervisor)]
            with pytest.raises(NotFound, match="was deleted"):
                hotlists.get(session, supervisor, list_id)
            seen["renamed"] = hotlists.create(session, supervisor, "National").id
        return delete_list(list_id)

    monkeypatch.setattr(hotlists, "_delete_list", look_before_the_rows_go)
    assert hotlists.remove(supervisor, hotlist_id) == ("National", organisation)
    assert seen["rows"] == {1: size} and seen["version"] == before + 1
    assert seen["match"] == [] and seen["listed"] == []
    assert rows_by_generation(services, hotlist_id) == {}
    with services.db.session() as session:
        assert session.get(Hotlist, hotlist_id) is None
        assert [hotlist.id for hotlist in hotlists.lists(session, supervisor)] == [seen["renamed"]]
    assert hotlists.wait_built()
    assert hotlists.match(organisation, "1ABC000007", utcnow()) == []
    assert [change for change in audited_changes(services, "supervisor") if change[1] == "delete"] == [
        ("granted", "delete")
    ]
    assert [outcome for outcome, _ in audited_changes(services, "operator")] == ["refused"]


class Stopped(BaseException):
    """The process stops (killed, power lost) where this is raised."""


def test_a_list_a_process_stopped_deleting_goes_at_start(
    services: Services, population: Population, monkeypatch: pytest.MonkeyPatch
) -> None:
    hotlist_id = new_list(services)
    supervisor = person(services, "supervisor")
    hotlists = services.anpr.hotlists
    hotlists.import_entries(supervisor, hotlist_id, plates(DELETE_BATCH + 5))
    batch = hotlists._batch
    batches: list[int] = []
    deleting = threading.get_ident()

    @contextmanager
    def stop_at_the_second_batch() -> Iterator[Session]:
        """The deletion's batches (not those of the builder, which reads meanwhile)."""
        if threading.get_ident() == deleting:
            batches.append(1)
            if len(batches) == 2:
                raise Stopped
        with batch() as session:
            yield session

    monkeypatch.setattr(hotlists, "_batch", stop_at_the_second_batch)
    with pytest.raises(Stopped):
        hotlists.remove(supervisor, hotlist_id)
    monkeypatch.undo()
    assert rows_by_generation(services, hotlist_id) == {1: 5}, "one batch was deleted"
    with services.db.session() as session:
        assert hotlists.lists(session, supervisor) == [], "out of use all the same"
        hotlists.create(session, supervisor, "National")
    assert hotlists.remove_stale_generations() == 5
    assert rows_by_generation(services, hotlist_id) == {}
    with services.db.session() as session:
        assert session.get(Hotlist, hotlist_id) is None


def test_an_import_into_a_list_deleted_meanwhile_is_refused_and_leaves_nothing(
    services: Services, population: Population, monkeypatch: pytest.MonkeyPatch
) -> None:
    hotlist_id = new_list(services)
    supervisor = person(services, "supervisor")
    hotlists = services.anpr.hotlists
    lock_list = hotlists._locked
    calls = []

    def deleted_before_the_switch(session: Session, list_id: uuid.UUID, name: str) -> Hotlist:
        calls.append(list_id)
        if len(calls) == 2:  # the import's switch: its rows are written, nothing is locked yet
            hotlists.remove(supervisor, list_id)
        return lock_list(session, list_id, name)

    monkeypatch.setattr(hotlists, "_locked", deleted_before_the_switch)
    with pytest.raises(NotFound, match="hotlist 'National' was deleted during the import; nothing was imported"):
        hotlists.import_entries(supervisor, hotlist_id, plates(WRITE_BATCH + 3))
    assert rows_by_generation(services, hotlist_id) == {}
    with services.db.session() as session:
        assert session.get(Hotlist, hotlist_id) is None


def test_every_change_raises_the_organisations_version(services: Services, population: Population) -> None:
    organisation = police_id(services)
    supervisor = person(services, "supervisor")
    hotlists = services.anpr.hotlists

    def version() -> int:
        with services.db.session() as session:
            return stored_versions(session).get(organisation, 0)

    seen = [version()]
    with services.db.session() as session:
        hotlist_id = hotlists.create(session, supervisor, "National").id
    seen.append(version())
    hotlists.import_entries(supervisor, hotlist_id, plates(3))
    seen.append(version())
    with services.db.session() as session:
        hotlist = hotlists.get(session, supervisor, hotlist_id)
        hotlists.add_entry(session, supervisor, hotlist, EntryIn("5NEW555", "wanted"))
    seen.append(version())
    with services.db.session() as session:
        hotlist = hotlists.get(session, supervisor, hotlist_id)
        row = hotlists.entries(session, supervisor, hotlist, "5NEW555")[0]
        hotlists.remove_entry(session, supervisor, hotlist, row.id)
    seen.append(version())
    hotlists.remove(supervisor, hotlist_id)
    seen.append(version())
    assert seen == [0, 1, 2, 3, 4, 5]


# -- watched files -----------------------------------------------------------------------------


def test_a_watched_file_is_reloaded_when_it_changes(services: Services, population: Population) -> None:
    folder = services.settings.data_dir / "hotlists"
    assert folder.is_dir() and folder.stat().st_mode & 0o777 == 0o700, "the default folder, Belfort's own"
    watched = folder / "stolen.csv"
    watched.write_text("1-ABC-234,stolen\n")
    hotlist_id = new_list(services, watch_path=str(watched))
    police = police_id(services)
    assert services.anpr.hotlists.reload_watched() == [f"National: 1 entry reloaded from {watched}"]
    assert services.anpr.hotlists.wait_built()
    assert [m.entry.category for m in services.anpr.hotlists.match(police, "1ABC234", utcnow())] == ["stolen"]
    assert services.anpr.hotlists.reload_watched() == [], "an unchanged file is not read again"
    watched.write_text("9-ZZZ-999,wanted\n")
    os.utime(watched, (1, 2_000_000_000))
    assert services.anpr.hotlists.reload_watched() == [f"National: 1 entry reloaded from {watched}"]
    assert services.anpr.hotlists.wait_built()
    assert services.anpr.hotlists.match(police, "1ABC234", utcnow()) == []
    watched.write_text("1-ABC-234,speeding\n")
    os.utime(watched, (1, 2_000_000_100))
    report = services.anpr.hotlists.reload_watched()
    assert report == [
        f"National: not reloaded: {watched}: nothing was imported: line 1: category 'speeding' "
        "is not one of stolen, wanted, uninsured, no valid inspection, other"
    ]
    assert services.anpr.hotlists.watch_problem(hotlist_id) == report[0]
    assert services.anpr.hotlists.reload_watched() == [], "a refused file is not read again until it changes"
    assert services.anpr.hotlists.wait_built()
    assert [m.entry.category for m in services.anpr.hotlists.match(police, "9ZZZ999", utcnow())] == ["wanted"]
    with services.db.session() as session:
        reloads = services.audit.query(session, AuditFilter(action="anpr.hotlists"))
    assert len(reloads) == 2 and all(str(watched) in r.actor_name for r in reloads)


def test_a_watched_file_deep_in_its_folder_is_reloaded(services: Services, population: Population) -> None:
    """A path longer than the columns that name who changed the list (PostgreSQL refused it)."""
    folder = services.settings.data_dir / "hotlists" / ("regional-exchange-" * 4) / ("daily-" * 20)
    folder.mkdir(parents=True)
    watched = folder / "stolen.csv"
    watched.write_text("1-ABC-234,stolen\n")
    assert len(f"hotlist file {watched}") > 200
    new_list(services, watch_path=str(watched))
    assert services.anpr.hotlists.reload_watched() == [f"National: 1 entry reloaded from {watched}"]
    with services.db.session() as session:
        (reload,) = services.audit.query(session, AuditFilter(action="anpr.hotlists"))
        (hotlist,) = session.scalars(select(Hotlist)).all()
    assert reload.actor_name == hotlist.updated_by
    assert reload.actor_name.startswith("hotlist file /") and reload.actor_name.endswith("/stolen.csv")


def test_the_hotlists_page_shows_reload_problems_and_the_hotlist_folders(
    client: TestClient, services: Services, population: Population, monkeypatch: pytest.MonkeyPatch
) -> None:
    (folder,) = services.anpr.hotlists.folders
    watched = folder / "stolen.csv"
    watched.write_text("1-ABC-234,speeding\n")
    new_list(services, watch_path=str(watched))
    local = new_list(services, "Local")
    [problem] = services.anpr.hotlists.reload_watched()
    csrf = sign_in(client, "supervisor")
    page = client.get("/anpr/hotlists").text
    assert page.count('data-testid="watch-problem"') == 1 and str(escape(problem)) in page
    assert f'placeholder="{folder}/stolen.csv"' in page and "/srv/hotlists" not in page
    monkeypatch.setattr(services.anpr.hotlists, "folders", (Path("/srv/lists"), Path("/mnt/lists")))
    assert 'placeholder="/srv/lists/stolen.csv, /mnt/lists/stolen.csv"' in client.get("/anpr/hotlists").text
    monkeypatch.setattr(services.anpr.hotlists, "folders", ())
    assert "no hotlist folder: see the setting anpr.hotlist_dirs" in client.get("/anpr/hotlists").text
    imported = client.post(
        f"/anpr/hotlists/{local}/import",
        data={"csrf_token": csrf},
        files={"file": ("list.csv", b"9-XYZ-999,wanted\n", "text/csv")},
    )
    assert imported.status_code == 200 and "1 entry imported into &#39;Local&#39;" in imported.text
    deleted = client.post(f"/anpr/hotlists/{local}/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 200 and "Hotlist &#39;Local&#39; deleted." in deleted.text
    assert 'data-hotlist="Local"' not in deleted.text and rows_by_generation(services, local) == {}
    supervisor = bearer(client, "supervisor")
    assert client.delete(f"/api/anpr/hotlists/{local}", headers=supervisor).status_code == 404, "deleted already"
    national = client.get("/api/anpr/hotlists", headers=supervisor).json()[0]["id"]
    assert client.delete(f"/api/anpr/hotlists/{national}", headers=supervisor).status_code == 204
    assert client.get("/api/anpr/hotlists", headers=supervisor).json() == []
