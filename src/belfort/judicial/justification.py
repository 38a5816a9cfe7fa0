"""Whether a drone mission's justification says something: the substance rule, pure.

A drone flies only under proportionality and subsidiarity, and the council reads both
reasons every year. A reason passes when, with spaces and punctuation set aside, it holds
at least `MIN_CHARACTERS` characters and `MIN_WORDS` different words of two letters or
more, and it is not a word-for-word copy of the mission's purpose or of the other reason.
The rule cannot judge a reason; it only refuses the empty, the filler ("aaaa", "n/a n/a",
"test test test") and the pasted, and its refusal names the field and what to write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from belfort.i18n import Message, _

MIN_CHARACTERS = 40
MIN_WORDS = 6
WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def words_of(text: str) -> list[str]:
    """The words of `text` in order, lower case: runs of two letters or more."""
    return [word.casefold() for word in WORD.findall(text)]


def substance_problem(field: Message, question: Message, text: str, others: Mapping[Message, str]) -> Message | None:
    """What is wrong with the reason `text` given for `field`, as a sentence naming the
    field and repeating `question` (what to explain); None when it has substance. `others`
    are the texts it may not copy (the purpose, the other reason), by their field names."""
    plain = " ".join(text.split())
    if not plain:
        return _(
            "{field} is missing: a drone mission is refused without it. {question}", field=field, question=question
        )
    words = words_of(plain)
    if len(plain) < MIN_CHARACTERS or len(set(words)) < MIN_WORDS:
        return _(
            "{field} says too little: write at least {characters} characters with at least {words} different "
            "words. {question}",
            field=field,
            characters=MIN_CHARACTERS,
            words=MIN_WORDS,
            question=question,
        )
    for other, other_text in others.items():
        if words == words_of(other_text):
            return _(
                "{field} repeats the {other} word for word: give its own reason. {question}",
                field=field,
                other=other,
                question=question,
            )
    return None
