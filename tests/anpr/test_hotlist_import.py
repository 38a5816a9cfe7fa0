"""A large hotlist import never stalls the platform on SQLite: while 300,000 lines are imported
through the API, sign-ins and batches of plate reads keep succeeding, and every read sent is
stored. Scaled down from the field (a million lines held the write lock for over a minute,
far longer than a request waits for it): here a request waits at most one second for the
lock, so an import that held it for seconds would make those requests fail."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from belfort.anpr.models import PlateRead
from belfort.app import Services
from belfort.timeutil import iso_utc
from tests.conftest import POLICE, SYSTEM, Population, bearer

LINES = 300_000


@pytest.fixture
def impatient(services: Services) -> Services:
    """The database waits one second for its write lock instead of thirty."""

    def wait_one_second(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA busy_timeout=1000")

    services.db.engine.dispose()
    event.listen(services.db.engine, "connect", wait_one_second)
    return services


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
    sign_ins, batches, sent = [], [], 0
    while importer.is_alive():
        signed = client.post("/api/auth/login", json={"username": "operator", "password": "correct-horse-battery"})
        sign_ins.append(signed.status_code)
        reads = [
            {"id": f"r{sent + i}", "plate": f"1XYZ{sent + i:03d}", "time": iso_utc(services.clock())} for i in range(20)
        ]
        answer = client.post("/api/anpr/reads", json={"reads": reads}, headers=token)
        batches.append(answer.status_code)
        if answer.status_code == 200:
            sent += len(reads)
        time.sleep(0.05)
    importer.join()
    assert imported[0].status_code == 200 and imported[0].json()["imported"] == LINES, imported[0].text
    assert len(sign_ins) >= 3, "the import ended before the test could sign in during it: import more lines"
    assert set(sign_ins) == {200}, f"sign-ins during the import answered {sign_ins}"
    assert set(batches) == {200}, f"batches of reads during the import answered {batches}"
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(PlateRead)) == sent == 20 * len(batches)
