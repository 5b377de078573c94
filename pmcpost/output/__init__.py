"""All terminal output: the only place that imports rich (the renderers in this package use it).

On a terminal: colour, tables that fall back to a list when the terminal is too narrow for them. Piped, or
with ``NO_COLOR``: plain lines, never folded (a log keeps every variable name and URL whole; the reader's
terminal wraps). Each command's core returns a result; a module here renders it (``status``, ``report``,
``doctor``, ``audit``, ``validate``, ``preview``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from pmcpost.words import plural as plural  # the one helper for "1 post", "2 posts", offered here too

if TYPE_CHECKING:
    from rich.console import Console

    from pmcpost.diagnostics import Diagnostic

# A cell: its text, or (text, rich style) for colour on a terminal.
Cell = str | tuple[str, str]
# Wider than any line we print: plain output is never folded.
UNFOLDED = 1 << 16
# In the list form of a table, a cell wider than this gets a line of its own.
LONG_CELL = 24


def is_interactive(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def is_plain(stream: TextIO | None = None) -> bool:
    """No colour, no tables, no folding: not a terminal, or NO_COLOR set."""
    return not is_interactive(stream) or "NO_COLOR" in os.environ


def console(stderr: bool = False) -> Console:
    """A console that writes to the current sys.stdout/stderr (so click's test runner captures it)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    plain = is_plain(stream)
    return Console(
        file=stream,
        no_color=plain,
        force_terminal=None if not plain else False,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        width=UNFOLDED if plain else None,
    )


def say(text: str, *, style: str = "", stderr: bool = False) -> None:
    """One line as it is (never markup), styled on a terminal; ``text`` must already be safe to show. On a
    terminal a long line wraps between words (continued two columns in), never inside one."""
    con = console(stderr)
    if is_plain(sys.stderr if stderr else sys.stdout):
        con.print(text, style=style or None, markup=False, highlight=False)
        return
    from rich.text import Text

    print_wrapped(con, Text(text, style=style), indent="  ")


def break_offsets(line: str, width: int, indent: int = 0) -> list[int]:
    """Where to break ``line`` (no newline in it) so that no piece is wider than ``width`` columns by
    ``cell_width``, a measure never narrower than a terminal draws (Devanagari included): before the word
    that would pass the edge. A word wider than the whole line is left to the terminal."""
    import re

    offsets: list[int] = []
    used = 0
    end = 0
    for m in re.finditer(r"\S+", line):
        gap = cell_width(line[end : m.start()])
        word = cell_width(m.group())
        if used and used + gap + word > width:
            offsets.append(m.start())
            used = indent + word
        else:
            used += gap + word
        end = m.end()
    return offsets


def print_wrapped(con: Console, text: Any, *, indent: str = "") -> None:
    """A rich Text, its lines wrapped between words by ``break_offsets`` (continuations after ``indent``) and
    printed so the terminal never has to wrap them: nothing depends on rich's measure of Indic clusters."""
    from rich.text import Text

    for line in text.split("\n", allow_blank=True):
        pieces = line.divide(break_offsets(line.plain, con.width, cell_width(indent))) if line.plain else [line]
        for n, piece in enumerate(pieces):
            piece.rstrip()
            con.print(Text(indent).append_text(piece) if n else piece, soft_wrap=True)


def emit(text: str, *, end: str = "\n", stderr: bool = False) -> None:
    """Text exactly as given (JSON, CSV, markdown), on standard output."""
    stream = sys.stderr if stderr else sys.stdout
    stream.write(text + end)
    stream.flush()


def plain_lines(lines: Iterable[str], stream: TextIO | None = None) -> None:
    """Lines as they are, for logs (CI): no markup, no wrapping, and cheap for thousands of lines."""
    stream = stream or sys.stdout
    stream.write("".join(f"{line}\n" for line in lines))
    stream.flush()


def _text(cell: Cell) -> str:
    return cell if isinstance(cell, str) else cell[0]


def _style(cell: Cell) -> str:
    return "" if isinstance(cell, str) else cell[1]


def aligned(rows: Sequence[Sequence[Cell]], *, right: Iterable[int] = (), indent: str = "") -> list[str]:
    """Rows as plain lines: every column padded but the last (a URL or an error stays whole and unpadded)."""
    from pmcpost.safetext import visible

    cells = [[_text(c) for c in row] for row in rows]
    whole = " ".join(" ".join(r) for r in cells)
    if visible(whole, newlines=False) != whole:  # escaped cell by cell only when something needs it
        cells = [[visible(c, newlines=False) for c in row] for row in cells]
    if not cells:
        return []
    columns = max(len(r) for r in cells)
    widths = [max((len(r[i]) for r in cells if i < len(r)), default=0) for i in range(columns - 1)]
    right = set(right)
    out = []
    for r in cells:
        padded = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=False))]
        out.append((indent + "  ".join([*padded, *r[columns - 1 :]])).rstrip())
    return out


def cell_width(text: str) -> int:
    """Columns a terminal may need for ``text``. rich measures some Devanagari clusters narrower than
    terminals draw them, so beyond ASCII the count of code points (never less than a terminal draws for
    Indic scripts) is taken when it is larger."""
    from rich.cells import cell_len

    width = cell_len(text)
    return width if text.isascii() else max(width, len(text))


