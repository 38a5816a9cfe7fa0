"""Hotlist matching: exact, wildcard and OCR-equivalent hits, expiry, order, invalid entries,
and agreement with a naive scan (fnmatch over every entry) on random lists and reads."""

from __future__ import annotations

import fnmatch
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belfort.anpr.matching import CATEGORIES, HotlistEntry, HotlistMatcher, Match
from belfort.anpr.plates import equivalence_key, normalise

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def entry(
    id: str, pattern: str, priority: int = 3, valid_until: datetime | None = None, category: str = "stolen"
) -> HotlistEntry:
    return HotlistEntry(id=id, pattern=pattern, category=category, priority=priority, valid_until=valid_until)


def hits(matcher: HotlistMatcher, plate: str, at: datetime = NOW) -> list[tuple[str, str]]:
    return [(found.entry.id, found.mode) for found in matcher.match(plate, at)]


# -- modes -----------------------------------------------------------------------------------


def test_exact_hit() -> None:
    matcher = HotlistMatcher([entry("a", "1-ABC-234"), entry("b", "1-ABC-235")])
    assert hits(matcher, "1ABC234") == [("a", "exact")]
    assert hits(matcher, "1 abc 234") == [("a", "exact")]
    assert hits(matcher, "1ABC236") == []


def test_match_carries_the_entry_and_the_normalised_read() -> None:
    stolen = entry("a", "1-ABC-234")
    [found] = HotlistMatcher([stolen]).match("1-abc-234", NOW)
    assert found == Match(stolen, "exact", "1ABC234")
    assert not found.ocr_equivalent


def test_wildcard_hit() -> None:
    matcher = HotlistMatcher([entry("a", "1-AB*"), entry("b", "*234"), entry("c", "1?BC234")])
    assert hits(matcher, "1ABC234") == [("a", "wildcard"), ("b", "wildcard"), ("c", "wildcard")]
    assert hits(matcher, "2XBC234") == [("b", "wildcard")]
    assert hits(matcher, "1ABC999") == [("a", "wildcard")]


def test_equivalent_hit_is_flagged() -> None:
    matcher = HotlistMatcher([entry("a", "1-ABC-234")])
    [found] = matcher.match("I-A8C-Z34", NOW)
    assert (found.entry.id, found.mode, found.ocr_equivalent) == ("a", "equivalent", True)
    assert found.plate == "IA8CZ34"


def test_wildcard_equivalent_hit() -> None:
    matcher = HotlistMatcher([entry("a", "1-AB*"), entry("b", "*S00")])
    assert hits(matcher, "IAB777") == [("a", "equivalent")]
    assert hits(matcher, "1A8") == [("a", "equivalent")]
    assert hits(matcher, "XY5OD") == [("b", "equivalent")]
    assert hits(matcher, "XYS00") == [("b", "wildcard")]


def test_exact_hit_is_not_also_reported_as_equivalent() -> None:
    matcher = HotlistMatcher([entry("a", "1ABC234"), entry("b", "1AB*"), entry("c", "IABC234")])
    assert hits(matcher, "1ABC234") == [("a", "exact"), ("b", "wildcard"), ("c", "equivalent")]


def test_several_entries_for_one_plate() -> None:
    matcher = HotlistMatcher([entry("a", "1ABC234", priority=2), entry("b", "1-abc-234", priority=1)])
    assert hits(matcher, "1ABC234") == [("b", "exact"), ("a", "exact")]
    assert hits(matcher, "1A8C234") == [("b", "equivalent"), ("a", "equivalent")]
    assert len(matcher) == 2


def test_unknown_and_empty_reads() -> None:
    matcher = HotlistMatcher([entry("a", "1ABC234"), entry("b", "*1*")])
    assert hits(matcher, "") == []
    assert hits(matcher, "--") == []
    assert hits(matcher, "XYZ") == []


def test_empty_matcher() -> None:
    matcher = HotlistMatcher([])
    assert len(matcher) == 0
    assert hits(matcher, "1ABC234") == []


# -- order -----------------------------------------------------------------------------------


