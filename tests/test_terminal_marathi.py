"""preview, status, report and doctor with Marathi in a real terminal (tmux) at 80 and 120 columns: read back
from the screen, no line the terminal had to wrap (so no panel border wraps and no word is split), no word lost."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import make_repo
from tmux import screen

from pmcpost.cli import cli

REPO = Path(__file__).resolve().parent.parent
ROADS = "roads/2026-11-27-road-closure-karve-road"
WATER = "water-supply/2026-12-01-shutdown-parvati-zone"
NOW = "2026-12-02 10:00"
COMMANDS = {
    "preview": ["preview", "--now", NOW, ROADS, WATER],
    "status": ["status", "--now", NOW],
    "report": ["report", "--now", NOW],
    "doctor": ["doctor", "--offline"],
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("terminal"))
    shutil.rmtree(root / "content")
    shutil.copytree(REPO / "content", root / "content")
    return root


def environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PMCPOST_")}


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_fits_the_terminal(root: Path, command: str, columns: int) -> None:
    shown = screen([sys.executable, "-m", "pmcpost", *COMMANDS[command]], columns, cwd=root, env=environ())
    assert shown.rows, "nothing on the screen"
    assert shown.wrapped == []
    for row in shown.rows:  # a panel's side borders stay on their own row
        if row.startswith(("│", "╭", "╰")):
            assert row[-1] in "│╮╯", row


@pytest.mark.parametrize("columns", [80, 120])
def test_every_word_of_every_post_shows_whole(root: Path, columns: int) -> None:
    shown = screen([sys.executable, "-m", "pmcpost", *COMMANDS["preview"]], columns, cwd=root, env=environ())
    words = {w for row in shown.rows for w in row.replace("│", " ").split()}
    result = CliRunner().invoke(cli, ["--root", str(root), *COMMANDS["preview"], "--format", "json"])
    records = json.loads(result.stdout)
    expected = {w for r in records for p in r["parts"] for w in p["text"].split()}
    assert any(not w.isascii() for w in expected)  # Marathi is there to be checked
    assert expected - words == set()
