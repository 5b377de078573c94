"""Problems found in files, with their position, and how they are printed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
# The most of a source line shown under a problem.
EXCERPT_WIDTH = 100


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at ``path:line:column`` (1-based; 0 means the whole file or line)."""

    path: str
    line: int
    column: int
    severity: Severity
    message: str
    # The source line the problem is on, shown under the message with a caret (text output only).
    excerpt: str = field(default="", compare=False)

    def __str__(self) -> str:
        # Editors and CI jump to path:line:col; a whole-file problem has no position to give.
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.severity}: {self.message}"

    def pointer(self) -> list[str]:
        """The source line and a caret under the column, indented; empty when there is no line to show."""
        if not self.excerpt or not self.line:
            return []
        # A tab is shown as an arrow (one column), so the caret stays under the character it points at.
        shown = self.excerpt.replace("\t", "→").rstrip("\r")
        at = max(self.column - 1, 0)
        if len(shown) > EXCERPT_WIDTH:  # a very long line: the part around the spot
            start = max(0, min(at - EXCERPT_WIDTH // 2, len(shown) - EXCERPT_WIDTH))
            shown = ("…" if start else "") + shown[start : start + EXCERPT_WIDTH] + "…"
            at = at - start + (1 if start else 0)
        return [f"    {shown}", "    " + " " * at + "^"]


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def as_json(diagnostics: list[Diagnostic]) -> str:
    entries = [asdict(d) for d in diagnostics]
    for entry in entries:
        del entry["excerpt"]  # the file is at hand for an editor; the JSON keeps its five fields
    return json.dumps(entries, ensure_ascii=False, indent=2)


def _github_escape(text: str, *, property_value: bool = False) -> str:
    # GitHub's workflow-command escaping: data escapes %, CR, LF; properties also ':' and ','.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def as_github(diagnostics: list[Diagnostic]) -> str:
    """GitHub Actions annotations: one ``::error file=…,line=…,col=…::message`` per problem."""
    lines = []
    for d in diagnostics:
        props = [f"file={_github_escape(d.path, property_value=True)}"]
        if d.line:
            props.append(f"line={d.line}")
        if d.column:
            props.append(f"col={d.column}")
        lines.append(f"::{d.severity} {','.join(props)}::{_github_escape(d.message)}")
    return "\n".join(lines)
