"""Plain words for the YAML mistakes people make most, instead of libyaml's parser vocabulary.

libyaml reports where it gave up, often a line after the mistake, in its own terms ("mapping values are not
allowed in this context"). Here we look at the lines themselves, find the slip (a tab, a colon inside text, a
'#' in a hashtag list, an unclosed quote, a missing space, a line at the wrong level) and say what to write.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from pmcpost.i18n import tr

_KEY_RE = re.compile(r"^(?P<indent>[ ]*)(?P<dash>-[ ]+)?(?P<key>[^\s:#'\"\[\]{},][^:#]*?):(?P<rest>.*)$")
_NO_SPACE_RE = re.compile(r"^(?P<indent>[ ]*)(?:-[ ]+)?(?P<key>[A-Za-z_][\w.-]*):(?P<value>[^\s:/\[{].*)$")


@dataclass(frozen=True)
class Slip:
    """A mistake found: 0-based line and column, and what to tell the writer."""

    line: int
    column: int
    message: str


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _previous(lines: Sequence[str], index: int) -> int | None:
    """The index of the nearest line above ``index`` holding something (not blank, not only a comment)."""
    for i in range(min(index, len(lines)) - 1, -1, -1):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            return i
    return None


def _quoted(value: str) -> str:
    """``value`` as a quoted YAML scalar, for a suggestion."""
    if '"' not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def explain(lines: Sequence[str], exc: yaml.MarkedYAMLError) -> Slip | None:
    """The slip behind libyaml's error, when it is one we recognise; None otherwise."""
    problem = exc.problem or ""
    context = exc.context or ""
    mark = exc.problem_mark
    if mark is None:
        return None
    line, column = mark.line, mark.column
    for finder in (_tab, _hash_in_list, _unclosed_quote, _open_quote_above, _after_quote, _curly_quotes):
        found = finder(lines, line, column, problem, context, exc)
        if found is not None:
            return found
    if problem == "mapping values are not allowed in this context":
        return _stray_colon(lines, line, column)
    if problem == "did not find expected key":
        return _misplaced_line(lines, line, column)
    if problem == "did not find expected '-' indicator":
        return _outside_item(lines, line)
    if problem == "could not find expected ':'":
        return _missing_colon(lines, exc)
    if problem.startswith("did not find expected ',' or") and exc.context_mark is not None:
        start = exc.context_mark
        bracket = lines[start.line][start.column] if start.column < len(lines[start.line]) else "["
        closing = "]" if bracket == "[" else "}"
        return Slip(
            start.line,
            start.column,
            tr("the {opening} opened here is never closed: close it with {closing} on the same line").format(
                opening=f"'{bracket}'", closing=f"'{closing}'"
            ),
        )
    if problem in ("found character that cannot start any token", "found undefined alias") or (
        context == "while scanning an anchor"
    ):
        at = exc.context_mark if context == "while scanning an anchor" and exc.context_mark else mark
        text = lines[at.line] if at.line < len(lines) else ""
        char = text[at.column] if at.column < len(text) else ""
        if char and char not in " \t":
            value = text[at.column :].strip()
            return Slip(
                at.line,
                at.column,
                tr("in YAML, text cannot start with {char}: put the text in quotes: {fixed}").format(
                    char=f"'{char}'", fixed=_quoted(value)
                ),
            )
    if context == "expected a single document in the stream":
        return Slip(
            line,
            column,
            tr("a line of '---' starts a second document, but a file holds one announcement: delete that line"),
        )
    return None


def _tab(
    lines: Sequence[str], line: int, column: int, problem: str, context: str, exc: yaml.MarkedYAMLError
) -> Slip | None:
    for i in range(min(line, len(lines) - 1), -1, -1):
        text = lines[i]
        leading = text[: len(text) - len(text.lstrip(" \t"))]
        if "\t" in leading:
            return Slip(
                i,
                leading.index("\t"),
                tr("this line is indented with a tab, and YAML indents with spaces only: replace the tab with spaces"),
            )
    if "tab" in problem:
        return Slip(line, column, tr("a tab here breaks the layout: YAML indents with spaces only; use spaces"))
    return None


def _hash_in_list(
    lines: Sequence[str], line: int, column: int, problem: str, context: str, exc: yaml.MarkedYAMLError
) -> Slip | None:
    if "flow" not in context or exc.context_mark is None:
        return None
    for i in range(min(line, len(lines) - 1), -1, -1):
        found = re.search(r"[\[,]\s*(#)", lines[i])
        if found is not None:
            fixed = re.sub(r"(?<=[\[,\s])#", "", lines[i].strip())
            return Slip(
                i,
                found.start(1),
                tr(
                    "'#' starts a comment in YAML, so the rest of this line is ignored: write hashtags "
                    "without '#', as in {fixed}"
                ).format(fixed=fixed),
            )
    return None


