"""Loading YAML into position-carrying nodes with libyaml, and reading them with precise diagnostics.

We never construct Python objects with PyYAML's constructor: we read composed nodes, so every value keeps
its line and column, duplicate keys and YAML 1.1 surprises (``no`` as false, ``10:30`` as 630) can be
reported instead of silently accepted, and anchors/aliases are refused before anything is expanded.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from pmcpost.diagnostics import Diagnostic, Severity
from pmcpost.i18n import N_, tr

try:  # libyaml's C loader; the pure-Python one is a slow fallback for unusual builds.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - every supported wheel ships libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Node = yaml.Node
ScalarNode = yaml.ScalarNode
MappingNode = yaml.MappingNode
SequenceNode = yaml.SequenceNode


# PyYAML's implicit resolvers (tag, expression) to try on a plain scalar, by its first character.
_WILDCARD: tuple[Any, ...] = tuple(_Loader.yaml_implicit_resolvers.get(None, ()))
_IMPLICIT: dict[str, tuple[Any, ...]] = {
    first: (*resolvers, *_WILDCARD) for first, resolvers in _Loader.yaml_implicit_resolvers.items() if first is not None
}
_COLLECTION_TAGS: dict[type[Node], str] = {
    SequenceNode: _Loader.DEFAULT_SEQUENCE_TAG,
    MappingNode: _Loader.DEFAULT_MAPPING_TAG,
}


_PLAIN_TAGS: dict[str, str] = {}  # plain scalar -> its tag, as resolved before
_DEFAULT_SCALAR_TAG: str = _Loader.DEFAULT_SCALAR_TAG


class _NodeLoader(_Loader):
    """The safe loader, resolving tags as PyYAML does with less work: composing calls ``resolve`` for every
    node, and PyYAML's general version also serves path resolvers, which the safe loader has none of."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call,no-any-return]
        return _resolve(self, kind, value, implicit)


