"""Plate text rules: normal form, OCR-equivalence, the written forms of European plates, search patterns.

Every plate Belfort stores, compares or searches is first passed through `normalise`, so a
plate is only ever the characters A-Z and 0-9. Everything here is pure: no I/O, no state,
no guessing of a plate's owner. It must never reject a read because it fits no known
format: `interpretations` only ranks, and an unknown plate stays searchable as plain text.

Formats covered (sources: the Wikipedia articles "Vehicle registration plates of ..." in
English, German and French, and those named below):
- BE: 1-ABC-234 with index digit 1-9 (8: international/export plates, per pj-web.de); index letters since
  2014/2020 (DIV ministerial decrees, described by deplalaw.be and belgianlicenceplates.blogspot.com):
  M motorcycle (also M-123-ABC), O oldtimer, Q trailer, G tractor, T-X../T-L.. taxi, U temporary,
  V/Y/Z trade; the 1973-2010 ABC-123 and 123-ABC (prefixes M/W, Z, O, TX, U/Q read as motorcycle,
  trade, oldtimer, taxi, trailer); the 1953-1973 codes 1-10 (A-1234 … AB-123, with the EA-PZ
  motorcycle series); CD/CC + two letters + three digits (diplomatic, as described by
  kennzeichen-guide.de; not checked against DIV rules); A/E/P-1…999 (official).
  Not covered: royal digit-only plates, transit plates with dates, pre-1953 plates.
- NL: sidecodes 1-14 (RDW; kentekenkennis.nl): letters without C, I, O, Q, W, Y in 1-3, without
  vowels, C and Q from 4, and without Y from 7; combinations SS, SD and the banned abbreviations
  (GVD, KKK, NSB, PKK, PSV, PVV, SGP, TBS, VVD) rejected. Not covered: semi-trailer O-series,
  diplomatic CD plates, the duplicate digit printed above the plate.
- FR: SIV AB-123-CD (no I, O, U; no SS; WW first pair = temporary; W-123-AB = W garage/trade),
  FNI 123 ABC 45 with département 01-95, 2A, 2B, 971-976. Not covered: diplomatic (CD/CMD/K),
  two-line moped forms, transit plates.
- DE: district 1-3 letters (one-letter districts only from the official list), 1-2 letters,
  1-9999, optional E/H, at most 8 characters (FZV). Not covered: official plates of authorities
  (digits only after the district), diplomatic 0-… plates, seasonal months.
- LU: AB 1234, moped AB 12, digit-only 1234/12345, the older AB 123 and A 1234, CD 12-34
  (règlement grand-ducal of 17 June 2003).
- US: a permissive fallback (2-8 characters, at least one digit), only when asked for.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from belfort.i18n import _

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
EUROPEAN = ("BE", "NL", "FR", "DE", "LU")
COUNTRIES = (*EUROPEAN, "US")
WILDCARDS = "*?"

_NOT_PLATE = re.compile(r"[^A-Z0-9]")
_NOT_CANONICAL = re.compile(r"[^A-Z0-9*?]|\*[*?]")
_LITERAL = re.compile(r"[A-Z0-9]")
_CONFUSIONS = ("0ODQ", "1ILT", "2Z", "5S", "6G", "8B")
_KEY = str.maketrans({char: group[0] for group in _CONFUSIONS for char in group})


def normalise(text: str) -> str:
    """`text` upper case, accents folded (NFKD), every character outside A-Z and 0-9 dropped."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
    return _NOT_PLATE.sub("", text.upper())


def equivalence_key(plate: str) -> str:
    """`plate` with each character replaced by its OCR-confusion class representative.

    The classes are {0,O,D,Q}, {1,I,L,T}, {2,Z}, {5,S}, {6,G}, {8,B}; other characters (and
    the wildcards * and ?) are kept. Two plates are OCR-equivalent when their keys are equal.
    """
    return plate.translate(_KEY)


@dataclass(frozen=True)
class Interpretation:
    """One way to read a plate: which country's format it fits, and how it is written there."""

    plate: str
    country: str
    kind: str
    display: str
    score: float


def _letters(excluded: str) -> str:
    return "[" + "".join(char for char in ALPHABET[:26] if char not in excluded) + "]"


