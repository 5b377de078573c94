"""publish warns when the person who last changed a posted file is neither its coordinator nor its approver:
one line per file, the name and address exactly as git has them."""

from __future__ import annotations

import os

import pytest
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