def _resolve(loader: Any, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
    """A node's tag as the safe loader resolves it, with no path resolvers."""
    if kind is ScalarNode:
        if implicit[0]:
            known = _PLAIN_TAGS.get(value)
            return known if known is not None else _resolve_plain(value)
        return _DEFAULT_SCALAR_TAG
    return _COLLECTION_TAGS[kind]


def _resolve_plain(value: str) -> str:
    found = _DEFAULT_SCALAR_TAG
    for tag, expression in _IMPLICIT.get(value[:1], _WILDCARD):
        if expression.match(value):
            found = tag
            break
    if len(value) <= 32 and len(_PLAIN_TAGS) < 4096:  # keys and short values recur in every file
        _PLAIN_TAGS[value] = found
    return found


def _compose_with_loader(text: str) -> Node | None:
    return yaml.compose(text, Loader=_NodeLoader)


try:
    from yaml._yaml import CParser

    class _NodeComposer(CParser):
        """libyaml's composer alone: a safe loader also sets up a constructor and a resolver for every file,
        which composing nodes never uses. Tags resolve as _NodeLoader resolves them."""

        resolve = _resolve  # no path resolvers to ask about

        # Path resolvers: none. libyaml calls these around every node and ignores what they return: a C
        # function that does nothing costs far less than a Python one.
        descend_resolver = staticmethod(operator.is_)
        ascend_resolver = staticmethod(tuple)

    def compose(text: str) -> Node | None:
        """The node tree of a one-document YAML text (None when it is empty), positions kept."""
        composer = _NodeComposer(text)
        try:
            return composer.get_single_node()
        finally:
            composer.dispose()

except ImportError:  # pragma: no cover - every supported wheel ships libyaml
    compose = _compose_with_loader


TAG = "tag:yaml.org,2002:"
STR, BOOL, INT, FLOAT, NULL, TIMESTAMP = (TAG + t for t in ("str", "bool", "int", "float", "null", "timestamp"))

NO_BREAK_SPACES = ("\u00a0", "\u202f", "\u2007", "\u3000")

_TRAP_HINTS = {
    BOOL: N_("YAML reads {v!r} as the boolean {b}"),
    INT: N_("YAML reads {v!r} as a number"),
    FLOAT: N_("YAML reads {v!r} as a number"),
    NULL: N_("YAML reads {v!r} as 'nothing' (null)"),
    TIMESTAMP: N_("YAML reads {v!r} as a date"),
}


@dataclass
class Loaded:
    """The result of loading one YAML file: its root node (None when unusable) and the problems found."""

    root: Node | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _position_of_offset(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


def _sexagesimal(value: str) -> int | None:
    """YAML 1.1's reading of '10:30' (630): base-60 digits, as a time of day is silently turned into."""
    sign = -1 if value.startswith("-") else 1
    total = 0
    for part in value.lstrip("+-").replace("_", "").split(":"):
        if not part.isdigit():  # an explicit !!int tag on something else
            return None
        total = total * 60 + int(part)
    return sign * total


def too_large(what: str, size: int, max_bytes: int) -> str:
    return f"{what} is {size:,} bytes; the most allowed is {max_bytes:,}"


def load(data: bytes, path: str, *, max_bytes: int, what: str = "file") -> Loaded:
    """Parse ``data`` into a node tree, refusing what an announcement or config file must never hold."""
    diags: list[Diagnostic] = []

    def fail(line: int, column: int, message: str) -> Loaded:
        diags.append(Diagnostic(path, line, column, "error", message))
        return Loaded(None, diags)

    if len(data) > max_bytes:
        return fail(0, 0, too_large(what, len(data), max_bytes))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position_of_offset(data, exc.start)
        return fail(line, column, f"byte 0x{data[exc.start]:02x} is not valid UTF-8; save the file as UTF-8")
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line, column = _position_of_offset(data, data.index(b"\x00"))
        return fail(line, column, "the file holds a NUL character; it is not a text file")
    # Anchors and aliases could expand into enormous documents (alias bombs); refuse them outright.
    # The cheap test keeps the event scan off the common path.
    if "&" in text or "*" in text:
        alias_problems = _anchor_problems(text, path)
        if alias_problems is None:
            pass  # a syntax error: compose below reports it with its position
        elif alias_problems:
            diags.extend(alias_problems)
            return Loaded(None, diags)
    try:
        root = compose(text)
    except yaml.MarkedYAMLError as exc:
        from pmcpost import yamlslips

        lines = _LINE_BREAK_RE.split(text)
        slip = yamlslips.explain(lines, exc)
        if slip is not None:
            diags.append(
                Diagnostic(path, slip.line + 1, slip.column + 1, "error", slip.message, excerpt(lines, slip.line))
            )
            return Loaded(None, diags)
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        start = exc.context_mark
        if exc.problem and exc.context and start and exc.problem_mark:
            if not exc.context.startswith("while "):  # "expected a single document …, but found another …"
                problem = f"{exc.context}, {problem}"
            elif (start.line, start.column) != (exc.problem_mark.line, exc.problem_mark.column):
                # libyaml often notices an unclosed bracket only at the end of the file: say where it opened.
                problem += f" ({exc.context} started at line {start.line + 1}, column {start.column + 1})"
        if mark is None:
            return fail(0, 0, f"YAML syntax error: {problem}")
        diags.append(
            Diagnostic(
                path,
                mark.line + 1,
                mark.column + 1,
                "error",
                f"YAML syntax error: {problem}",
                excerpt(lines, mark.line),
            )
        )
        return Loaded(None, diags)
    except yaml.reader.ReaderError as exc:  # a character YAML forbids; its message spans lines, so rebuild it
        # libyaml counts the position in UTF-8 bytes of the text; the pure-Python reader in characters.
        if _Loader.__name__.startswith("C"):
            line, column = _position_of_offset(text.encode("utf-8"), exc.position)
        else:
            line = text.count("\n", 0, exc.position) + 1
            column = exc.position - text.rfind("\n", 0, exc.position)
        char = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        return fail(line, column, f"character U+{char:04X} is not allowed in YAML ({exc.reason})")
    except yaml.YAMLError as exc:
        return fail(0, 0, "YAML error: " + " ".join(str(exc).split()))
    except (ValueError, RecursionError) as exc:  # e.g. absurd nesting depth
        return fail(0, 0, f"YAML could not be read: {type(exc).__name__}")
    if root is None:
        return fail(1, 1, f"the {what} is empty")
    return Loaded(root, diags)


def _anchor_problems(text: str, path: str) -> list[Diagnostic] | None:
    problems: list[Diagnostic] = []
    try:
        for event in yaml.parse(text, Loader=_Loader):
            anchor = getattr(event, "anchor", None)
            mark = event.start_mark
            if not anchor or mark is None:
                continue
            if isinstance(event, yaml.AliasEvent):
                message = f"alias '*{anchor}' is not allowed; write the value out in full"
            else:
                message = f"anchor '&{anchor}' is not allowed; write the value out in full"
            problems.append(Diagnostic(path, mark.line + 1, mark.column + 1, "error", message))
    except yaml.YAMLError:
        return None
    return problems


# The line breaks libyaml knows (YAML 1.1 also breaks lines at NEL, LS and PS), so marks' lines agree.
_LINE_BREAK_RE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_COMMENT_RE = re.compile(r"[ \t]+#")


def excerpt(lines: Sequence[str], line: int) -> str:
    """The 0-based ``line`` of the source, shown under a problem (empty when there is no such line)."""
    return lines[line] if 0 <= line < len(lines) else ""


def source_lines(data: bytes) -> list[str]:
    """The file's lines as libyaml counts them, for looking next to a node's marks."""
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    return _LINE_BREAK_RE.split(text)


def comment_after(node: Node, lines: Sequence[str]) -> tuple[int, int, str] | None:
    """(line, column, comment) when a plain (unquoted) scalar is followed on its last line by a comment.

    A '#' after a space ends a plain scalar silently: ``en: Water cut #PMCWater. Store water.`` is
    "Water cut". Quoted and block scalars keep their '#'. Line and column are 1-based, at the '#'.
    """
    if not isinstance(node, ScalarNode) or node.style not in (None, ""):
        return None
    mark = node.end_mark
    if mark is None or mark.line >= len(lines):
        return None
    rest = lines[mark.line][mark.column :]
    m = _COMMENT_RE.match(rest)
    if m is None:
        return None
    return mark.line + 1, mark.column + m.end(), rest[m.end() - 1 :].rstrip()


def describe(node: Node) -> str:
    """A short human name for what a node holds, for 'expected X, found Y' messages."""
    if isinstance(node, MappingNode):
        return tr("key: value lines")
    if isinstance(node, SequenceNode):
        return tr("a list")
    tag = node.tag
    if tag == STR:
        return tr("text")
    return {
        BOOL: tr("a boolean"),
        INT: tr("a number"),
        FLOAT: tr("a number"),
        NULL: tr("nothing"),
        TIMESTAMP: tr("a date"),
    }.get(tag, f"a value tagged {tag}")


class Reader:
    """Reads values out of nodes for one file, collecting every problem instead of stopping at the first."""

    def __init__(self, path: str, data: bytes | None = None) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self._data = data  # the source, for showing the line of a slip under its message
        self._lines: list[str] | None = None

    # -- reporting -------------------------------------------------------------------------------
    def report(self, node: Node | None, message: str, severity: Severity = "error", *, show: bool = False) -> None:
        """Record a problem at ``node``; ``show`` puts its source line under the message (a typing slip)."""
        if node is None:
            self.diagnostics.append(Diagnostic(self.path, 0, 0, severity, message))
        else:
            mark = node.start_mark
            line = ""
            if show and self._data is not None:
                if self._lines is None:
                    self._lines = source_lines(self._data)
                line = excerpt(self._lines, mark.line)
            self.diagnostics.append(Diagnostic(self.path, mark.line + 1, mark.column + 1, severity, message, line))

    def error(self, node: Node | None, message: str) -> None:
        self.report(node, message, "error")

    def warning(self, node: Node | None, message: str) -> None:
        self.report(node, message, "warning")

    @property
    def failed(self) -> bool:
        return bool(self.diagnostics) and any(d.severity == "error" for d in self.diagnostics)

    # -- structure -------------------------------------------------------------------------------
    def mapping(self, node: Node, what: str) -> dict[str, tuple[Node, Node]] | None:
        """A mapping's entries by key, as (key node, value node); duplicates and odd keys reported."""
        if not isinstance(node, MappingNode):
            self.report(
                node,
                tr("{what} must be made of key: value lines, found {found}").format(what=what, found=describe(node)),
                show=True,
            )
            return None
        entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if type(key_node) is ScalarNode and key_node.tag == STR:  # the common case, checked in one go
                key = key_node.value
                if key not in entries and key[:1] not in NO_BREAK_SPACES:
                    entries[key] = (key_node, value_node)
                    continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in (STR, INT, BOOL, NULL, FLOAT):
                self.error(key_node, f"keys in {what} must be plain words, found {describe(key_node)}")
                continue
            key = key_node.value
            if key[:1] in NO_BREAK_SPACES:
                self.report(
                    key_node,
                    tr(
                        "this line starts with a non-breaking space (copied from a word processor or a web page), "
                        "which YAML does not read as indentation: retype the spaces before {key!r}"
                    ).format(key=key.lstrip("".join(NO_BREAK_SPACES) + " ")),
                    show=True,
                )
                continue
            if key_node.tag == BOOL:
                self.error(key_node, f"key {key!r} is read by YAML as a boolean; put it in quotes")
                continue
            if key in entries:
                first = entries[key][0].start_mark
                self.error(
                    key_node,
                    tr(
                        "duplicate key {key!r} (first at line {line}); YAML would silently keep only the last one"
                    ).format(key=key, line=first.line + 1),
                )
                continue
            entries[key] = (key_node, value_node)
        return entries

    def check_keys(
        self,
        entries: dict[str, tuple[Node, Node]],
        allowed: Collection[str],
        required: Iterable[str],
        what: str,
        parent: Node | None,
    ) -> None:
        """Report unknown keys (with a did-you-mean hint) and missing required ones."""
        for key, (key_node, _) in entries.items():
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
                hint = (
                    tr(" (did you mean {key!r}?)").format(key=close[0])
                    if close
                    else tr(" (allowed: {keys})").format(keys=", ".join(sorted(allowed)))
                )
                self.error(key_node, tr("unknown key {key!r} in {what}{hint}").format(key=key, what=what, hint=hint))
        for key in required:
            if key not in entries:
                self.error(parent, tr("missing required key {key!r} in {what}").format(key=key, what=what))

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.report(
                node,
                tr("{what} must be a list, written [a, b] or as lines starting with '- ', found {found}").format(
                    what=what, found=describe(node)
                ),
                show=True,
            )
            return None
        return list(node.value)

    # -- scalars ---------------------------------------------------------------------------------
    def string(self, node: Node, what: str, *, allow_empty: bool = False) -> str | None:
        """Text; a plain scalar that YAML 1.1 would read as something else is an error with a hint."""
        if not isinstance(node, ScalarNode):
            self.error(node, f"{what} must be text, found {describe(node)}")
            return None
        if node.tag == NULL and node.value == "":
            self.report(
                node,
                tr("{what} is empty: write its value after the colon, on the same line").format(what=what),
                show=True,
            )
            return None
        if node.tag != STR:
            hint = _TRAP_HINTS.get(node.tag)
            if hint is None:
                self.error(node, tr("{what} must be text, found {found}").format(what=what, found=describe(node)))
                return None
            boolean = "true" if node.value.lower() in ("yes", "on", "true", "y") else "false"
            first = tr(hint).format(v=node.value, b=boolean)
            base60 = _sexagesimal(node.value) if node.tag == INT and ":" in node.value else None
            if base60 is not None:  # YAML 1.1 base 60: the trap people actually hit with times of day
                first = tr("YAML reads {v!r} as the number {n}").format(v=node.value, n=base60)
            self.report(
                node,
                tr('{what} must be text: {why}; put it in quotes: "{value}"').format(
                    what=what, why=first, value=node.value
                ),
                show=True,
            )
            return None
        value: str = node.value
        if not allow_empty and not value.strip():
            self.error(node, tr("{what} is empty").format(what=what))
            return None
        return value

    def boolean(self, node: Node, what: str) -> bool | None:
        if isinstance(node, ScalarNode) and node.tag == BOOL:
            low = node.value.lower()
            if low not in ("true", "false"):
                self.error(node, f"{what}: write true or false, not {node.value!r}")
                return None
            return bool(low == "true")
        self.error(node, f"{what} must be true or false, found {describe(node)}")
        return None

    def integer(self, node: Node, what: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
        if isinstance(node, ScalarNode) and node.tag == INT:
            written = node.value.replace("_", "")
            digits = len(written.lstrip("+-").lstrip("0"))
            negative = written.startswith("-")
            bound = minimum if negative else maximum
            if bound is not None and digits > max(len(str(abs(bound))), 30):
                # Not converted or shown: Python refuses numbers of more than 4,300 digits.
                side = "at least" if negative else "at most"
                self.error(node, f"{what} must be {side} {bound:,}, found a number of {digits:,} digits")
                return None
            try:
                value = int(written, 10)
            except ValueError:
                self.error(node, f"{what} must be a whole number written in decimal, found {node.value!r}")
                return None
            if minimum is not None and value < minimum:
                self.error(node, f"{what} must be at least {minimum}, found {value}")
                return None
            if maximum is not None and value > maximum:
                self.error(node, f"{what} must be at most {maximum:,}, found {value:,}")
                return None
            return value
        self.error(node, f"{what} must be a whole number, found {describe(node)}")
        return None

    def scalar_text(self, node: Node, what: str) -> str | None:
        """The raw text of a scalar of any tag (dates, times): we parse it ourselves."""
        if not isinstance(node, ScalarNode) or node.tag == NULL:
            self.error(node, f"{what} must be a value, found {describe(node)}")
            return None
        value: str = node.value
        return value

    def string_list(self, node: Node, what: str) -> list[tuple[Node, str]] | None:
        items = self.sequence(node, what)
        if items is None:
            return None
        out = []
        for item in items:
            value = self.string(item, f"each item of {what}")
            if value is not None:
                out.append((item, value))
        return out