def test_exact_before_wildcard_before_equivalent_then_priority_then_id() -> None:
    matcher = HotlistMatcher(
        [
            entry("w5", "1ABC*", priority=5),
            entry("w1", "*234", priority=1),
            entry("e4", "1ABC234", priority=4),
            entry("q1", "IABC234", priority=1),
            entry("q2b", "1ABC23?", priority=2),
            entry("q2a", "1A8C*", priority=2),
            entry("e2", "1ABC234", priority=2),
        ]
    )
    assert hits(matcher, "1ABC234") == [
        ("e2", "exact"),
        ("e4", "exact"),
        ("w1", "wildcard"),
        ("q2b", "wildcard"),
        ("w5", "wildcard"),
        ("q1", "equivalent"),
        ("q2a", "equivalent"),
    ]


# -- expiry ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valid_until", "hit"),
    [
        (None, True),
        (NOW + timedelta(seconds=1), True),
        (NOW, True),
        (NOW - timedelta(microseconds=1), False),
        (NOW - timedelta(days=30), False),
    ],
)
def test_expiry(valid_until: datetime | None, hit: bool) -> None:
    matcher = HotlistMatcher(
        [entry("a", "1ABC234", valid_until=valid_until), entry("b", "1AB*", valid_until=valid_until)]
    )
    expected = [("a", "exact"), ("b", "wildcard")] if hit else []
    assert hits(matcher, "1ABC234") == expected
    assert hits(matcher, "1A8C234") == ([("a", "equivalent"), ("b", "equivalent")] if hit else [])


def test_expiry_in_another_zone_is_the_same_instant() -> None:
    brussels = datetime(2026, 11, 21, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    matcher = HotlistMatcher([entry("a", "1ABC234", valid_until=NOW)])
    assert hits(matcher, "1ABC234", brussels) == [("a", "exact")]
    assert hits(matcher, "1ABC234", NOW + timedelta(seconds=1)) == []


def test_expired_exact_entry_does_not_come_back_as_equivalent() -> None:
    matcher = HotlistMatcher([entry("old", "1ABC234", valid_until=NOW - timedelta(days=1)), entry("new", "1A8C234")])
    assert hits(matcher, "1ABC234") == [("new", "equivalent")]


def test_naive_read_time_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        HotlistMatcher([entry("a", "1ABC234")]).match("1ABC234", datetime(2026, 11, 21, 10, 0))


# -- wildcard edge cases ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "matching", "not_matching"),
    [
        ("1ABC234*", ["1ABC234", "1ABC2345", "1ABC234XYZ"], ["1ABC23"]),  # * may be empty
        ("*1ABC234", ["1ABC234", "X1ABC234"], ["1ABC2345"]),
        ("1ABC*234", ["1ABC234", "1ABCX234", "1ABCXYZ234"], ["1ABC23"]),
        ("?ABC234", ["1ABC234", "XABC234"], ["ABC234", "12ABC234"]),  # ? is exactly one
        ("1ABC23?", ["1ABC234"], ["1ABC23", "1ABC2345"]),
        ("1?BC?34", ["1ABC234", "1XBCY34"], ["1BC34", "1ABC2345"]),
        ("*X*", ["X", "AXB", "XXXX"], ["ABC", ""]),  # leading and trailing *
        ("*1*2*3*", ["123", "A1B2C3D", "111222333"], ["321", "12"]),  # several *
        ("1*2?*", ["12X", "1X2YZ", "12XYZ"], ["12", "1X2"]),
        ("??*??7", ["ABCD7", "ABCDEFG7"], ["ABC7"]),
    ],
)
def test_wildcard_shapes(pattern: str, matching: list[str], not_matching: list[str]) -> None:
    matcher = HotlistMatcher([entry("p", pattern)])
    for plate in matching:
        assert hits(matcher, plate) == [("p", "wildcard")], plate
    for plate in not_matching:
        assert hits(matcher, plate) == [], plate


def test_overlapping_wildcards_report_each_entry_once() -> None:
    matcher = HotlistMatcher([entry("a", "*1*"), entry("b", "*1*1*")])
    assert hits(matcher, "111111") == [("a", "wildcard"), ("b", "wildcard")]


