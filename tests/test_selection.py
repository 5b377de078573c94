"""The command line only parses and calls: one selection of files, one reader of typed times, the CI default
decided in the core."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo

from pmcpost.ci import in_ci, skip_unconfigured
from pmcpost.config import load_config
from pmcpost.errors import EXIT_USAGE, UsageError
from pmcpost.selection import select_files

PACKAGE = Path(__file__).resolve().parent.parent / "pmcpost"


def test_one_selection_of_files(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    config = load_config(root, environ={})
    assert select_files(config) is None  # everything
    assert select_files(config, [str(root / GOOD_PATH)]) == [root / GOOD_PATH]
    assert select_files(config, ["water-supply/2026-12-01-shutdown"]) == [config.content_dir / GOOD_PATH[8:]]
    # config.yaml among the paths (as pre-commit passes it): every announcement depends on it
    assert select_files(config, [str(root / GOOD_PATH), str(root / "config.yaml")]) is None
    with pytest.raises(UsageError) as both:
        select_files(config, [str(root / GOOD_PATH)], "main")
    assert (str(both.value), both.value.exit_code) == (
        "give either PATH|ID arguments or --changed-since, not both",
        EXIT_USAGE,
    )


def test_the_ci_default_for_unconfigured_platforms() -> None:
    assert skip_unconfigured(None, {}) is True  # a workstation: skip, show the dry run
    assert skip_unconfigured(None, {"CI": "true"}) is False  # CI: a missing secret fails the run
    assert skip_unconfigured(None, {"CI": "1"}) is False
    assert skip_unconfigured(None, {"CI": "false"}) is True
    assert skip_unconfigured(True, {"CI": "true"}) is True  # --skip-unconfigured
    assert skip_unconfigured(False, {}) is False  # --fail-unconfigured
    assert [in_ci({"CI": v}) for v in ("true", "TRUE", "1", "", "0", "no")] == [True, True, True, False, False, False]


def test_the_command_line_reads_no_time_and_no_environment_itself() -> None:
    cli = (PACKAGE / "cli.py").read_text(encoding="utf-8")
    typed = r"strptime|fromisoformat|parse_day_or_moment|\bparse_moment\(|\.combine\(|os\.environ\.get"
    assert re.findall(typed, cli) == []
    readers = [
        p.relative_to(PACKAGE).as_posix()
        for p in sorted(PACKAGE.rglob("*.py"))
        if re.search(r"""environ\.get\(\s*["']CI["']""", p.read_text(encoding="utf-8"))
    ]
    assert readers == ["ci.py"]