_Classify = Callable[[tuple[str, ...]], str | None]


def _always(kind: str) -> _Classify:
    return lambda groups: kind


@dataclass(frozen=True)
class _Format:
    """A regular expression over the normalised plate whose groups are written with `separators`
    between them; `classify` names the kind, or rejects the groups with None."""

    country: str
    score: float
    regex: re.Pattern[str]
    separators: tuple[str, ...]
    classify: _Classify

    def interpret(self, plate: str) -> Interpretation | None:
        found = self.regex.fullmatch(plate)
        if found is None:
            return None
        groups = found.groups()
        kind = self.classify(groups)
        if kind is None:
            return None
        written = groups[0] + "".join(sep + group for sep, group in zip(self.separators, groups[1:], strict=True))
        return Interpretation(plate, self.country, kind, written, self.score)


def _format(
    country: str, score: float, pattern: str, separators: str | tuple[str, ...], classify: _Classify
) -> _Format:
    if isinstance(separators, str):
        separators = (separators,) * (re.compile(pattern).groups - 1)
    return _Format(country, score, re.compile(pattern), separators, classify)


# -- Belgium ------------------------------------------------------------------------------

_BE_INDEX_LETTERS = {
    "G": "tractor",
    "M": "motorcycle",
    "O": "oldtimer",
    "Q": "trailer",
    "U": "temporary",
    "V": "trade",
    "Y": "trade",
    "Z": "trade",
}


def _be_1973_kind(groups: tuple[str, ...]) -> str:
    """The kind of a 1973-2010 plate, from the prefix letters reserved for special series."""
    letters = next(group for group in groups if group.isalpha())
    if letters.startswith("TX"):
        return "taxi"
    return {"M": "motorcycle", "W": "motorcycle", "Z": "trade", "O": "oldtimer", "U": "trailer", "Q": "trailer"}.get(
        letters[0], "old"
    )


def _be_1962_kind(groups: tuple[str, ...]) -> str:
    letters = next(group for group in groups if group.isalpha())
    return "motorcycle" if letters[0] in "EGLMP" else "old"


_BE_1953 = _letters("AIOQ")
_BE_1962 = _letters("IOQ")

_BELGIUM = [
    _format("BE", 0.95, r"([12])([A-Z]{3})(\d{3})", "-", _always("current")),
    _format("BE", 0.85, r"([3-79])([A-Z]{3})(\d{3})", "-", _always("current")),
    _format("BE", 0.8, r"(8)([A-Z]{3})(\d{3})", "-", _always("temporary")),
    _format("BE", 0.85, r"([GMOQUVYZ])([A-Z]{3})(\d{3})", "-", lambda groups: _BE_INDEX_LETTERS[groups[0]]),
    _format("BE", 0.85, r"(T)([XL][A-Z]{2})(\d{3})", "-", _always("taxi")),
    _format("BE", 0.8, r"(M)(\d{3})([A-Z]{3})", "-", _always("motorcycle")),
    _format("BE", 0.8, r"(C[DC])([A-Z]{2})(\d{3})", "-", _always("diplomatic")),
    _format("BE", 0.7, r"([A-Z]{3})(\d{3})", "-", _be_1973_kind),
    _format("BE", 0.7, r"(\d{3})([A-Z]{3})", "-", _always("old")),
    _format("BE", 0.35, rf"({_BE_1962}{{2}})(\d{{3}})", "-", _be_1962_kind),
    _format("BE", 0.35, rf"(\d)({_BE_1962}{{2}})(\d{{2}})", "-", _be_1962_kind),
    _format("BE", 0.35, rf"(\d{{2}})({_BE_1962}{{2}})(\d)", "-", _be_1962_kind),
    _format("BE", 0.35, rf"(\d{{3}})({_BE_1962}{{2}})", "-", _be_1962_kind),
    _format("BE", 0.35, rf"({_BE_1962})(\d{{3}})({_BE_1962})", "-", _always("old")),
    _format("BE", 0.3, rf"({_BE_1953})(\d{{4}})", "-", _always("old")),
    _format("BE", 0.3, rf"(\d)({_BE_1953})(\d{{3}})", "-", _always("old")),
    _format("BE", 0.3, rf"(\d{{2}})({_BE_1953})(\d{{2}})", "-", _always("old")),
    _format("BE", 0.3, rf"(\d{{3}})({_BE_1953})(\d)", "-", _always("old")),
    _format("BE", 0.3, rf"(\d{{4}})({_BE_1953})", "-", _always("old")),
    _format("BE", 0.3, r"([AEP])(\d{1,3})", "-", _always("official")),
]

