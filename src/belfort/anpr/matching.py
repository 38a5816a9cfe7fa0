"""Hotlist matching: which hotlist entries does a read plate hit, and how surely.

A `HotlistMatcher` is built once from all entries and never changes afterwards; a reload
builds a new one that the caller swaps in, so reads never see a half-built list. `match` is
pure and fast enough to run on every read (1 million entries: well under a millisecond).
It never hides a hit: a match found only through OCR confusion is reported, as "equivalent",
for a person to confirm. Expired entries (valid_until before the read) never match.

Design: exact entries (no wildcard, ~90% of real lists) sit in a dict by plate and in a
second dict by equivalence key. Wildcard entries are compiled into two character tries, one
over their literal text and one over their equivalence-class text; `?` is an edge for any
character, `*` a node that loops on any character. A read is simulated through a trie as a
set of active nodes per character (an NFA), so its cost grows with the read's length and the
nodes it touches, not with the number of patterns. Patterns are canonical (`?` before `*`,
no `**`), so the node after a `*` only has literal edges and stays in the active set once
entered. A plate that matches an entry literally is not reported again for it as equivalent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from belfort.anpr.plates import PlatePattern, equivalence_key, normalise

CATEGORIES = ("stolen", "wanted", "uninsured", "no_valid_inspection", "other")
Mode = Literal["exact", "wildcard", "equivalent"]
_MODE_RANK = {"exact": 0, "wildcard": 1, "equivalent": 2}


@dataclass(frozen=True, slots=True)
class HotlistEntry:
    """One line of a hotlist: a plate (with optional `*` and `?`) and why it is wanted.

    `priority` runs from 1 (highest) to 5; `valid_until` is UTC and aware, None for never.
    The pattern is checked when a matcher is built, so a bad import names its entry there.
    """

    id: str
    pattern: str
    category: str
    priority: int
    valid_until: datetime | None
    note: str = ""
    list_id: str = ""

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(
                f"hotlist entry {self.id!r}: unknown category {self.category!r}; use one of {', '.join(CATEGORIES)}"
            )
        if not 1 <= self.priority <= 5:
            raise ValueError(f"hotlist entry {self.id!r}: priority {self.priority} is not between 1 (highest) and 5")
        if self.valid_until is not None and self.valid_until.utcoffset() is None:
            raise ValueError(f"hotlist entry {self.id!r}: valid_until {self.valid_until} has no time zone; give UTC")

    def active_at(self, at: datetime) -> bool:
        """Whether the entry still applies at `at` (it does at the instant `valid_until` itself)."""
        return self.valid_until is None or at <= self.valid_until


@dataclass(frozen=True, slots=True)
class Match:
    """A hit of a read on a hotlist entry; `plate` is the read, normalised."""

    entry: HotlistEntry
    mode: Mode
    plate: str

    @property
    def ocr_equivalent(self) -> bool:
        """True when the read only matches through OCR confusion: a person must confirm it."""
        return self.mode == "equivalent"


def _rank(found: Match) -> tuple[int, int, str]:
    return _MODE_RANK[found.mode], found.entry.priority, found.entry.id


class _Node:
    """A trie node: `children` by literal character or "?", `star` the node after a `*`,
    `entries` those whose pattern ends here."""

    __slots__ = ("children", "entries", "star")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.star: _Node | None = None
        self.entries: tuple[HotlistEntry, ...] = ()

    def add(self, pattern: str, entry: HotlistEntry) -> None:
        node = self
        for char in pattern:
            if char == "*":
                if node.star is None:
                    node.star = _Node()
                node = node.star
            else:
                child = node.children.get(char)
                if child is None:
                    child = node.children[char] = _Node()
                node = child
        node.entries = (*node.entries, entry)


def _walk(root: _Node, text: str) -> list[tuple[HotlistEntry, ...]]:
    """The entries of every pattern in the trie at `root` that matches the whole of `text`."""
    plain = [root]
    stars: dict[_Node, None] = {}
    for char in text:
        for node in plain:
            if node.star is not None:
                stars[node.star] = None
        following = []
        for node in plain:
            child = node.children.get(char)
            if child is not None:
                following.append(child)
            child = node.children.get("?")
            if child is not None:
                following.append(child)
        for node in stars:
            child = node.children.get(char)
            if child is not None:
                following.append(child)
        if not following and not stars:
            return []
        plain = following
    for node in plain:
        if node.star is not None:
            stars[node.star] = None
    return [node.entries for node in (*plain, *stars) if node.entries]


class HotlistMatcher:
    """All entries of the hotlists in force, indexed for `match`; immutable once built."""

    __slots__ = ("_count", "_exact", "_exact_equivalent", "_wildcards", "_wildcards_equivalent")

    def __init__(self, entries: Iterable[HotlistEntry]) -> None:
        """Index `entries`; raises ValueError naming the first entry whose pattern is invalid."""
        exact: dict[str, tuple[HotlistEntry, ...]] = {}
        self._wildcards = _Node()
        self._wildcards_equivalent = _Node()
        self._count = 0
        for entry in entries:
            try:
                pattern = PlatePattern.parse(entry.pattern)
            except ValueError as error:
                raise ValueError(f"hotlist entry {entry.id!r} (list {entry.list_id!r}): {error}") from None
            if pattern.is_exact:
                exact[pattern.text] = (*exact.get(pattern.text, ()), entry)
            else:
                self._wildcards.add(pattern.text, entry)
                self._wildcards_equivalent.add(equivalence_key(pattern.text), entry)
            self._count += 1
        equivalent: dict[str, tuple[HotlistEntry, ...]] = {}
        for plate, group in exact.items():
            key = equivalence_key(plate)
            equivalent[key] = (*equivalent[key], *group) if key in equivalent else group
        self._exact = exact
        self._exact_equivalent = equivalent

    def __len__(self) -> int:
        return self._count

    def match(self, plate: str, at: datetime) -> list[Match]:
        """Every entry in force at `at` that the read `plate` matches, best first.

        Exact before wildcard before equivalent, then by priority (1 first), then entry id.
        Raises ValueError when `at` is naive.
        """
        if at.utcoffset() is None:
            raise ValueError(f"read time {at} has no time zone; give UTC")
        read = normalise(plate)
        if not read:
            return []
        found: dict[int, Match] = {}
        for entry in self._exact.get(read, ()):
            if entry.active_at(at):
                found[id(entry)] = Match(entry, "exact", read)
        for group in _walk(self._wildcards, read):
            for entry in group:
                if entry.active_at(at):
                    found[id(entry)] = Match(entry, "wildcard", read)
        key = equivalence_key(read)
        equivalent = [*self._exact_equivalent.get(key, ())]
        for group in _walk(self._wildcards_equivalent, key):
            equivalent += group
        for entry in equivalent:
            if id(entry) not in found and entry.active_at(at):
                found[id(entry)] = Match(entry, "equivalent", read)
        return sorted(found.values(), key=_rank)
