"""The audit chain on both databases: appends link up, concurrent writers serialise,
and any edit, deletion or reordering makes `belfort audit verify` fail and name it."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from belfort.app import Services
from belfort.audit import AuditEntry, ResourceRef, verify_chain
from belfort.audit.models import AuditRecord
from belfort.cli import main
from belfort.settings import Settings


def entry(n: int) -> AuditEntry:
    return AuditEntry(
        op="consult",
        action="recording.view",
        outcome="granted",
        actor_name=f"user{n}",
        role="inspector",
        purpose="judicial",
        justification=f"case {n}",
        legal_basis_ref=f"KO.{n}",
        resources=(ResourceRef("camera", f"cam-{n}", "Grote Markt"),),
    )


def fill(services: Services, count: int) -> list[AuditRecord]:
    with services.db.session() as session:
        return [services.audit.append(session, entry(n)) for n in range(count)]


def verify_cli(settings: Settings) -> tuple[int, str]:
    env = {"BELFORT_DATABASE__URL": settings.database_url, "BELFORT_CONFIG": ""}
    result = CliRunner().invoke(main, ["audit", "verify", "--data", str(settings.data_dir)], env=env)
    return result.exit_code, result.output


def tamper(services: Services, *statements: str) -> None:
    """What an intruder with database rights would do: drop the guard, then edit."""
    with services.db.engine.begin() as connection:
        if services.db.dialect == "sqlite":
            connection.execute(text("DROP TRIGGER audit_record_no_update"))
            connection.execute(text("DROP TRIGGER audit_record_no_delete"))
        else:
            connection.execute(text("DROP TRIGGER audit_record_append_only ON audit_record"))
        for statement in statements:
            connection.execute(text(statement))


def test_intact_chain_verifies_with_its_count(services: Services, settings: Settings) -> None:
    records = fill(services, 5)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(records))
    code, output = verify_cli(settings)
    assert code == 0, output
    assert "5 records" in output


def test_database_refuses_updates_and_deletes(services: Services) -> None:
    fill(services, 2)
    for statement in ("UPDATE audit_record SET outcome = 'refused'", "DELETE FROM audit_record"):
        with pytest.raises(DBAPIError, match="append-only"), services.db.engine.begin() as connection:
            connection.execute(text(statement))
    with services.db.session() as session:
        assert verify_chain(session).ok


def test_record_rolls_back_with_its_action(services: Services) -> None:
    fill(services, 1)
    with pytest.raises(RuntimeError), services.db.session() as session:
        services.audit.append(session, entry(99))
        raise RuntimeError("the action failed")
    with services.db.session() as session:
        result = verify_chain(session)
    assert result.ok and result.count == 1


EDITS: dict[str, Callable[[AuditRecord], str]] = {
    "justification": lambda r: f"UPDATE audit_record SET justification = 'nothing to see' WHERE seq = {r.seq}",
    "outcome": lambda r: f"UPDATE audit_record SET outcome = 'refused' WHERE seq = {r.seq}",
    "actor": lambda r: f"UPDATE audit_record SET actor_name = 'someone else' WHERE seq = {r.seq}",
    "resources": lambda r: f"UPDATE audit_record SET resources = '[]' WHERE seq = {r.seq}",
}


@pytest.mark.parametrize("field", list(EDITS))
def test_edited_record_is_named(services: Services, settings: Settings, field: str) -> None:
    records = fill(services, 6)
    victim = records[2]
    tamper(services, EDITS[field](victim))
    code, output = verify_cli(settings)
    assert code != 0
    assert str(victim.id) in output and "altered" in output


def test_edit_that_recomputes_the_hash_breaks_the_next_link(services: Services, settings: Settings) -> None:
    records = fill(services, 4)
    victim, follower = records[1], records[2]
    tamper(services, f"UPDATE audit_record SET outcome = 'refused', hash = '{'f' * 64}' WHERE seq = {victim.seq}")
    code, output = verify_cli(settings)
    assert code != 0
    assert str(victim.id) in output or str(follower.id) in output


def test_deleted_record_is_named(services: Services, settings: Settings) -> None:
    records = fill(services, 6)
    tamper(services, f"DELETE FROM audit_record WHERE seq = {records[3].seq}")
    code, output = verify_cli(settings)
    assert code != 0
    assert "#4 was deleted" in output and str(records[4].id) in output


def test_deleted_last_record_is_detected(services: Services, settings: Settings) -> None:
    records = fill(services, 3)
    tamper(services, f"DELETE FROM audit_record WHERE seq = {records[-1].seq}")
    code, output = verify_cli(settings)
    assert code != 0 and "#3" in output and "deleted" in output


def test_reordered_records_are_named(services: Services, settings: Settings) -> None:
    records = fill(services, 6)
    a, b = records[1], records[2]
    tamper(
        services,
        f"UPDATE audit_record SET seq = -1 WHERE seq = {a.seq}",
        f"UPDATE audit_record SET seq = {a.seq} WHERE seq = {b.seq}",
        f"UPDATE audit_record SET seq = {b.seq} WHERE seq = -1",
    )
    code, output = verify_cli(settings)
    assert code != 0
    assert str(b.id) in output and "reordered" in output


def test_concurrent_writers_keep_one_unbroken_chain(services: Services) -> None:
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for n in range(15):
                with services.db.session() as session:
                    services.audit.append(session, entry(offset + n))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i * 100,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with services.db.session() as session:
        result = verify_chain(session)
        seqs = list(session.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)))
    assert result.ok, result.problem
    assert seqs == list(range(1, 61))