# -- Netherlands --------------------------------------------------------------------------

_NL_BANNED = frozenset({"GVD", "KKK", "NSB", "PKK", "PSV", "PVV", "SGP", "TBS", "VVD"})
_NL_SIDECODES = {
    1: "LL-DD-DD",
    2: "DD-DD-LL",
    3: "DD-LL-DD",
    4: "LL-DD-LL",
    5: "LL-LL-DD",
    6: "DD-LL-LL",
    7: "DD-LLL-D",
    8: "D-LLL-DD",
    9: "LL-DDD-L",
    10: "L-DDD-LL",
    11: "LLL-DD-L",
    12: "L-DD-LLL",
    13: "D-LL-DDD",
    14: "DDD-LL-D",
}


def _nl_kind(sidecode: int) -> _Classify:
    def classify(groups: tuple[str, ...]) -> str | None:
        for group in groups:
            if group.isalpha() and ("SS" in group or "SD" in group or group in _NL_BANNED):
                return None
        return f"sidecode-{sidecode}"

    return classify


def _nl_format(sidecode: int, shape: str) -> _Format:
    if sidecode <= 3:
        letters, score = _letters("CIOQWY"), 0.45
    elif sidecode <= 6:
        letters, score = _letters("AEIOUCQ"), 0.65
    else:
        letters, score = _letters("AEIOUCQY"), 0.6 if sidecode in (12, 14) else 0.8
    groups = [f"({letters}{{{len(part)}}})" if part[0] == "L" else rf"(\d{{{len(part)}}})" for part in shape.split("-")]
    return _format("NL", score, "".join(groups), "-", _nl_kind(sidecode))


_NETHERLANDS = [_nl_format(sidecode, shape) for sidecode, shape in _NL_SIDECODES.items()]

# -- France -------------------------------------------------------------------------------

_FR_SIV = _letters("IOU")
_FR_DEPARTMENTS = frozenset(
    [f"{number:02d}" for number in range(1, 96)] + ["2A", "2B"] + [str(number) for number in range(971, 977)]
)


def _fr_siv(groups: tuple[str, ...]) -> str | None:
    left, number, right = groups
    if number == "000" or "SS" in (left, right) or left == "WW":
        return None
    return "current"


def _fr_fni(groups: tuple[str, ...]) -> str | None:
    return "old" if groups[2] in _FR_DEPARTMENTS and int(groups[0]) > 0 else None


_FRANCE = [
    _format("FR", 0.9, rf"({_FR_SIV}{{2}})(\d{{3}})({_FR_SIV}{{2}})", "-", _fr_siv),
    _format("FR", 0.85, rf"(WW)(\d{{3}})({_FR_SIV}{{2}})", "-", lambda g: None if g[1] == "000" else "temporary"),
    _format("FR", 0.75, rf"(W)(\d{{3}})({_FR_SIV}{{2}})", "-", lambda g: None if g[1] == "000" else "trade"),
    _format("FR", 0.6, r"(\d{1,4})([A-Z]{1,3})(\d{2,3}|2[AB])", " ", _fr_fni),
]

# -- Luxembourg ---------------------------------------------------------------------------

_LUXEMBOURG = [
    _format("LU", 0.65, r"([A-Z]{2})(\d{4})", " ", lambda g: None if g[0] == "CD" else "current"),
    _format("LU", 0.6, r"(CD)(\d{2})(\d{2})", (" ", "-"), _always("diplomatic")),
    _format("LU", 0.35, r"([A-Z]{2})(\d{2})", " ", _always("moped")),
    _format("LU", 0.35, r"(\d{4,5})", (), _always("custom")),
    _format("LU", 0.3, r"([A-Z]{2})(\d{3})", " ", _always("old")),
    _format("LU", 0.3, r"([A-Z])(\d{4})", " ", _always("old")),
]