def _unclosed_quote(
    lines: Sequence[str], line: int, column: int, problem: str, context: str, exc: yaml.MarkedYAMLError
) -> Slip | None:
    if context != "while scanning a quoted scalar" or exc.context_mark is None:
        return None
    start = exc.context_mark
    quote = lines[start.line][start.column] if start.column < len(lines[start.line]) else '"'
    return Slip(
        start.line,
        start.column,
        tr("the quote {quote} opened here is never closed: end the text with {quote} on the same line").format(
            quote=quote
        ),
    )


def _unclosed_on(text: str) -> int | None:
    """The column of a quote that opens a value on this line and is not closed on it."""
    m = _KEY_RE.match(text)
    if m is None:
        return None
    rest = m.group("rest")
    value = rest.lstrip()
    if not value or value[0] not in "\"'":
        return None
    at = len(text) - len(value)
    quote = value[0]
    body = value[1:].replace("\\\\", "").replace('\\"', "") if quote == '"' else value[1:].replace("''", "")
    return at if quote not in body else None


def _open_quote_above(
    lines: Sequence[str], line: int, column: int, problem: str, context: str, exc: yaml.MarkedYAMLError
) -> Slip | None:
    """A quote left open runs on into the lines below, and libyaml stumbles where the next quote closes it."""
    for i in range(min(line, len(lines)) - 1, -1, -1):
        at = _unclosed_on(lines[i])
        if at is not None:
            quote = lines[i][at]
            return Slip(
                i,
                at,
                tr("the quote {quote} opened here is never closed: end the text with {quote} on the same line").format(
                    quote=quote
                ),
            )
    return None


def _after_quote(
    lines: Sequence[str], line: int, column: int, problem: str, context: str, exc: yaml.MarkedYAMLError
) -> Slip | None:
    if line >= len(lines) or problem != "did not find expected key":
        return None
    text = lines[line]
    m = _KEY_RE.match(text)
    if m is None:
        return None
    value_at = len(text) - len(m.group("rest")) + (len(m.group("rest")) - len(m.group("rest").lstrip()))
    if value_at >= len(text) or text[value_at] not in "\"'" or column <= value_at:
        return None
    quote = text[value_at]
    if quote == "'":
        how = tr("to put ' inside text quoted with ', write it twice (''), or quote the text with \" instead")
    else:
        how = tr('to put " inside text quoted with ", quote the text with \' instead')
    return Slip(
        line,
        column,
        tr("the text ended at the second {quote}, but more follows on the line: {how}").format(quote=quote, how=how),
    )


def _curly_quotes(
    lines: Sequence[str], line: int, column: int, problem: str, context: str, exc: yaml.MarkedYAMLError
) -> Slip | None:
    if line >= len(lines):
        return None
    m = _KEY_RE.match(lines[line])
    if m is None:
        return None
    value = m.group("rest").strip()
    if not value or value[0] not in "“‘„":
        return None
    column = lines[line].index(value[0], len(lines[line]) - len(m.group("rest")))
    plain = value.strip("“”‘’„")
    return Slip(
        line,
        column,
        tr("curly quotes (“ ”) are not quotes to YAML: type straight quotes instead: {fixed}").format(
            fixed=f"{m.group('key')}: {_quoted(plain)}"
        ),
    )


def _stray_colon(lines: Sequence[str], line: int, column: int) -> Slip | None:
    if line >= len(lines):
        return None
    text = lines[line]
    m = _KEY_RE.match(text)
    if m is not None and column > len(text) - len(m.group("rest")):
        # The key's colon came earlier on the line: this colon is inside the value.
        value = m.group("rest").strip()
        return Slip(
            line,
            column,
            tr(
                "a colon followed by a space inside text makes YAML read a new key: put the whole text in "
                "quotes: {fixed}"
            ).format(fixed=f"{m.group('key').strip()}: {_quoted(value)}"),
        )
    above = _previous(lines, line)
    for i in (line, above):
        if i is None:
            continue
        n = _NO_SPACE_RE.match(lines[i])
        if n is not None:
            at = len(n.group("indent")) + lines[i].lstrip(" ").index(":") + 1
            return Slip(
                i,
                at,
                tr("a space is missing after the colon: write {fixed}").format(
                    fixed=f"'{n.group('key')}: {n.group('value')}'"
                ),
            )
    if above is not None:
        prev = lines[above]
        if ":" not in prev and not prev.lstrip().startswith("-"):
            return Slip(
                above,
                len(prev.rstrip()),
                tr("a colon is missing at the end of this line: write {fixed}").format(fixed=f"'{prev.strip()}:'"),
            )
        if _indent(text) > _indent(prev) and not prev.rstrip().endswith(":"):
            return _wrong_indent(lines, line, above)
    return None


