"""Plate text rules: normal form, OCR-equivalence keys, the national formats with real
examples and near misses, written forms, edit variants and search patterns."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belfort.anpr.plates import (
    ALPHABET,
    Interpretation,
    PlatePattern,
    display,
    equivalence_key,
    guess_country,
    interpretations,
    normalise,
    one_edit_variants,
)

plates = st.text(alphabet=ALPHABET, max_size=10)
confusable = st.text(alphabet="0ODQ1ILT2Z5S6G8B", min_size=1, max_size=8)
shaped = st.sampled_from(
    ["DLLLDDD", "LLLDDD", "DDDLLL", "LLDDDLL", "LLDDDD", "DDLLLD", "DLLLDD", "LLDDDL", "LLLDDL", "DDDLLDD", "LLLLDDDL"]
).flatmap(lambda shape: st.tuples(*(st.sampled_from(ALPHABET[:26] if c == "L" else "0123456789") for c in shape)))
realistic = st.one_of(plates, shaped.map("".join))
patterns = st.text(alphabet="ABC123*?", min_size=1, max_size=8).filter(lambda text: any(c not in "*?" for c in text))


def kinds(text: str, countries: list[str] | None = None) -> set[tuple[str, str, str]]:
    return {(each.country, each.kind, each.display) for each in interpretations(text, countries)}


def best(text: str) -> Interpretation:
    return interpretations(text)[0]


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


# -- normalise and equivalence ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1-abc-234", "1ABC234"),
        (" 1 ABC 234 ", "1ABC234"),
        ("ab.123.cd", "AB123CD"),
        ("AB·123·CD", "AB123CD"),
        ("B/AB_1234", "BAB1234"),
        ("TÖL-AB 12", "TOLAB12"),
        ("çé-12", "CE12"),
        ("\uff11\uff12\uff21\uff22", "12AB"),  # full-width
        ("AB\u201312\u201434", "AB1234"),  # en and em dashes
        ("#!?", ""),
        ("", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@given(st.text())
def test_normalise_is_idempotent_and_stays_in_the_alphabet(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert set(once) <= set(ALPHABET)


def test_equivalence_classes() -> None:
    assert equivalence_key("0ODQ") == "0000"
    assert equivalence_key("1ILT") == "1111"
    assert equivalence_key("2Z5S6G8B") == "22556688"
    assert equivalence_key("ACEFHJKMNPRUVWXY3479") == "ACEFHJKMNPRUVWXY3479"
    assert equivalence_key("1AB*?") == "1A8*?"
    assert equivalence_key("1-ABC-234") == equivalence_key("I-A8C-Z34")


@given(plates)
def test_equivalence_key_is_idempotent(plate: str) -> None:
    key = equivalence_key(plate)
    assert equivalence_key(key) == key
    assert len(key) == len(plate)


@given(confusable, st.data())
def test_ocr_confusions_have_equal_keys(plate: str, data: st.DataObject) -> None:
    groups = ["0ODQ", "1ILT", "2Z", "5S", "6G", "8B"]
    swapped = "".join(data.draw(st.sampled_from(next(g for g in groups if c in g))) for c in plate)
    assert equivalence_key(swapped) == equivalence_key(plate)


def test_different_characters_have_different_keys() -> None:
    assert equivalence_key("1ABC234") != equivalence_key("1ABC235")
    assert equivalence_key("A") != equivalence_key("4")


# -- national formats ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "written"),
    [
        ("1-ABC-234", "current", "1-ABC-234"),
        ("2AAA001", "current", "2-AAA-001"),
        ("8-ABC-123", "temporary", "8-ABC-123"),
        ("M-ABC-123", "motorcycle", "M-ABC-123"),
        ("M-123-ABC", "motorcycle", "M-123-ABC"),
        ("O-MAB-123", "oldtimer", "O-MAB-123"),
        ("Q-AAA-001", "trailer", "Q-AAA-001"),
        ("G-ABC-123", "tractor", "G-ABC-123"),
        ("T-XAB-123", "taxi", "T-XAB-123"),
        ("U-ABC-123", "temporary", "U-ABC-123"),
        ("Z-ABC-123", "trade", "Z-ABC-123"),
        ("Y-ABC-123", "trade", "Y-ABC-123"),
        ("ABC-123", "old", "ABC-123"),
        ("123-ABC", "old", "123-ABC"),
        ("MAB-123", "motorcycle", "MAB-123"),
        ("ZAB-123", "trade", "ZAB-123"),
        ("TXA-001", "taxi", "TXA-001"),
        ("KP.123", "old", "KP-123"),
        ("MA.123", "motorcycle", "MA-123"),
        ("C.001.A", "old", "C-001-A"),
        ("K.1234", "old", "K-1234"),
        ("M1234", "old", "M-1234"),
        ("CD-AB-123", "diplomatic", "CD-AB-123"),
        ("CC-AB-123", "diplomatic", "CC-AB-123"),
        ("P-114", "official", "P-114"),
    ],
)
def test_belgian_plates(text: str, kind: str, written: str) -> None:
    assert ("BE", kind, written) in kinds(text)


def test_a_current_belgian_plate_is_read_as_belgian_first() -> None:
    assert best("1ABC234").country == "BE"
    assert best("1ABC234").display == "1-ABC-234"
    assert best("1ABC234").score > 0.9


def test_the_eu_band_letter_is_not_part_of_the_plate() -> None:
    assert interpretations("B1ABC234") == []
    assert best("1ABC234").country == "BE"


@pytest.mark.parametrize("text", ["0-ABC-234", "1-AB-234", "1-ABCD-234", "1-ABC-2345", "X-ABC-123", "CD-A1-123"])
def test_not_belgian(text: str) -> None:
    assert not any(each.country == "BE" for each in interpretations(text))


@pytest.mark.parametrize(
    ("written", "sidecode"),
    [
        ("PB-12-34", 1),
        ("12-34-PB", 2),
        ("12-PB-98", 3),
        ("BD-12-FG", 4),
        ("BD-FG-12", 5),
        ("12-BD-FG", 6),
        ("12-BDG-3", 7),
        ("1-BDG-23", 8),
        ("BD-123-F", 9),
        ("D-123-BF", 10),
        ("GBB-01-B", 11),
        ("G-12-BBB", 12),
        ("1-BD-123", 13),
        ("123-BD-1", 14),
    ],
)
def test_dutch_sidecodes(written: str, sidecode: int) -> None:
    assert ("NL", f"sidecode-{sidecode}", written) in kinds(written)
    assert ("NL", f"sidecode-{sidecode}", written) in kinds(normalise(written))
    assert best(written).country == "NL"


@pytest.mark.parametrize(
    "text",
    [
        "12-BAG-3",  # a vowel in sidecode 7
        "12-BCG-3",  # C is never used
        "12-BDY-3",  # no Y from sidecode 7
        "BA-12-FG",  # a vowel in sidecode 4
        "12-GVD-3",  # a banned abbreviation
        "12-PVV-3",
        "SS-12-BB",  # SS never issued
        "12-BSD-3",  # nor SD
    ],
)
def test_not_dutch(text: str) -> None:
    assert not any(each.country == "NL" for each in interpretations(text))


@pytest.mark.parametrize(
    ("text", "kind", "written"),
    [
        ("AB-123-CD", "current", "AB-123-CD"),
        ("GH 456 KL", "current", "GH-456-KL"),
        ("WW-123-AB", "temporary", "WW-123-AB"),
        ("W-123-AB", "trade", "W-123-AB"),
        ("123 ABC 45", "old", "123 ABC 45"),
        ("1234 AB 75", "old", "1234 AB 75"),
        ("12 A 2A", "old", "12 A 2A"),
        ("456 XY 974", "old", "456 XY 974"),
    ],
)
def test_french_plates(text: str, kind: str, written: str) -> None:
    assert ("FR", kind, written) in kinds(text)
    assert best(text).country == "FR"


@pytest.mark.parametrize(
    "text",
    [
        "AI-123-CD",  # no I
        "AB-123-CO",  # no O
        "AU-123-CD",  # no U
        "SS-123-AB",  # no SS
        "AB-123-SS",
        "AB-000-CD",
        "123 ABC 96",  # no département 96
        "123 ABC 2C",
        "123 ABC 977",
    ],
)
def test_not_french(text: str) -> None:
    assert not any(each.country == "FR" for each in interpretations(text))


@pytest.mark.parametrize(
    ("text", "kind", "written"),
    [
        ("B AB 1234", "current", "B AB 1234"),
        ("B-AB 1234", "current", "B AB 1234"),
        ("M X 1", "current", "M X 1"),
        ("HH AB 123", "current", "HH AB 123"),
        ("FFB AM 483", "current", "FFB AM 483"),
        ("TÖL BA 218", "current", "TOL BA 218"),
        ("B AB 123E", "electric", "B AB 123E"),
        ("HH VW 72H", "historic", "HH VW 72H"),
    ],
)
def test_german_plates_written_with_separators(text: str, kind: str, written: str) -> None:
    found = [each for each in interpretations(text) if each.country == "DE"]
    assert [(each.kind, each.display) for each in found] == [(kind, written)]
    assert found[0].score > max(each.score for each in interpretations(normalise(text), ["DE"]))


def test_german_plates_without_separators_are_ambiguous_and_score_lower() -> None:
    found = [each for each in interpretations("BAB1234") if each.country == "DE"]
    assert [each.display for each in found] == ["B AB 1234", "BA B 1234"]
    assert all(each.score <= 0.5 for each in found)
    assert best("B AB 1234").score > found[0].score
    assert [each.display for each in interpretations("HHAB123", ["DE"])] == ["HH AB 123", "HHA B 123"]


@pytest.mark.parametrize(
    "text",
    [
        "B AB 0123",  # numbers never start with 0
        "B ABC 123",  # at most two serial letters
        "ABCD E 12",  # at most three district letters
        "X AB 123",  # no one-letter district X
        "FFB AM 4834",  # nine characters
        "B AB 12345",
        "B AB 12X",
    ],
)
def test_not_german(text: str) -> None:
    assert not any(each.country == "DE" for each in interpretations(text))


def test_a_text_written_another_way_is_not_read_as_german() -> None:
    assert not any(each.country == "DE" for each in interpretations("ABC-123"))
    assert best("ABC-123").display == "ABC-123"


@pytest.mark.parametrize(
    ("text", "kind", "written"),
    [
        ("AB 1234", "current", "AB 1234"),
        ("XY0008", "current", "XY 0008"),
        ("AB 12", "moped", "AB 12"),
        ("12345", "custom", "12345"),
        ("1234", "custom", "1234"),
        ("MK 286", "old", "MK 286"),
        ("P 1234", "old", "P 1234"),
        ("CD 12-34", "diplomatic", "CD 12-34"),
    ],
)
def test_luxembourg_plates(text: str, kind: str, written: str) -> None:
    assert ("LU", kind, written) in kinds(text)


def test_luxembourg_written_form_ranks_first() -> None:
    assert best("AB 1234").country == "LU"
    assert best("CD 12-34").kind == "diplomatic"
    assert ("LU", "current", "CD 1234") not in kinds("CD1234")


def test_us_only_when_asked() -> None:
    assert not any(each.country == "US" for each in interpretations("7ABC123"))
    assert kinds("7ABC123", ["US"]) == {("US", "any", "7ABC123")}
    assert kinds("ABCDEF", ["US"]) == set()  # no digit
    assert kinds("1", ["US"]) == set()
    assert kinds("123456789", ["US"]) == set()
    assert best("1ABC234").country == "BE"
    assert interpretations("1ABC234", ["BE", "US"])[0].country == "BE"


def test_unknown_country_is_refused() -> None:
    with pytest.raises(ValueError, match="XX"):
        interpretations("1ABC234", ["XX"])


def test_nothing_fits() -> None:
    assert interpretations("") == []
    assert interpretations("QQQQQQQQQ") == []
    assert guess_country("QQQQQQQQQ") is None


def test_guess_country() -> None:
    assert guess_country("1ABC234") == "BE"
    assert guess_country("AB123CD") == "FR"
    assert guess_country("12BDG3") == "NL"
    assert guess_country("7ABC123") == "BE"  # index 7, not US: US is never guessed


@given(realistic)
def test_interpretations_are_ranked_and_consistent(plate: str) -> None:
    found = interpretations(plate, ["BE", "NL", "FR", "DE", "LU", "US"])
    assert [each.score for each in found] == sorted((each.score for each in found), reverse=True)
    for each in found:
        assert each.plate == plate
        assert 0 <= each.score <= 1
        assert normalise(each.display) == plate


# -- display ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plate", "country", "written"),
    [
        ("1ABC234", None, "1-ABC-234"),
        ("1ABC234", "BE", "1-ABC-234"),
        ("AB123CD", None, "AB-123-CD"),
        ("12BDG3", "NL", "12-BDG-3"),
        ("BAB1234", "DE", "B AB 1234"),
        ("AB1234", "LU", "AB 1234"),
        ("7ABC123", "US", "7ABC123"),
        ("1-abc-234", "FR", "1ABC234"),  # no French form: plain
        ("1-abc-234", "PL", "1ABC234"),  # a country without formats here: plain
        ("1ABC234", "be", "1-ABC-234"),
        ("QQQQQQQQQ", None, "QQQQQQQQQ"),
    ],
)
def test_display(plate: str, country: str | None, written: str) -> None:
    assert display(plate, country) == written


@given(realistic)
def test_display_round_trips(plate: str) -> None:
    for each in interpretations(plate):
        again = interpretations(each.display, [each.country])
        assert (again[0].kind, again[0].display) == (each.kind, each.display)
    written = display(plate)
    assert normalise(written) == plate
    assert display(written) == written


# -- edit variants ---------------------------------------------------------------------------


def test_one_edit_variants_of_a_short_plate() -> None:
    variants = one_edit_variants("AB")
    assert "A" in variants and "B" in variants
    assert "XB" in variants and "ABX" in variants and "XAB" in variants
    assert "AB" not in variants and "BA" not in variants
    assert len(variants) == 2 + 2 * 35 + 3 * 36 - 2  # AAB/ABB are both an insertion twice over
    assert one_edit_variants("") == set(ALPHABET)


@given(st.text(alphabet=ALPHABET, max_size=7))
def test_one_edit_variants_are_at_distance_one(plate: str) -> None:
    variants = one_edit_variants(plate)
    assert all(edit_distance(plate, variant) == 1 for variant in variants)
    substitutions = {plate[:i] + c + plate[i + 1 :] for i in range(len(plate)) for c in ALPHABET if c != plate[i]}
    assert substitutions <= variants
    assert all(set(variant) <= set(ALPHABET) for variant in variants)


# -- patterns --------------------------------------------------------------------------------


def test_pattern_parsing() -> None:
    pattern = PlatePattern.parse("1-ab*")
    assert pattern.text == "1AB*"
    assert not pattern.is_exact
    assert (pattern.prefix, pattern.suffix) == ("1AB", "")
    assert (pattern.glob, pattern.like) == ("1AB*", "1AB%")
    assert (pattern.min_length, pattern.max_length) == (3, None)
    assert pattern.matches("1-ABC-234") and pattern.matches("1AB")
    assert not pattern.matches("2ABC234")


def test_exact_pattern() -> None:
    pattern = PlatePattern.parse("1-ABC-234")
    assert pattern.is_exact
    assert pattern.prefix == pattern.suffix == pattern.glob == pattern.like == "1ABC234"
    assert pattern.min_length == pattern.max_length == 7
    assert pattern.matches("1 abc 234") and not pattern.matches("1ABC2345")


def test_question_marks() -> None:
    pattern = PlatePattern.parse("1?BC2??")
    assert (pattern.prefix, pattern.suffix) == ("1", "")
    assert pattern.like == "1_BC2__"
    assert pattern.min_length == pattern.max_length == 7
    assert pattern.matches("1ABC234") and not pattern.matches("1BC234") and not pattern.matches("1ABC2345")


def test_wildcard_runs_are_canonical() -> None:
    assert PlatePattern.parse("**1*?*2").text == "*1?*2"
    assert PlatePattern.parse("*?1").text == "?*1"
    assert PlatePattern.parse("1 * 2").text == "1*2"
    assert PlatePattern.parse("*123").suffix == "123"
    assert PlatePattern.parse("*123").prefix == ""


def test_equivalent_pattern() -> None:
    pattern = PlatePattern.parse("1-AB*?0")
    assert pattern.equivalent().text == "1A8?*0"
    assert pattern.equivalent().matches(equivalence_key("IA8XY0"))
    assert not pattern.equivalent().matches("IA8XY0")
    assert pattern.equivalent().equivalent() == pattern.equivalent()


@pytest.mark.parametrize("text", ["", "  ", "-.-", "*", "???", "*?*", " * "])
def test_patterns_without_a_plate_character_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="pattern"):
        PlatePattern.parse(text)


def test_patterns_must_be_built_by_parse() -> None:
    with pytest.raises(ValueError, match="parse"):
        PlatePattern("1-AB*")
    with pytest.raises(ValueError, match="parse"):
        PlatePattern("1AB**")


@given(patterns, plates)
def test_pattern_matches_like_fnmatch(text: str, plate: str) -> None:
    pattern = PlatePattern.parse(text)
    assert pattern.matches(plate) == fnmatch.fnmatchcase(plate, text)
    assert pattern.matches(plate) == fnmatch.fnmatchcase(plate, pattern.text)


@given(patterns, st.data())
def test_prefix_and_suffix_agree_with_matches(text: str, data: st.DataObject) -> None:
    pattern = PlatePattern.parse(text)
    filler = st.text(alphabet=ALPHABET, max_size=3)
    plate = "".join(
        data.draw(filler) if c == "*" else data.draw(st.sampled_from(ALPHABET)) if c == "?" else c for c in pattern.text
    )
    assert pattern.matches(plate)
    assert plate.startswith(pattern.prefix) and plate.endswith(pattern.suffix)
    assert len(plate) >= pattern.min_length
    assert pattern.max_length is None or len(plate) <= pattern.max_length
