"""Cost of the audit chain: appending hash-linked records vs plain inserts of the same rows.

Both sides write one record per transaction (as a request does) into SQLite (WAL) in a
fresh data folder, measured in the same run. The baseline inserts the identical row with
no head-row update and no hashing. Prints records/s for both and the ratio.
Run: `.venv/bin/python bench/audit.py [N]` (default N = 2000). Pass a PostgreSQL URL as
BELFORT_DATABASE__URL to measure there instead.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert

from belfort.app import build_services
from belfort.audit import AuditEntry, ResourceRef, verify_chain
from belfort.audit.chain import encode_resources
from belfort.audit.models import AuditRecord
from belfort.settings import load_settings
from belfort.timeutil import utcnow


def entry(n: int) -> AuditEntry:
    return AuditEntry(
        op="consult",
        action="recording.view",
        outcome="granted",
        actor_id=str(uuid.uuid4()),
        actor_name=f"user{n}",
        role="inspector",
        organisation_name="Politiezone Demo",
        purpose="judicial",
        justification=f"case {n}",
        legal_basis_ref=f"KO.{n}",
        resources=(ResourceRef("camera", str(uuid.uuid4()), "Grote Markt"),),
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(data_dir=Path(folder), environ=dict(os.environ))
        services = build_services(settings)
        entries = [entry(n) for n in range(count)]

        start = time.perf_counter()
        for item in entries:
            with services.db.session() as session:
                services.audit.append(session, item)
        chained = time.perf_counter() - start

        with services.db.session() as session:
            start = time.perf_counter()
            result = verify_chain(session)
            verify_seconds = time.perf_counter() - start

        start = time.perf_counter()
        for n, item in enumerate(entries):
            with services.db.session() as session:
                session.execute(
                    insert(AuditRecord).values(
                        id=uuid.uuid4(),
                        seq=10_000_000 + n,
                        ts_utc=utcnow(),
                        op=item.op,
                        action=item.action,
                        outcome=item.outcome,
                        actor_id=item.actor_id,
                        actor_name=item.actor_name,
                        role=item.role,
                        organisation_id="",
                        organisation_name=item.organisation_name,
                        purpose=item.purpose,
                        justification=item.justification,
                        legal_basis_ref=item.legal_basis_ref,
                        resources=encode_resources(item.resources),
                        recipient="",
                        reason="",
                        detail="",
                        prev_hash="0" * 64,
                        hash="0" * 64,
                    )
                )
        plain = time.perf_counter() - start
        services.close()

    print(f"database: {services.db.dialect}, records: {count}")
    print(f"chained append: {count / chained:8.0f} records/s ({chained / count * 1000:.3f} ms each)")
    print(f"plain insert:   {count / plain:8.0f} records/s ({plain / count * 1000:.3f} ms each)  [baseline]")
    print(f"ratio chained/plain time per record: {chained / plain:.2f}x")
    print(f"verify: {result.count} records in {verify_seconds:.3f} s ({result.count / verify_seconds:.0f} records/s)")


if __name__ == "__main__":
    main()