# -- building --------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["", "***", "??", "- -"])
def test_invalid_pattern_names_the_entry(pattern: str) -> None:
    with pytest.raises(ValueError, match=r"hotlist entry 'row-17' \(list 'stolen-cars'\)"):
        HotlistMatcher(
            [
                entry("fine", "1ABC234"),
                HotlistEntry("row-17", pattern, "stolen", 1, None, list_id="stolen-cars"),
            ]
        )


def test_entry_fields_are_checked() -> None:
    with pytest.raises(ValueError, match="category 'stole'"):
        entry("a", "1ABC234", category="stole")
    with pytest.raises(ValueError, match="priority 0"):
        entry("a", "1ABC234", priority=0)
    with pytest.raises(ValueError, match="priority 6"):
        entry("a", "1ABC234", priority=6)
    with pytest.raises(ValueError, match="time zone"):
        entry("a", "1ABC234", valid_until=datetime(2026, 12, 1))
    assert {entry("a", "1ABC234", category=category).category for category in CATEGORIES} == set(CATEGORIES)


def test_matcher_does_not_follow_its_source() -> None:
    source = [entry("a", "1ABC234")]
    matcher = HotlistMatcher(source)
    source.append(entry("b", "2XYZ987"))
    assert len(matcher) == 1
    assert hits(matcher, "2XYZ987") == []


def test_built_from_a_generator() -> None:
    matcher = HotlistMatcher(entry(str(n), f"1ABC{n:03d}") for n in range(1000))
    assert len(matcher) == 1000
    assert hits(matcher, "1ABC042") == [("42", "exact")]


# -- against a naive scan --------------------------------------------------------------------


def naive(entries: list[HotlistEntry], plate: str, at: datetime) -> list[tuple[str, str]]:
    """fnmatch of every entry on the normalised strings, then on their equivalence keys."""
    read = normalise(plate)
    if not read:
        return []
    found = []
    for each in entries:
        if each.valid_until is not None and each.valid_until < at:
            continue
        pattern = re.sub(r"[^A-Z0-9*?]", "", each.pattern.upper())
        if fnmatch.fnmatchcase(read, pattern):
            found.append((0 if pattern.isalnum() else 1, each.priority, each.id))
        elif fnmatch.fnmatchcase(equivalence_key(read), equivalence_key(pattern)):
            found.append((2, each.priority, each.id))
    return [(id, ("exact", "wildcard", "equivalent")[mode]) for mode, _, id in sorted(found)]


PIECES = "AB18OSZ2-"
random_patterns = st.text(alphabet=PIECES + "*?", min_size=1, max_size=7).filter(
    lambda text: any(c.isalnum() for c in text)
)
expiries = st.sampled_from([None, NOW - timedelta(seconds=1), NOW, NOW + timedelta(seconds=1)])


@st.composite
def hotlists(draw: st.DrawFn) -> list[HotlistEntry]:
    count = draw(st.integers(min_value=0, max_value=25))
    return [
        entry(
            f"e{n:02d}",
            draw(random_patterns),
            draw(st.integers(1, 5)),
            draw(expiries),
            draw(st.sampled_from(CATEGORIES)),
        )
        for n in range(count)
    ]


@given(hotlists(), st.lists(st.text(alphabet=PIECES, max_size=8), min_size=1, max_size=10))
def test_agrees_with_a_naive_scan(entries: list[HotlistEntry], reads: list[str]) -> None:
    matcher = HotlistMatcher(entries)
    assert len(matcher) == len(entries)
    for plate in reads:
        assert hits(matcher, plate) == naive(entries, plate, NOW), plate


@given(hotlists())
def test_every_entry_finds_a_plate_it_describes(entries: list[HotlistEntry]) -> None:
    matcher = HotlistMatcher(entries)
    for each in entries:
        plate = re.sub(r"[^A-Z0-9]", "", each.pattern.replace("?", "X"))
        if each.valid_until is None or each.valid_until >= NOW:
            mode = "wildcard" if "*" in each.pattern or "?" in each.pattern else "exact"
            assert (each.id, mode) in hits(matcher, plate)
