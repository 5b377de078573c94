"""`pmcpost status` says what its counts count and how long each overdue post has waited."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo

from pmcpost.cli import cli


def status(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--root", str(root), "status", "--now", "2026-12-03 12:15", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_counts_are_explained_and_overdue_posts_carry_their_age(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    lines = status(root).splitlines()
    assert "Each count is a post: one announcement on one platform (1 announcement)." in lines
    assert [ln for ln in lines if ln.startswith("due:")] == [
        f"due: water-supply/{Path(GOOD_PATH).stem} on {p} (1 day 18 h overdue)"
        for p in ("twitter", "facebook", "website")
    ]
    (water, *_) = json.loads(status(root, "--format", "json"))
    assert [e["overdue_minutes"] for e in water["due"]] == [2535, 2535, 2535]
