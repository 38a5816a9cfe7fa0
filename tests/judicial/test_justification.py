"""The substance rule for a drone mission's justification, pure: empty, filler, too short
and pasted reasons are refused with a sentence naming the field; a real reason passes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belfort.i18n import _
from belfort.judicial.justification import MIN_CHARACTERS, MIN_WORDS, substance_problem

PURPOSE = "Search for a missing child in the Kortrijk city park"
REAL = "A fixed camera does not see the pond or the woods; patrols on foot would need hours in the dark."
QUESTION = _("Explain why less intrusive means would not have done.")


def problem(text: str, other: str = "Only the area of the park was filmed, for twenty minutes, at 60 m.") -> str | None:
    return substance_problem(_("Subsidiarity"), QUESTION, text, {_("purpose"): PURPOSE, _("proportionality"): other})


def test_a_real_reason_passes() -> None:
    assert problem(REAL) is None


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("", "Subsidiarity is missing: a drone mission is refused without it."),
        ("   \n\t ", "Subsidiarity is missing"),
        ("a" * 80, "Subsidiarity says too little"),
        ("n/a n/a n/a n/a n/a n/a n/a n/a n/a n/a n/a", "Subsidiarity says too little"),
        ("test test test test test test test test test test", "Subsidiarity says too little"),
        ("Needed because it was needed.", "Subsidiarity says too little"),
        ("1234 5678 9012 3456 7890 1234 5678 9012 3456", "Subsidiarity says too little"),
        (PURPOSE.upper() + "!", "Subsidiarity repeats the purpose word for word"),
    ],
)
def test_filler_is_refused_naming_the_field_and_what_to_write(text: str, start: str) -> None:
    found = problem(text)
    assert found is not None and found.startswith(start) and found.endswith(str(QUESTION))


def test_a_copy_of_the_other_reason_is_refused() -> None:
    found = problem(REAL, other=" ".join(REAL.split()).lower())
    assert found is not None and "repeats the proportionality" in found


@given(st.text(max_size=60))
def test_anything_shorter_than_the_minimum_is_refused(text: str) -> None:
    if len(" ".join(text.split())) < MIN_CHARACTERS:
        assert problem(text) is not None


@given(st.lists(st.sampled_from(["camera", "patrol", "dark", "pond", "woods", "hours"]), min_size=12, max_size=20))
def test_fewer_than_the_minimum_of_different_words_is_refused(words: list[str]) -> None:
    text = " ".join(words)
    assert (problem(text) is None) is (len(set(words)) >= MIN_WORDS and len(text) >= MIN_CHARACTERS)
