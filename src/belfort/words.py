"""Counts in words, for messages Belfort writes in Python: "1 entry", "2 entries".

For the command line and log lines, which stay English (pages and answers count with
`belfort.i18n._n` and the scripts' `ngettext`), so no "1 records" reaches a person. A leaf
module: it imports nothing of Belfort.
"""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """`count` and the noun that agrees with it; `many` when the plural is not `one` + "s"."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