def show_table(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    right: Iterable[int] = (),
    header: bool = True,
    plain_title: str | None = None,
    plain_header: bool | None = None,
    plain_indent: str = "",
) -> None:
    """A table on a terminal when it fits its width, else one block per row (first cell, then the others
    as 'column value' pairs) that reads the same at 80 columns; plain aligned lines when piped.

    Plain output starts with ``plain_title`` (default: the title and a blank line), then the header row
    unless ``plain_header`` (default ``header``) is false."""
    from pmcpost.safetext import visible

    right = set(right)
    if is_plain(sys.stdout):
        lines = [plain_title] if plain_title is not None else ([title, ""] if title else [])
        head = [list(columns)] if (header if plain_header is None else plain_header) else []
        plain_lines([*lines, *aligned([*head, *rows], right=right, indent=plain_indent)])
        return
    from rich import box
    from rich.table import Table
    from rich.text import Text

    con = console()
    shown = [[(visible(_text(c), newlines=False), _style(c)) for c in row] for row in rows]
    # Padding of one each side and a border between columns, as rich draws them.
    widths = [
        max([cell_width(columns[i]) if header else 0, *(cell_width(r[i][0]) for r in shown if i < len(r))])
        for i in range(len(columns))
    ]
    if shown and all(r[-1][0].isascii() for r in shown if len(r) == len(columns)):
        # The last column wraps at spaces, which rich does right for ASCII: it needs only a little room.
        widths[-1] = min(widths[-1], LONG_CELL)
    needed = sum(w + 3 for w in widths) + 1 if header else sum(w + 2 for w in widths)
    if needed <= con.width:
        table = Table(
            title=title or None, title_justify="left", show_header=header, box=box.HEAVY_HEAD if header else None
        )
        for i, col in enumerate(columns):
            table.add_column(col, justify="right" if i in right else "left", overflow="fold")
        for r in shown:  # Text cells: a message's brackets are not rich markup
            table.add_row(*(Text(t, style=s) for t, s in r))
        con.print(table, soft_wrap=False)
        return
    if title:
        print_wrapped(con, Text(title, style="italic"))
    for r in shown:
        if not header:
            line = Text()
            for i, (t, s) in enumerate(r):
                line.append(("  " if i else "") + t, style=s)
            print_wrapped(con, line, indent="  ")
            continue
        print_wrapped(con, Text(r[0][0], style=r[0][1] or "bold"))
        # Short cells as 'column value' pairs, as many to a line as fit; a long one (a note, an error) on a
        # line of its own, which the terminal wraps.
        rowlines: list[Text] = [Text("  ")]
        long: list[Text] = []
        for i, (t, s) in enumerate(r[1:], start=1):
            if not t:
                continue
            label = f"{columns[i]}: " if columns[i] else ""
            if cell_width(t) > LONG_CELL:
                long.append(Text("  " + label).append(t, style=s))
                continue
            pair = Text(label.replace(": ", " "), style="dim").append(t, style=s)
            if len(rowlines[-1]) > 2 and cell_width(rowlines[-1].plain) + 3 + cell_width(pair.plain) > con.width:
                rowlines.append(Text("  "))
            if len(rowlines[-1]) > 2:
                rowlines[-1].append(" · ", style="dim")
            rowlines[-1].append_text(pair)
        for line in [x for x in rowlines if len(x) > 2] + long:
            print_wrapped(con, line, indent="    ")


def confirm(question: str) -> bool:
    """Ask on the terminal; no unless the person says yes."""
    from rich.prompt import Confirm

    return bool(Confirm.ask(question, console=console(), default=False))


@contextmanager
def progress(label: str, total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal (gone when done); yields the function that advances it by one."""
    from rich.progress import Progress

    with Progress(console=console(), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


def print_left_out(diagnostics: Iterable[Diagnostic]) -> None:
    """For commands that go on without the files that have errors (preview, publish): which, and why."""
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        print_diagnostics(errors, sys.stderr)
        sys.stderr.write(
            f"pmcpost: {plural(len(errors), 'problem')} in content; those files are left out (run pmcpost validate)\n"
        )


def print_diagnostics(diagnostics: list[Diagnostic], stream: TextIO | None = None) -> None:
    """``path:line:col: severity: message`` lines; coloured on a terminal."""
    from pmcpost.safetext import visible

    stream = stream or sys.stdout
    if is_plain(stream):
        for d in diagnostics:
            stream.write(f"{visible(str(d), newlines=False)}\n")  # a file name may hold an escape sequence
            for line in d.pointer():
                stream.write(f"{visible(line, newlines=False)}\n")
        return
    from rich.markup import escape

    con = console(stderr=stream is sys.stderr)
    for d in diagnostics:
        colour = "red" if d.severity == "error" else "yellow"
        where = str(d).partition(f": {d.severity}: ")[0]
        where, message = visible(where, newlines=False), visible(d.message, newlines=False)
        con.print(f"[bold]{escape(where)}:[/bold] [{colour}]{d.severity}:[/{colour}] {escape(message)}")
        for line in d.pointer():
            con.print(escape(visible(line, newlines=False)), style="dim" if line.strip() != "^" else colour)