# -- Germany ------------------------------------------------------------------------------

_DE_ONE_LETTER_DISTRICTS = frozenset("ABCDEFGHJKLMNPRSVWZ")
_DE_SHAPE = re.compile(r"([A-Z]{2,5})([1-9]\d{0,3})([EH]?)")


def _german(plate: str, boundaries: frozenset[int]) -> list[Interpretation]:
    """Every split of the letters into district (1-3 letters) and serial letters (1-2).

    Without separators the split is a guess: a one-letter district (from the official list)
    scores 0.5, longer ones 0.45 and 0.44. A separator between the letters settles the split;
    a text with separators but none between the letters is not written the German way.
    """
    shape = _DE_SHAPE.fullmatch(plate)
    if shape is None or len(plate) > 8:
        return []
    letters, digits, suffix = shape.groups()
    inside = sorted(b for b in boundaries if b < len(letters))
    if boundaries and len(inside) != 1:
        return []
    found = []
    for district, score in ((1, 0.5), (2, 0.45), (3, 0.44)):
        serial = len(letters) - district
        if not 1 <= serial <= 2 or (district == 1 and letters[0] not in _DE_ONE_LETTER_DISTRICTS):
            continue
        if inside and inside != [district]:
            continue
        kind = {"E": "electric", "H": "historic"}.get(suffix, "current")
        written = f"{letters[:district]} {letters[district:]} {digits}{suffix}"
        found.append(Interpretation(plate, "DE", kind, written, score))
    return found


# -- United States ------------------------------------------------------------------------


def _american(plate: str) -> list[Interpretation]:
    if 2 <= len(plate) <= 8 and any(char.isdigit() for char in plate):
        return [Interpretation(plate, "US", "any", plate, 0.1)]
    return []


_FORMATS = {"BE": _BELGIUM, "NL": _NETHERLANDS, "FR": _FRANCE, "LU": _LUXEMBOURG}


def _boundaries(text: str) -> frozenset[int]:
    """Positions inside the normalised text where the raw text had a separator."""
    found = set()
    kept = 0
    for char in text:
        kept_here = len(normalise(char))
        if kept_here:
            kept += kept_here
        elif not unicodedata.combining(char):
            found.add(kept)
    return frozenset(found - {0, kept})


def _written_as(found: Interpretation, boundaries: frozenset[int]) -> Interpretation:
    """`found`, 0.25 more likely when the text put its separators where the country writes them."""
    if boundaries and _boundaries(found.display) == boundaries:
        return replace(found, score=min(1.0, found.score + 0.25))
    return found


def interpretations(text: str, countries: Sequence[str] | None = None) -> list[Interpretation]:
    """Every country format the normalised `text` fits, most likely first; empty when none.

    `countries` defaults to the European ones (BE, NL, FR, DE, LU); "US" only when asked. The
    separators in `text`, when it has any, count: a format written with the same separators
    gains 0.25, and they settle the German district. Raises ValueError for an unknown country.
    """
    wanted = EUROPEAN if countries is None else tuple(countries)
    unknown = [country for country in wanted if country not in COUNTRIES]
    if unknown:
        raise ValueError(f"unknown country code(s) {', '.join(unknown)}: use one of {', '.join(COUNTRIES)}")
    plate = normalise(text)
    boundaries = _boundaries(text)
    found: list[Interpretation] = []
    for country in wanted:
        if country == "DE":
            found += _german(plate, boundaries)
        elif country == "US":
            found += _american(plate)
        else:
            found += [each for each in (fmt.interpret(plate) for fmt in _FORMATS[country]) if each is not None]
    found = [_written_as(each, boundaries) for each in found]
    order = {country: rank for rank, country in enumerate(COUNTRIES)}
    found.sort(key=lambda each: (-each.score, order[each.country], each.display))
    unique: dict[tuple[str, str, str], Interpretation] = {}
    for each in found:
        unique.setdefault((each.country, each.kind, each.display), each)
    return list(unique.values())


def guess_country(plate: str) -> str | None:
    """The country of the best European interpretation of `plate`, or None when none fits."""
    found = interpretations(plate)
    return found[0].country if found else None


