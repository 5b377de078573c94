"""Characters no announcement or config.yaml value may hold: control characters and bidirectional overrides.

YAML itself refuses most control characters written into a file, but a double-quoted string can still spell
them as escapes ("\\e", "\\x1b", "\\0"), and bidirectional overrides are ordinary printable characters to YAML.
In a post they corrupt feeds, pages and terminals, or make text read differently from what was approved.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pmcpost.diagnostics import Diagnostic
from pmcpost.yamlnodes import Reader

# Announcements: C0 controls but tab, line feed and carriage return (block scalars keep their lines), DEL,
# C1 controls, and the bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069).
# The marks U+200E and U+200F and the joiners U+200C and U+200D stay allowed: Marathi needs the joiners.
ANNOUNCEMENT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# config.yaml: the same plus tab, line breaks and the Unicode line and paragraph separators: every value is one
# line (a name with a line break would add lines to CODEOWNERS).
CONFIG = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# What may bring one of those into a value: an escape in a double-quoted string, or one of the characters
# that YAML lets through as they are (tab and line breaks are looked for only in config.yaml).
# (Each starts with one fixed byte, which the regular expression engine finds quickly.)
_RAW_BIDI = re.compile(rb"\xe2(?:\x80[\xaa-\xae]|\x81[\xa6-\xa9])")
_RAW_C1 = re.compile(rb"\xc2[\x80-\x9f]")

_C0_NAMES = [
    *("NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF", "CR", "SO", "SI"),
    *("DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US"),
]


def character_name(char: str) -> str:
    """'U+001B (ESC)', 'U+202E (RIGHT-TO-LEFT OVERRIDE)'."""
    code = ord(char)
    if code < 0x20:
        name = _C0_NAMES[code]
    elif code == 0x7F:
        name = "DEL"
    else:
        name = unicodedata.name(char, "a control character")
    return f"U+{code:04X} ({name})"


def check_announcement(reader: Reader, root: Node, data: bytes) -> None:
    """Report every value (and key) of an announcement file holding a forbidden character."""
    if b"\\" in data or _RAW_BIDI.search(data) or _RAW_C1.search(data):
        _check(reader, root, data, ANNOUNCEMENT, "control characters and bidirectional overrides are not allowed")


def check_config(reader: Reader, root: Node, data: bytes) -> None:
    """Report every value (and key) of config.yaml holding a control character or a line break."""
    _check(reader, root, data, CONFIG, "config.yaml values are single lines without control characters")


def _check(reader: Reader, root: Node, data: bytes, forbidden: re.Pattern[str], rule: str) -> None:
    lines = data.decode("utf-8", errors="replace").removeprefix("\ufeff").split("\n")
    for path, node in _scalars(root, ""):
        found = forbidden.search(node.value)
        if found is None:
            continue
        offset = found.start()
        line, column = _position(node, offset, lines)
        message = (
            f"{visible(path) or 'the document'} holds the character {character_name(found.group())} "
            f"(character {offset + 1} of the value); {rule}"
        )
        reader.diagnostics.append(Diagnostic(reader.path, line, column, "error", message))


def visible(text: str) -> str:
    """``text`` with every forbidden character written as <U+001B>, safe to print."""
    return CONFIG.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def _scalars(root: Node, root_path: str) -> Iterator[tuple[str, ScalarNode]]:
    """Every scalar (keys too) with its path, in document order; a stack, not recursion, however deep."""
    stack: list[tuple[str, Node]] = [(root_path, root)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, ScalarNode):
            yield path, node
        elif isinstance(node, MappingNode):
            children: list[tuple[str, Node]] = []
            for key, value in node.value:
                name = key.value if isinstance(key, ScalarNode) else "?"
                child = f"{path}.{name}" if path else str(name)
                children += [(f"{child} (the key)", key), (child, value)]
            stack.extend(reversed(children))
        elif isinstance(node, SequenceNode):
            stack.extend(reversed([(f"{path}[{i}]", item) for i, item in enumerate(node.value)]))


_ESCAPE_LENGTH = {"x": 4, "u": 6, "U": 10}


def _position(node: ScalarNode, offset: int, lines: list[str]) -> tuple[int, int]:
    """Line and column (from 1) of the value's character at ``offset`` in the file, where the value is one
    line; else where the value starts."""
    start, end = node.start_mark, node.end_mark
    if start.line != end.line or start.line >= len(lines):
        return start.line + 1, start.column + 1
    text = lines[start.line]
    if node.style == '"':
        column = start.column + 1  # after the opening quote
        for _ in range(offset):
            if column >= len(text):
                return start.line + 1, start.column + 1
            column += _ESCAPE_LENGTH.get(text[column + 1 : column + 2], 2) if text[column] == "\\" else 1
        return start.line + 1, column + 1
    if node.style is None:  # plain: the value is the text as written
        return start.line + 1, start.column + offset + 1
    return start.line + 1, start.column + 1