def _wrong_indent(lines: Sequence[str], line: int, above: int) -> Slip:
    want = _indent(lines[above])
    if lines[above].lstrip().startswith("- "):
        want += 2
    return Slip(
        line,
        _indent(lines[line]),
        tr(
            "this line is indented differently from the line above: keys at the same level start in the "
            "same column (here {n} spaces from the left)"
        ).format(n=want),
    )


def _misplaced_line(lines: Sequence[str], line: int, column: int) -> Slip | None:
    if line >= len(lines):
        return None
    text = lines[line]
    stripped = text.lstrip(" ")
    if stripped.startswith("- "):
        for i in range(line - 1, -1, -1):
            if lines[i].lstrip(" ").startswith("- ") and _indent(lines[i]) != _indent(text):
                return Slip(
                    line,
                    _indent(text),
                    tr(
                        "this list item is at the wrong level: start its '-' in the same column as the item "
                        "on line {other} ({n} spaces from the left)"
                    ).format(other=i + 1, n=_indent(lines[i])),
                )
        return None
    if stripped.startswith(":"):
        return Slip(line, _indent(text), tr("a key is missing before this colon: write key: value"))
    m = _KEY_RE.match(text)
    if m is not None:
        value = m.group("rest").strip()
        if value and value[0] in "[{" and column > len(text) - len(m.group("rest")):
            return Slip(
                line,
                column,
                tr(
                    "text starting with {char} is read as a YAML list or mapping: put the whole text in quotes: {fixed}"
                ).format(char=f"'{value[0]}'", fixed=f"{m.group('key').strip()}: {_quoted(value)}"),
            )
    above = _previous(lines, line)
    if above is not None and column == _indent(text) and _indent(text) != _indent(lines[above]):
        return _wrong_indent(lines, line, above)
    return None


def _outside_item(lines: Sequence[str], line: int) -> Slip | None:
    for i in range(min(line, len(lines)) - 1, -1, -1):
        m = re.match(r"^([ ]*)(-[ ]+)(\S)", lines[i])
        if m is not None:
            want = len(m.group(1)) + len(m.group(2))
            key = lines[line].strip().split(":")[0]
            return Slip(
                line,
                _indent(lines[line]),
                tr(
                    "{key!r} belongs to the list item above, so it must line up with the text after that item's "
                    "'- ': indent it {n} spaces from the left"
                ).format(key=key, n=want),
            )
    return None


def _missing_colon(lines: Sequence[str], exc: yaml.MarkedYAMLError) -> Slip | None:
    start = exc.context_mark
    if start is None or start.line >= len(lines):
        return None
    text = lines[start.line]
    n = _NO_SPACE_RE.match(text)
    if n is not None:
        return Slip(
            start.line,
            len(n.group("indent")) + text.lstrip(" ").index(":") + 1,
            tr("a space is missing after the colon: write {fixed}").format(
                fixed=f"'{n.group('key')}: {n.group('value')}'"
            ),
        )
    below = start.line + 1
    if re.fullmatch(r"[ ]*[A-Za-z_][\w.-]*", text) and below < len(lines) and _indent(lines[below]) > _indent(text):
        return Slip(
            start.line,
            len(text),
            tr("a colon is missing at the end of this line: write {fixed}").format(fixed=f"'{text.strip()}:'"),
        )
    above = _previous(lines, start.line)
    if above is not None and lines[above].rstrip().endswith(("|", ">", "|-", ">-", "|+", ">+")):
        return Slip(
            start.line,
            start.column,
            tr("text after | or > must be indented more than the key above it: add spaces in front of this line"),
        )
    if above is not None and lines[above].lstrip().startswith("- "):
        item = text.strip()
        return Slip(
            start.line,
            start.column,
            tr("each item of a list starts with '- ': write {fixed}").format(
                fixed=f"'{' ' * _indent(lines[above])}- {item}'"
            ),
        )
    return Slip(
        start.line,
        start.column,
        tr(
            "this line needs a colon after the key (key: value), or more spaces in front if it continues the text above"
        ),
    )
