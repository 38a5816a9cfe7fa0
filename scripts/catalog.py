#!/usr/bin/env python3
"""Belfort's message catalogs: extract, update and check them.

    scripts/catalog.py update   extract every marked message (babel.cfg) and merge it into
                                src/belfort/locale/<nl|fr|de|en>/LC_MESSAGES/messages.po
    scripts/catalog.py check    fail (exit 1, one line per problem) on a message for people
                                that is not marked for translation, on a marked message
                                missing or fuzzy in Dutch, French or German, and on a
                                translation whose {fields} or %(fields)s differ

What counts as "a message for people" that must be marked:
- templates: text between tags, and the title, placeholder, aria-label, alt and
  data-confirm attributes, and string constants printed by `{{ }}`;
- Python: the message given to Belfort's errors (`belfort.errors`, the web layer's
  refusals) and to the gate's decisions, when it is written as a literal or an f-string;
- JavaScript: string literals that read as words for a person (two words, or a capital
  followed by small letters), unless they are the argument of `_()` / `ngettext()`, or a
  selector, an event name, a CSS class or a module path.
Words the same in every language (ANPR, PTZ, …) are listed in SAME_IN_EVERY_LANGUAGE.
"""

from __future__ import annotations

import ast
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "belfort"
LOCALE = SRC / "locale"
TEMPLATES = SRC / "web" / "templates"
STATIC = SRC / "web" / "static"
LANGUAGES = ("nl", "fr", "de", "en")
MUST_TRANSLATE = ("nl", "fr", "de")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_n": (1, 2)}

SAME_IN_EVERY_LANGUAGE = {
    "Belfort",
    "ANPR",
    "API",
    "PTZ",
    "RTSP",
    "URL",
    "UTC",
    "CSV",
    "JSON",
    "SHA",
    "ID",
    "OK",
    "MB",
    "GB",
    "kB",
    "HTTP",
    "HTTPS",
    "TCP",
    "UDP",
    "H",
    "DPO",
    "PDF",
    "ZIP",
    "MP",
    "HLS",
    "WebSocket",
    "ONVIF",
    "Leaflet",
    "OpenStreetMap",
    "Swagger",
    "fps",
    "px",
    "GDPR",
    "IP",
    "N",
    "S",
    "E",
    "W",
    "s",
    "ms",
    "min",
    "h",
    "x",
}
TEXT_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm")
WORD = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
FIELDS = re.compile(r"\{(\w+)\}|%\((\w+)\)s")


# ---------------------------------------------------------------- extraction


def extract() -> Catalog:
    """Every marked message in Belfort, with where it is written."""
    catalog = Catalog(project="Belfort", charset="utf-8", fuzzy=False)
    method_map = [
        ("src/belfort/**.py", "python"),
        ("src/belfort/web/templates/**.html", "jinja2"),
        ("src/belfort/web/static/*.js", "javascript"),
    ]
    options_map = {"src/belfort/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        if "/locale/" in filename or filename.startswith("src/belfort/web/static/vendor"):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "messages.po"


def _read(language: str) -> Catalog:
    path = _po_path(language)
    if not path.exists():
        return Catalog(locale=language, project="Belfort", fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def update() -> int:
    template = extract()
    for language in LANGUAGES:
        catalog = _read(language)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        path = _po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=False, include_previous=False, omit_header=False)
        missing = sum(1 for m in catalog if m.id and not _translated(m))
        print(
            f"{language}: {len(catalog)} messages, {missing} without translation"
            if language != "en"
            else f"en: {len(catalog)} messages"
        )
    return 0


def _translated(message: object) -> bool:
    string = message.string  # type: ignore[attr-defined]
    if getattr(message, "fuzzy", False):
        return False
    return all(string) if isinstance(string, tuple | list) else bool(string)


# ---------------------------------------------------------------- checks


def _fields(text: str) -> set[str]:
    return {a or b for a, b in FIELDS.findall(text)}


def check_catalogs(problems: list[str]) -> None:
    template = extract()
    for language in MUST_TRANSLATE:
        catalog = _read(language)
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id, context=message.context)
            where = f"{message.locations[0][0]}:{message.locations[0][1]}" if message.locations else "?"
            key = message.id if isinstance(message.id, str) else message.id[0]
            if found is None or not _translated(found):
                problems.append(f"{where}: no {language} translation for {key!r} (run make catalog, then translate)")
                continue
            strings = found.string if isinstance(found.string, tuple | list) else (found.string,)
            ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
            wanted = set().union(*(_fields(text) for text in ids))
            for string in strings:
                if _fields(string) - wanted or (len(ids) == 1 and _fields(string) != wanted):
                    problems.append(f"{where}: the {language} translation of {key!r} has other fields: {string!r}")


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in TEXT_ATTRIBUTES and value:
                self.found.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.found.append(data)


def _words_for_people(text: str) -> bool:
    if "/" in text and not any(c.isspace() for c in text.strip()):
        return False  # an address, a path or a zone name (rtsp://host/path, Europe/Brussels)
    return any(word not in SAME_IN_EVERY_LANGUAGE for word in WORD.findall(text))


