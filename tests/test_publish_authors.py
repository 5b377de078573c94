"""publish warns when the person who last changed a posted file is neither its coordinator nor its approver:
one line per file, the name and address exactly as git has them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo
from terminal import run_in_terminal
from world import CAMP, ROADS, World, quiet_git


def test_each_posted_file_last_changed_by_someone_else_is_named_once(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.run() == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "was last changed by" in line]
    assert warnings == [
        f"warning: {path} was last changed by Test Runner <tests@example.org>, who is neither its coordinator nor "
        "its approver"
        for path in (ROADS, CAMP)
    ]


def test_a_name_that_looks_like_markup_is_shown_as_git_has_it(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    (world.root / ROADS).write_text((world.root / ROADS).read_text(encoding="utf-8") + "# checked\n", "utf-8")
    who = {"GIT_AUTHOR_NAME": "[bold]Ravi[/bold]", "GIT_AUTHOR_EMAIL": "ravi@example.org"}
    quiet_git(world.root, "commit", "-qam", "a contractor's edit", env=os.environ | who)
    assert world.run() == 0
    err = capsys.readouterr().err
    assert (
        f"warning: {ROADS} was last changed by [bold]Ravi[/bold] <ravi@example.org>, who is neither its "
        "coordinator nor its approver"
    ) in err.splitlines()


def test_in_a_terminal_too_the_name_is_shown_as_git_has_it(tmp_path: Path) -> None:
    """On a terminal the warnings go through rich: a name written as markup, or holding a control character
    (anyone who commits chooses their name), is shown as written, the character escaped."""
    root = make_repo(tmp_path / "repo", {GOOD_PATH: GOOD_ANNOUNCEMENT})
    who = {"GIT_AUTHOR_NAME": "[bold]Ravi[/bold] \x1b[2J", "GIT_AUTHOR_EMAIL": "ravi@example.org"}
    quiet_git(root, "init", "-q")
    quiet_git(root, "add", "-A")
    quiet_git(root, "commit", "-qm", "a contractor's file", env=os.environ | who)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMCPOST_")}
    at_time = [sys.executable, str(Path(__file__).with_name("at_time.py")), "2026-12-02 10:00"]
    out = run_in_terminal([*at_time, "publish", "--yes"], 200, cwd=root, env=env)
    assert (
        f"warning: {GOOD_PATH} was last changed by [bold]Ravi[/bold] \\x1b[2J <ravi@example.org>, who is neither "
        "its coordinator nor its approver"
    ) in out.splitlines()
