"""Problems found in files, with their position, and how they are printed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at ``path:line:column`` (1-based; 0 means the whole file or line)."""

    path: str
    line: int
    column: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        # Editors and CI jump to path:line:col; a whole-file problem has no position to give.
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.severity}: {self.message}"


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def as_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps([asdict(d) for d in diagnostics], ensure_ascii=False, indent=2)


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
