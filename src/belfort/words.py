"""Counts in words, for messages Belfort writes in Python: "1 entry", "2 entries".

The same rule as the pages' `plural` (templates/words.html, static/plural.js), so no
"1 records" reaches a person from a route, a log line or the command line. A leaf module:
it imports nothing of Belfort.
"""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """`count` and the noun that agrees with it; `many` when the plural is not `one` + "s"."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
