"""All terminal output: one rich console, plain when not on a terminal or when NO_COLOR is set."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

    from pmcpost.diagnostics import Diagnostic


def is_interactive(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def console(stderr: bool = False) -> Console:
    """A console that writes to the current sys.stdout/stderr (so click's test runner captures it)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    plain = not is_interactive(stream) or "NO_COLOR" in os.environ
    return Console(
        file=stream,
        no_color=plain,
        force_terminal=None if not plain else False,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        width=None if not plain else 120,
    )


def plain_lines(lines: Iterable[str], stream: TextIO | None = None) -> None:
    """Lines as they are, for logs (CI): no markup, no wrapping, and cheap for thousands of lines."""
    stream = stream or sys.stdout
    stream.write("".join(f"{line}\n" for line in lines))
    stream.flush()


def print_left_out(diagnostics: Iterable[Diagnostic]) -> None:
    """For commands that go on without the files that have errors (preview, publish): which, and why."""
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        print_diagnostics(errors, sys.stderr)
        sys.stderr.write(
            f"pmcpost: {len(errors)} problem{'s' if len(errors) != 1 else ''} in content; those files are "
            "left out (run pmcpost validate)\n"
        )


def print_diagnostics(diagnostics: list[Diagnostic], stream: TextIO | None = None) -> None:
    """``path:line:col: severity: message`` lines; coloured on a terminal."""
    from pmcpost.safetext import visible

    stream = stream or sys.stdout
    if not is_interactive(stream) or "NO_COLOR" in os.environ:
        for d in diagnostics:
            stream.write(f"{visible(str(d), newlines=False)}\n")  # a file name may hold an escape sequence
        return
    from rich.markup import escape

    con = console(stderr=stream is sys.stderr)
    for d in diagnostics:
        colour = "red" if d.severity == "error" else "yellow"
        where = str(d).partition(f": {d.severity}: ")[0]
        where, message = visible(where, newlines=False), visible(d.message, newlines=False)
        con.print(f"[bold]{escape(where)}:[/bold] [{colour}]{d.severity}:[/{colour}] {escape(message)}")
