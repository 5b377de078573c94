"""Announcement files that are symbolic links, or sit in linked folders, are refused: what reviewers saw is
what is posted. Real links on disk, through the real commands."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner, Result
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo, write_file

from pmcpost.cli import cli

RISK = "a link can point outside the repository, or change what is posted without review"
FILE_LINK = (
    f"{GOOD_PATH}: error: is a symbolic link to a file, and pmcpost does not follow links under content/ ({RISK}); "
    "put the announcement itself here"
)


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--root", str(root), *args])


def linked_file_repo(tmp_path: Path) -> Path:
    """A repository whose one announcement is a link to a file outside it (unreviewed, and free to change)."""
    root = make_repo(tmp_path / "repo")
    outside = write_file(tmp_path / "elsewhere", "shutdown.yaml", GOOD_ANNOUNCEMENT)
    (root / GOOD_PATH).parent.mkdir(parents=True)
    os.symlink(outside, root / GOOD_PATH)
    return root


def test_validate_refuses_a_linked_file(tmp_path: Path) -> None:
    root = linked_file_repo(tmp_path)
    for args in ((), (str(root / GOOD_PATH),), ("water-supply/2026-12-01-shutdown",)):
        result = run(root, "validate", *args)
        assert result.exit_code == 1, args
        assert result.stdout == FILE_LINK + "\n", args


def test_validate_refuses_a_linked_department_folder_and_what_is_under_it(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    write_file(tmp_path / "elsewhere", "2026-12-01-shutdown.yaml", GOOD_ANNOUNCEMENT)
    os.symlink(tmp_path / "elsewhere", root / "content" / "water-supply")
    result = run(root, "validate")
    assert result.exit_code == 1
    assert result.stdout == (
        "content/water-supply: error: is a symbolic link to a folder, and pmcpost does not follow links under "
        f"content/ ({RISK}); put the files themselves here\n"
    )
    result = run(root, "validate", str(root / GOOD_PATH))
    assert result.exit_code == 1
    assert result.stdout == (
        f"{GOOD_PATH}: error: sits in content/water-supply, which is a symbolic link, and pmcpost does not follow "
        f"links under content/ ({RISK}); put the announcement itself here\n"
    )


def test_a_link_inside_a_department_to_another_folder_of_the_repository(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"drafts/2026-12-01-shutdown.yaml": GOOD_ANNOUNCEMENT})
    (root / "content" / "water-supply").mkdir()
    os.symlink(root / "drafts", root / "content" / "water-supply" / "more")
    result = run(root, "validate", str(root / "content/water-supply/more/2026-12-01-shutdown.yaml"))
    assert result.exit_code == 1
    assert result.stdout == (
        "content/water-supply/more/2026-12-01-shutdown.yaml: error: sits in content/water-supply/more, which is a "
        f"symbolic link, and pmcpost does not follow links under content/ ({RISK}); put the announcement itself "
        "here\n"
    )


def test_a_dangling_link_is_named_not_skipped(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    (root / "content" / "water-supply").mkdir()
    os.symlink(tmp_path / "gone.yaml", root / GOOD_PATH)
    result = run(root, "validate")
    assert result.exit_code == 1
    assert result.stdout == FILE_LINK + "\n"


def test_preview_and_publish_leave_a_linked_file_out_and_say_why(tmp_path: Path) -> None:
    root = linked_file_repo(tmp_path)
    left_out = FILE_LINK + "\npmcpost: 1 problem in content; those files are left out (run pmcpost validate)\n"
    result = run(root, "preview", "--now", "2026-12-01 18:30", "--format", "json")
    assert result.exit_code == 0
    assert result.stderr == left_out
    assert result.stdout == "[]\n"
    result = run(root, "publish", "--dry-run", "--now", "2026-12-01 18:30")
    assert result.stderr.startswith(left_out)
    assert "water-supply/2026-12-01-shutdown" not in result.stdout
    assert not (root / "audit").exists() or not any((root / "audit").iterdir())


def test_a_real_file_next_to_a_linked_one_is_still_read(tmp_path: Path) -> None:
    root = linked_file_repo(tmp_path)
    other = "content/water-supply/2026-12-02-shutdown.yaml"
    write_file(root, other, GOOD_ANNOUNCEMENT.replace("2026-12-01 18:00", "2026-12-02 18:00"))
    result = run(root, "validate")
    assert result.exit_code == 1
    assert result.stdout == FILE_LINK + "\n"
    assert result.stderr.startswith("1 error, 0 warnings in 2 files")
