"""A large hotlist import or deletion never stalls the platform on SQLite: while 300,000 lines
are imported, or a list of a million entries is deleted, through the API, sign-ins and batches
of plate reads keep succeeding, and every read sent is stored. Scaled down from the field (a
million lines held the write lock for over a minute, far longer than a request waits for
it): here a request waits at most one second for the lock, so an import or a deletion that
held it for seconds (deleting a million entries in one transaction holds it for about two)
would make those requests fail."""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text

from belfort.anpr.models import Hit, Hotlist, HotlistRow, PlateRead
from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.timeutil import iso_utc
from tests.anpr.test_hotlists import police_id
from tests.conftest import POLICE, SYSTEM, Population, bearer

LINES = 300_000
DELETED_ENTRIES = 1_000_000


@pytest.fixture
def impatient(services: Services) -> Services:
    """The database waits one second for its write lock instead of thirty."""

    def wait_one_second(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA busy_timeout=1000")

    services.db.engine.dispose()
    event.listen(services.db.engine, "connect", wait_one_second)
    return services


class Prober:
    """Signs in and sends a batch of 20 plate reads, as people and edge cameras do meanwhile."""

    def __init__(self, client: TestClient, services: Services, token: dict[str, str]) -> None:
        self.client, self.services, self.token = client, services, token
        self.sign_ins: list[int] = []
        self.batches: list[int] = []
        self.sent = 0

    def sign_in_and_send_reads(self, plate: str = "1XYZ{n:03d}") -> None:
        signed = self.client.post("/api/auth/login", json={"username": "operator", "password": "correct-horse-battery"})
        self.sign_ins.append(signed.status_code)
        reads = [
            {"id": f"r{self.sent + i}", "plate": plate.format(n=self.sent + i), "time": iso_utc(self.services.clock())}
            for i in range(20)
        ]
        answer = self.client.post("/api/anpr/reads", json={"reads": reads}, headers=self.token)
        self.batches.append(answer.status_code)
        if answer.status_code == 200:
            self.sent += len(reads)

    def check(self, during: str) -> None:
        assert set(self.sign_ins) == {200}, f"sign-ins during {during} answered {self.sign_ins}"
        assert set(self.batches) == {200}, f"batches of reads during {during} answered {self.batches}"
        with self.services.db.session() as session:
            assert session.scalar(select(func.count()).select_from(PlateRead)) == self.sent == 20 * len(self.batches)


FILL = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count)
INSERT INTO anpr_hotlist_entry (id, hotlist_id, pattern, category, priority, note, generation)
SELECT printf('%016x%016x', :high, i), :hotlist, printf('%dDEL%07d', i % 9, i), 'stolen', 2, 'bulk', :generation FROM n
"""
"""`:count` rows into a generation of a list, ids increasing as an import writes them (SQLite
keeps a UUID as its 32 hex digits)."""


def fill(services: Services, hotlist_id: uuid.UUID, count: int) -> None:
    """`count` more entries in the list's generation in force, written by SQLite itself in one
    transaction before anything else runs: the setting of the test, not what it tests. The
    organisation's hotlist version is left alone, so the matcher is not built again with them."""
    with services.db.session() as session:
        hotlist = session.get(Hotlist, hotlist_id)
        assert hotlist is not None
        values = {
            "count": count,
            "high": secrets.randbits(63),
            "hotlist": hotlist_id.hex,
            "generation": hotlist.generation,
        }
        session.execute(text(FILL), values)
        hotlist.entries += count