def check_templates(problems: list[str]) -> None:
    env = Environment(extensions=["jinja2.ext.i18n"])  # noqa: S701 (parsed only, never rendered)
    for path in sorted(TEMPLATES.glob("*.html")):
        source = path.read_text()
        tree = env.parse(source, name=path.name)
        # Literal markup: replace every expression and tag by a placeholder, then read the text.
        literal = "".join(
            node.data if isinstance(node, nodes.TemplateData) else " "
            for output in tree.find_all(nodes.Output)
            for node in output.nodes
        )
        finder = _TextFinder()
        finder.feed(literal)
        for text in finder.found:
            if _words_for_people(text):
                problems.append(f"{_rel(path)}: text not marked for translation: {text.strip()[:60]!r}")
        for output in tree.find_all(nodes.Output):
            for node in output.nodes:
                if isinstance(node, nodes.TemplateData):
                    continue
                for const in _printed_constants(node):
                    if _words_for_people(const.value):
                        problems.append(f"{_rel(path)}:{const.lineno}: printed string not marked: {const.value[:60]!r}")


def _printed_constants(node: nodes.Node) -> list[nodes.Const]:
    """String constants an expression prints (not those inside a gettext call, a test or a filter's argument)."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return [node]
    if isinstance(node, nodes.CondExpr):
        return _printed_constants(node.expr1) + (_printed_constants(node.expr2) if node.expr2 else [])
    if isinstance(node, nodes.Concat):
        return [c for part in node.nodes for c in _printed_constants(part)]
    if isinstance(node, nodes.Or | nodes.And):
        return _printed_constants(node.left) + _printed_constants(node.right)
    if isinstance(node, nodes.Filter) and node.node is not None:
        return _printed_constants(node.node)
    return []


ERROR_NAMES = re.compile(
    r"^(BelfortError|InvalidInput|NotFound|Conflict|Refusal|Forbidden|Unseen|Unavailable|LoginRefused|"
    r"NotAuthenticated|HTTPException|DatabaseBusy|\w+Refused|\w+Problem)$"
)
MESSAGE_KEYWORDS = ("message", "detail", "reason")


def check_python(problems: list[str]) -> None:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = (
                call.func.id
                if isinstance(call.func, ast.Name)
                else (call.func.attr if isinstance(call.func, ast.Attribute) else "")
            )
            arguments: list[ast.expr] = []
            if ERROR_NAMES.match(name):
                arguments = [*call.args[:1], *(k.value for k in call.keywords if k.arg in MESSAGE_KEYWORDS)]
            elif name == "Decision":
                arguments = [*call.args[3:4], *(k.value for k in call.keywords if k.arg == "reason")]
            for argument in arguments:
                if isinstance(argument, ast.JoinedStr) or (
                    isinstance(argument, ast.Constant)
                    and isinstance(argument.value, str)
                    and _words_for_people(argument.value)
                ):
                    problems.append(f"{_rel(path)}:{argument.lineno}: message for people not marked with _()")


JS_STRING = re.compile(r"""(?P<quote>["'`])(?P<body>(?:\\.|(?!(?P=quote)).)*)(?P=quote)""", re.S)
JS_SENTENCE = re.compile(r"^[^\w]*[A-Za-zÀ-ÿ]+[^\w\n]+[A-Za-zÀ-ÿ]{2,}|^[A-Z][a-zà-ÿ]{2,}")
JS_PATH = re.compile(r"^\.{0,2}/[^\s]*$")
"""A module path or a URL path (`./api.js`, `/api/audit/verify`): no words for a person."""
JS_CALL_BEFORE = re.compile(
    r"(?:\b_|ngettext|querySelector(?:All)?|closest|matches|getElementById|addEventListener|removeEventListener|"
    r"import|from|getAttribute|setAttribute|removeAttribute|toggleAttribute|hasAttribute|createElement|"
    r"classList\.(?:add|remove|toggle|contains)|dispatchEvent|CustomEvent|Event|get|set|has|delete|"
    r"startsWith|endsWith|includes|split|join|replace|test|match|console\.\w+)\s*\(\s*(?:[^()]*,\s*)?$"
)


def check_scripts(problems: list[str]) -> None:
    for path in sorted(STATIC.glob("*.js")):
        source = path.read_text()
        code = re.sub(r"//[^\n]*|/\*.*?\*/", lambda m: " " * len(m.group(0)), source, flags=re.S)
        for match in JS_STRING.finditer(code):
            body = match.group("body")
            if match.group("quote") == "`":
                body = re.sub(r"\$\{[^}]*\}", " ", body)
            if "<" in body and ">" in body:
                problems.append(f"{_rel(path)}:{_line(code, match.start())}: HTML in a string; use a <template>")
                continue
            if not JS_SENTENCE.search(body) or not _words_for_people(body) or JS_PATH.match(body):
                continue
            before = code[max(0, match.start() - 200) : match.start()]
            if JS_CALL_BEFORE.search(before):
                continue
            problems.append(
                f"{_rel(path)}:{_line(code, match.start())}: text not marked with _(): {body.strip()[:60]!r}"
            )


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def check() -> int:
    problems: list[str] = []
    check_templates(problems)
    check_python(problems)
    check_scripts(problems)
    check_catalogs(problems)
    for problem in problems:
        print(problem)
    if problems:
        print(f"catalog check: {len(problems)} problems", file=sys.stderr)
        return 1
    print("catalog check: every message is marked and translated into nl, fr and de")
    return 0


def main(argv: list[str]) -> int:
    if argv[1:] == ["update"]:
        return update()
    if argv[1:] == ["check"]:
        return check()
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
