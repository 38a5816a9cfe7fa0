"""The index each kind of plate pattern seeks, in SQLite's own query plan.

A year of reads is far too many to scan for a search, so a pattern with a literal start
or end is answered from the plate or reversed-plate index of the reads, and any other
pattern is first resolved among the distinct plates, by their index where it can be.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from belfort.anpr.models import PlateRead, SeenPlate
from belfort.anpr.plates import PlatePattern
from belfort.anpr.search import PlateSearch
from belfort.app import Services


def sql_and_plan(session: Session, pattern: str) -> tuple[str, str]:
    """The condition a pattern becomes, as SQL, and SQLite's plan for the reads it selects."""
    condition = PlateSearch(gate=None, cameras=None)._pattern_condition(session, PlatePattern.parse(pattern))  # type: ignore[arg-type]
    statement = (
        select(PlateRead.id)
        .where(condition)
        .compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    )
    plan = " ".join(str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {statement}")))
    return str(statement), plan


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("pattern", "column", "index"),
    [
        ("1-AB*", "plate", "ix_anpr_read_plate_ts"),
        ("1-A?C*", "plate", "ix_anpr_read_plate_ts"),
        ("*234", "plate_reversed", "ix_anpr_read_reversed"),
        ("*2?4", "plate_reversed", "ix_anpr_read_reversed"),
    ],
)
def test_a_literal_near_one_end_seeks_a_plate_index(services: Services, pattern: str, column: str, index: str) -> None:
    with services.db.session() as session:
        sql, plan = sql_and_plan(session, pattern)
    assert f"anpr_read.{column} LIKE" in sql, sql
    assert index in plan and "SCAN anpr_read" not in plan, plan


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("pattern", "ranges_of"),
    [("*BC2*", ""), ("?AB?23?", "plate"), ("?AB*", "plate"), ("*23?", "plate_reversed"), ("*2?4?", "plate_reversed")],
)
def test_other_patterns_go_through_the_distinct_plates(services: Services, pattern: str, ranges_of: str) -> None:
    """And those whose literal follows one `?` at either end by 36 ranges of the distinct
    plates' plate or reversed-plate index."""
    lookups: list[str] = []
    with services.db.session() as session:
        session.add_all(
            SeenPlate(plate=plate, plate_reversed=plate[::-1], last_seen=services.clock())
            for plate in ("1ABC234", "2ABD235")
        )
        session.flush()

        def record(*args: object) -> None:
            lookups.append(str(args[2]))

        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", record)
        try:
            sql, _ = sql_and_plan(session, pattern)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    lookup = next(statement for statement in lookups if "FROM anpr_plate" in statement)
    assert "LIKE" not in sql and ("anpr_read.plate IN (" in sql or "anpr_read.plate = ''" in sql), sql
    if ranges_of:
        assert f"anpr_plate.{ranges_of} >= " in lookup, lookup
    else:
        assert ">=" not in lookup, lookup


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_finds_a_pattern_open_at_both_ends_by_trigrams(services: Services) -> None:
    """At ten million distinct plates a scan for `*BC2*` takes half a second; the trigram
    index of migration 0006 answers it. The planner would scan a table this small, so it
    is told not to, to show the index serves the pattern."""
    with services.db.session() as session:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(
            row[0] for row in session.execute(text("EXPLAIN SELECT plate FROM anpr_plate WHERE plate LIKE '%BC2%'"))
        )
    assert "ix_anpr_plate_trigrams" in plan, plan