def hits_stored(services: Services) -> int:
    with services.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Hit)) or 0)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sign_ins_and_reads_go_on_during_a_large_import(
    impatient: Services, population: Population, client: TestClient
) -> None:
    services = impatient
    with services.db.session() as session:
        _, secret = services.accounts.create_token(
            session, SYSTEM, name="anpr-e40", organisation=POLICE, scopes=["anpr:ingest"]
        )
    token = {"Authorization": f"Bearer {secret}"}
    supervisor = bearer(client, "supervisor")
    hotlist_id = client.post("/api/anpr/hotlists", json={"name": "National"}, headers=supervisor).json()["id"]
    csv = "\n".join(f"{n % 9}-ABC-{n:06d};stolen;2;;bulk" for n in range(LINES)).encode()
    imported: list[Any] = []

    def import_all() -> None:
        imported.append(
            client.put(
                f"/api/anpr/hotlists/{hotlist_id}/entries",
                content=csv,
                headers={**supervisor, "Content-Type": "text/csv"},
            )
        )

    importer = threading.Thread(target=import_all)
    importer.start()
    prober = Prober(client, services, token)
    while importer.is_alive():
        prober.sign_in_and_send_reads()
        time.sleep(0.05)
    importer.join()
    assert imported[0].status_code == 200 and imported[0].json()["imported"] == LINES, imported[0].text
    assert len(prober.sign_ins) >= 3, "the import ended before the test could sign in during it: import more lines"
    prober.check("the import")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sign_ins_and_reads_go_on_while_a_large_list_is_deleted(
    impatient: Services, population: Population, client: TestClient
) -> None:
    """The list leaves the list of lists, its plates stop hitting and its name is free at once;
    its million entries go in short steps, and nothing of it is left when the request answers."""
    services = impatient
    with services.db.session() as session:
        _, secret = services.accounts.create_token(
            session, SYSTEM, name="anpr-e40", organisation=POLICE, scopes=["anpr:ingest"]
        )
    supervisor = bearer(client, "supervisor")
    hotlist_id = client.post("/api/anpr/hotlists", json={"name": "National"}, headers=supervisor).json()["id"]
    imported = client.put(
        f"/api/anpr/hotlists/{hotlist_id}/entries",
        content=b"1-KEEP-*;stolen\n",
        headers={**supervisor, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert services.anpr.hotlists.wait_built()
    fill(services, uuid.UUID(hotlist_id), DELETED_ENTRIES)
    prober = Prober(client, services, {"Authorization": f"Bearer {secret}"})
    prober.sign_in_and_send_reads("1KEEP{n:03d}")
    hits_before = hits_stored(services)
    assert hits_before == 20, "the list's plates hit before it is deleted"
    deleted: list[Any] = []
    deleter = threading.Thread(
        target=lambda: deleted.append(client.delete(f"/api/anpr/hotlists/{hotlist_id}", headers=supervisor))
    )
    deleter.start()
    listed: list[Any] = []
    renamed: list[Any] = []
    while deleter.is_alive():
        out_of_use = [] in listed
        prober.sign_in_and_send_reads("1KEEP{n:03d}" if out_of_use else "1XYZ{n:03d}")
        shown = client.get("/api/anpr/hotlists", headers=supervisor)
        listed.append([hotlist["id"] for hotlist in shown.json()] if shown.status_code == 200 else shown.status_code)
        if listed[-1] == [] and not renamed and deleter.is_alive():
            renamed.append(client.post("/api/anpr/hotlists", json={"name": "National"}, headers=supervisor))
        time.sleep(0.05)
    deleter.join()
    assert deleted[0].status_code == 204, deleted[0].text
    assert [] in listed and len(prober.sign_ins) >= 3, (
        "the deletion ended before the test could see it under way: delete more entries"
    )
    prober.check("the deletion")
    assert renamed and renamed[0].status_code == 201, "a new list takes the name while the old one's rows go"
    vanished = listed.index([])
    assert all(ids == [hotlist_id] for ids in listed[:vanished]), listed
    assert all(ids in ([], [renamed[0].json()["id"]]) for ids in listed[vanished:]), "never listed again"
    assert hits_stored(services) == hits_before, "no read hits the list once it is out of use"
    with services.db.session() as session:
        assert session.get(Hotlist, uuid.UUID(hotlist_id)) is None
        assert session.scalar(select(func.count()).where(HotlistRow.hotlist_id == uuid.UUID(hotlist_id))) == 0
        records = services.audit.query(session, AuditFilter(action="anpr.hotlists", limit=10_000))
    deletions = [r for r in records if json.loads(r.detail)["change"] == "delete"]
    assert [(r.outcome, json.loads(r.detail)["entries"]) for r in deletions] == [("granted", DELETED_ENTRIES + 1)]
    assert services.anpr.hotlists.wait_built()
    assert services.anpr.hotlists.match(police_id(services), "1KEEP000", services.clock()) == []
