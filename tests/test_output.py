"""The one terminal layer: rich only in pmcpost.output, plain unfolded lines when piped, tables that turn into
lists on a narrow terminal, and one helper for plurals."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo
from terminal import run_in_terminal

from pmcpost.config import load_config
from pmcpost.output import plural

PACKAGE = Path(__file__).resolve().parent.parent / "pmcpost"
PYTHON = sys.executable


def _modules_importing(name: str) -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            if any(n == name or n.startswith(name + ".") for n in names):
                found.append(path.relative_to(PACKAGE).as_posix())
                break
    return found


def test_rich_is_imported_only_by_the_output_layer() -> None:
    users = _modules_importing("rich")
    assert users, "the output layer uses rich"
    assert [m for m in users if not m.startswith("output/")] == []


def test_no_hand_written_plurals_outside_the_helper() -> None:
    """No `'s' if n != 1 else ''` branches and no 'post(s)' in messages: pmcpost.words.plural says it."""
    branch = re.compile(r"(?:!=|==)\s*1\s+else\b")
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "words.py":
            continue
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(PACKAGE).as_posix()
        found += [f"{where}:{n}" for n, line in enumerate(text.splitlines(), start=1) if branch.search(line)]
        for node in ast.walk(ast.parse(text)):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            # 'http(s)' is not a plural; the freeze entry's reason is the audit log's wording, kept as it is
            if re.search(r"[a-z]\(s\)", node.value) and not re.search(r"http\(s\)|post\(s\) not made", node.value):
                found.append(f"{where}:{node.lineno}")
    assert found == []


def test_plural() -> None:
    assert [plural(n, "post") for n in (0, 1, 2)] == ["0 posts", "1 post", "2 posts"]
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(3, "entry", "entries") == "3 entries"
    assert [plural(n, "it was", "they were", count=False) for n in (1, 2)] == ["it was", "they were"]


def _environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMCPOST_") and k not in ("CI", "COLUMNS")}
    return env | extra


def test_piped_doctor_keeps_every_line_whole(tmp_path: Path) -> None:
    """`pmcpost doctor --offline | cat` once folded the variable names at 120 columns."""
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    variables = list(load_config(root, environ={}).platforms["twitter"].credentials.values())
    for env in (_environ(), _environ(COLUMNS="60")):
        out = subprocess.run(
            [PYTHON, "-m", "pmcpost", "doctor", "--offline"], cwd=root, env=env, capture_output=True, text=True
        ).stdout
        assert f"!!  twitter   not set: {', '.join(variables)}" in out.splitlines()
        assert "\x1b" not in out


def test_no_color_on_a_terminal_is_plain_and_unfolded(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    variables = list(load_config(root, environ={}).platforms["twitter"].credentials.values())
    env = _environ()
    out = run_in_terminal([PYTHON, "-c", NO_COLOR_DOCTOR], 80, cwd=root, env=env)
    assert f"!!  twitter   not set: {', '.join(variables)}" in out.splitlines()


NO_COLOR_DOCTOR = "import os, sys; os.environ['NO_COLOR'] = '1'; sys.argv = ['pmcpost', 'doctor', '--offline']; " + (
    "from pmcpost.cli import main; main()"
)


def test_status_in_a_terminal_80_columns_wide_is_a_list(tmp_path: Path) -> None:
    """At 80 columns the table (one word per line once) becomes a block per department; wider, a table."""
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    args = [PYTHON, "-m", "pmcpost", "status", "--now", "2026-12-02 10:00"]
    lines = run_in_terminal(args, 80, cwd=root, env=_environ()).splitlines()
    at = lines.index("water-supply")
    assert lines[0] == "pmcpost status"
    assert lines[at + 1 : at + 3] == [
        "  scheduled 0 · due 3 · posted 0 · failed 0 · missed 0 · expired 0 · changed 0",
        "  note: dormant: no post on record and nothing scheduled",
    ]
    assert all(len(line) <= 80 for line in lines if not line.startswith(("due:", "  note:")))
    wide = run_in_terminal(args, 140, cwd=root, env=_environ()).splitlines()
    assert any(re.match(r"┃ department +┃ scheduled ┃ due ┃ posted ┃", line) for line in wide)
    assert any(re.match(r"│ water-supply +│ +0 │ +3 │ +0 │", line) for line in wide)


TABLE = """
from pmcpost.output import show_table
show_table("t", ["id", "title"], [["a", "{title}"]])
"""


def test_a_marathi_cell_is_not_trusted_to_rich_s_width(tmp_path: Path) -> None:
    """rich measures this title narrower than terminals draw it: the table gives way to a list before the
    terminal would wrap its borders."""
    from rich.cells import cell_len

    title = "गुरुवारी पर्वती जलकेंद्र परिसरात पाणीपुरवठा बंद राहील, नागरिकांनी पाणी साठवून ठेवावे"
    columns = cell_len(title) + 12  # the table fits by rich's measure, not by the code points a terminal may need
    assert len(title) + 10 > columns
    out = run_in_terminal([PYTHON, "-c", TABLE.format(title=title)], columns, env=_environ())
    # a list, its long cell wrapped between words by code points (never fewer than the terminal's cells)
    lines = out.splitlines()
    assert lines[:2] == ["t", "a"] and lines[2].startswith("  title: गुरुवारी") and lines[3].startswith("    ")
    assert " ".join(line.strip() for line in lines[2:]) == f"title: {title}"
    assert all(len(line) <= columns for line in lines)
    ascii_title = "x" * len(title)
    out = run_in_terminal([PYTHON, "-c", TABLE.format(title=ascii_title)], len(title) + 20, env=_environ())
    assert any(line.startswith("┃ id ┃ title") for line in out.splitlines())


LONG_MR = "पर्वती जलकेंद्रातील तातडीच्या देखभाल-दुरुस्तीमुळे गुरुवारी पर्वती, सहकारनगर आणि कात्रज परिसराचा पाणीपुरवठा बंद राहील."


def test_preview_draws_no_border_that_a_marathi_line_would_break(tmp_path: Path) -> None:
    body = GOOD_ANNOUNCEMENT.replace("पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील.", LONG_MR)
    root = make_repo(tmp_path, {GOOD_PATH: body})
    args = [PYTHON, "-m", "pmcpost", "preview", "--platform", "website", "--now", "2026-11-30 10:00"]
    narrow = run_in_terminal(args, 80, cwd=root, env=_environ()).splitlines()
    assert narrow[0] == "── water-supply/2026-12-01-shutdown → website ──"
    assert LONG_MR in " ".join(narrow)  # wrapped between words, by a measure never narrower than the terminal's
    assert all(len(line) <= 80 for line in narrow)
    assert not any(line.startswith(("│", "╭", "╰")) for line in narrow)
    wide = run_in_terminal(args, 200, cwd=root, env=_environ()).splitlines()
    assert wide[0] == "── water-supply/2026-12-01-shutdown → website ──"  # Marathi: no border, however wide
    assert LONG_MR in wide