def display(plate: str, country: str | None = None) -> str:
    """`plate` as written in `country` (or in its best European guess); its normalised text when
    no format of that country fits, or the country is not one this module knows."""
    if country is not None and country.upper() not in COUNTRIES:
        return normalise(plate)
    found = interpretations(plate, None if country is None else [country.upper()])
    return found[0].display if found else normalise(plate)


def one_edit_variants(plate: str) -> set[str]:
    """Every string over ALPHABET at edit distance exactly 1 from the normalised `plate`."""
    text = normalise(plate)
    variants = {text[:i] + text[i + 1 :] for i in range(len(text))}
    for i in range(len(text) + 1):
        variants.update(text[:i] + char + text[i:] for char in ALPHABET)
    for i, current in enumerate(text):
        variants.update(text[:i] + char + text[i + 1 :] for char in ALPHABET if char != current)
    variants.discard(text)
    return variants


def _canonical(tokens: Iterable[str]) -> str:
    """Join literal and wildcard tokens; a run of wildcards becomes its ?s followed by one * if any."""
    out: list[str] = []
    run = ""
    for token in tokens:
        if token in WILDCARDS:
            run += token
            continue
        if run:
            out.append("?" * run.count("?") + ("*" if "*" in run else ""))
            run = ""
        out.append(token)
    if run:
        out.append("?" * run.count("?") + ("*" if "*" in run else ""))
    return "".join(out)


@dataclass(frozen=True)
class PlatePattern:
    """A plate with wildcards: `*` any run of characters (possibly empty), `?` exactly one.

    `text` is canonical: normalised literals, no `**`, and `?` before `*` inside a run of
    wildcards, so equal patterns have equal text. Build one with `PlatePattern.parse`.
    """

    text: str

    def __post_init__(self) -> None:
        if not self.text:
            raise ValueError("the pattern is empty: give a plate, with * for any run of characters and ? for one")
        if _NOT_CANONICAL.search(self.text):
            raise ValueError(f"pattern {self.text!r} is not canonical: build it with PlatePattern.parse")
        if not _LITERAL.search(self.text):
            raise ValueError(
                _(
                    "pattern '{pattern}' has no letter or digit and would match every plate: "
                    "add at least one character of the plate",
                    pattern=self.text,
                )
            )

    @classmethod
    def parse(cls, text: str) -> PlatePattern:
        """The pattern in `text`; separators and anything outside A-Z, 0-9, * and ? are dropped.

        Raises ValueError, with a message for the user, when nothing is left or there is no
        literal character.
        """
        if "*" in text or "?" in text:
            tokens = [piece if piece in WILDCARDS else normalise(piece) for piece in re.split(r"([*?])", text)]
            canonical = _canonical(token for token in tokens if token)
        else:
            canonical = normalise(text)
        if not canonical:
            raise ValueError(
                _(
                    "the pattern '{pattern}' is empty: give a plate, with * for any run of characters and ? for one",
                    pattern=text,
                )
            )
        return cls(canonical)

    @property
    def is_exact(self) -> bool:
        return "*" not in self.text and "?" not in self.text

    @property
    def prefix(self) -> str:
        """The literal characters before the first wildcard (the whole text when exact)."""
        return re.split(r"[*?]", self.text, maxsplit=1)[0]

    @property
    def suffix(self) -> str:
        """The literal characters after the last wildcard (the whole text when exact)."""
        return re.split(r"[*?]", self.text)[-1]

    @property
    def glob(self) -> str:
        """The pattern for SQL GLOB (the literals never need escaping)."""
        return self.text

    @property
    def like(self) -> str:
        """The pattern for SQL LIKE: `%` for `*`, `_` for `?` (the literals never need escaping)."""
        return self.text.replace("*", "%").replace("?", "_")

    @property
    def min_length(self) -> int:
        return len(self.text) - self.text.count("*")

    @property
    def max_length(self) -> int | None:
        return None if "*" in self.text else len(self.text)

    def equivalent(self) -> PlatePattern:
        """The same pattern with every literal replaced by its OCR-confusion representative."""
        return PlatePattern(equivalence_key(self.text))

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        return re.compile(fnmatch.translate(self.text))

    def matches(self, plate: str) -> bool:
        """Whether the normalised `plate` matches the whole pattern."""
        return self._regex.match(normalise(plate)) is not None
