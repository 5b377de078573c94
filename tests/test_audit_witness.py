"""The witnesses of `audit verify`, with real git in temporary repositories: a tail cut off and committed, cut
off before any commit, history rewritten by a commit, and this machine's record of the last head it wrote."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo
from test_gitutil import commit_all, git, init_repo, isolated_git  # noqa: F401 (isolated_git: a fixture)

from pmcpost.audit import AuditLog, canonical
from pmcpost.audit_witness import local_head_file
from pmcpost.cli import cli

START = datetime(2026, 11, 3, 4, 0, tzinfo=timezone.utc)
MONTH = "audit/2026-11.jsonl"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def append(root: Path, count: int, clock: Clock) -> None:
    log = AuditLog(root / "audit", clock=clock)
    for i in range(count):
        log.append({"event": "intent", "announcement": "water-supply/2026-12-01-shutdown", "platform": "x", "part": i})


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Clock]:
    """Five entries in two commits by the publishing job."""
    root = make_repo(tmp_path / "repo", {GOOD_PATH: GOOD_ANNOUNCEMENT})
    init_repo(root)
    clock = Clock()
    append(root, 3, clock)
    commit_all(root, "pmcpost: run 1", who="PMC Bot")
    append(root, 2, clock)
    commit_all(root, "pmcpost: run 2", who="PMC Bot")
    return root, clock


def verify(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), "audit", "verify"])
    return result.exit_code, result.stdout


def lines(root: Path) -> list[bytes]:
    return (root / MONTH).read_bytes().splitlines(keepends=True)


def stamp(root: Path) -> str:
    sha, date = git(root, "log", "-1", "--format=%H %aI").split()
    return f"commit {sha[:12]} by Mallory <mallory@punecorporation.org> on {date}"


def rewrite(where: str, committed: str, line: int) -> str:
    return (
        f"{where} did not only append: the lines {committed} differ from line {line} on (removed, changed or "
        "inserted); the audit log may only grow at its end\n"
    )


def machine_note(root: Path, time: str, sha: str) -> str:
    return (
        f"audit:0: this machine wrote an entry at {time} (sha256 {sha}) that the log no longer holds: entries were "
        f"cut off or rewritten here. If you threw away unpushed entries on purpose, delete "
        f"{local_head_file(root / 'audit')}\n"
    )


def last_head(root: Path) -> tuple[str, str]:
    import hashlib
    import json

    last = lines(root)[-1].rstrip(b"\n")
    return json.loads(last)["time"], hashlib.sha256(last).hexdigest()


def test_a_log_that_only_grew_is_intact_committed_or_not(repo: tuple[Path, Clock]) -> None:
    root, clock = repo
    assert verify(root) == (0, "")
    append(root, 2, clock)  # written, not committed yet
    assert verify(root) == (0, "")


def test_merges_and_new_month_files_are_appends(repo: tuple[Path, Clock]) -> None:
    root, clock = repo
    git(root, "switch", "-q", "-c", "change")
    (root / GOOD_PATH).write_text(GOOD_ANNOUNCEMENT.replace("Thursday", "Friday"), encoding="utf-8")
    commit_all(root, "a coordinator's change")
    git(root, "switch", "-q", "main")
    append(root, 2, clock)
    commit_all(root, "pmcpost: run 3", who="PMC Bot")
    git(root, "merge", "-q", "--no-ff", "-m", "merge the change", "change")
    clock.now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    append(root, 2, clock)  # into 2026-12.jsonl
    commit_all(root, "pmcpost: run 4", who="PMC Bot")
    assert (root / "audit" / "2026-12.jsonl").is_file()
    assert verify(root) == (0, "")


def test_a_tail_cut_off_and_committed_names_the_commit(repo: tuple[Path, Clock]) -> None:
    root, _ = repo
    time, sha = last_head(root)
    (root / MONTH).write_bytes(b"".join(lines(root)[:3]))  # the chain alone still looks whole
    commit_all(root, "tidy the log", who="Mallory")
    assert verify(root) == (
        1,
        rewrite(f"{MONTH}:4: {stamp(root)}", "committed before it", 4) + machine_note(root, time, sha),
    )


def test_a_later_verify_reads_only_new_commits_and_still_names_a_bad_one(repo: tuple[Path, Clock]) -> None:
    root, clock = repo
    assert verify(root) == (0, "")  # remembers HEAD as checked
    append(root, 1, clock)
    commit_all(root, "pmcpost: run 3", who="PMC Bot")
    assert verify(root) == (0, "")
    time, sha = last_head(root)
    (root / MONTH).write_bytes(b"".join(lines(root)[:-2]))
    commit_all(root, "tidy the log", who="Mallory")
    expected = rewrite(f"{MONTH}:5: {stamp(root)}", "committed before it", 5) + machine_note(root, time, sha)
    assert verify(root) == (1, expected)
    append(root, 1, clock)
    commit_all(root, "pmcpost: run 4", who="PMC Bot")
    assert verify(root)[1].startswith(expected.splitlines()[0])  # never remembered past a bad commit


def test_a_committed_tail_cut_off_in_the_working_copy(repo: tuple[Path, Clock]) -> None:
    root, _ = repo
    time, sha = last_head(root)
    (root / MONTH).write_bytes(b"".join(lines(root)[:4]))
    assert verify(root) == (
        1,
        rewrite(f"{MONTH}:5: uncommitted changes", "committed in HEAD", 5) + machine_note(root, time, sha),
    )


def test_entries_cut_off_before_they_were_ever_committed(repo: tuple[Path, Clock]) -> None:
    root, clock = repo
    committed = (root / MONTH).read_bytes()
    append(root, 2, clock)  # a run's entries, on this machine only
    time, sha = last_head(root)
    (root / MONTH).write_bytes(committed)  # git sees nothing: the working copy is HEAD's
    assert verify(root) == (1, machine_note(root, time, sha))


def test_a_deleted_local_record_means_no_note(repo: tuple[Path, Clock]) -> None:
    root, clock = repo
    committed = (root / MONTH).read_bytes()
    append(root, 1, clock)
    (root / MONTH).write_bytes(committed)
    record = local_head_file(root / "audit")
    assert record is not None and record.is_file()
    record.unlink()  # the coordinator threw those entries away on purpose
    assert verify(root) == (0, "")


def test_history_rewritten_with_a_recomputed_chain_names_the_commit(repo: tuple[Path, Clock], tmp_path: Path) -> None:
    import json

    root, _ = repo
    time, sha = last_head(root)
    entries = [json.loads(line) for line in lines(root)]
    entries[1]["platform"] = "facebook"  # a "small correction", every later prev recomputed
    prev = "0" * 64
    out = b""
    import hashlib

    for e in entries:
        e["prev"] = prev
        line = canonical(e)
        out += line + b"\n"
        prev = hashlib.sha256(line).hexdigest()
    (root / MONTH).write_bytes(out)
    commit_all(root, "fix a platform name", who="Mallory")
    assert verify(root) == (
        1,
        rewrite(f"{MONTH}:2: {stamp(root)}", "committed before it", 2) + machine_note(root, time, sha),
    )


def test_a_line_inserted_by_a_commit_and_a_month_file_deleted(repo: tuple[Path, Clock]) -> None:
    root, _ = repo
    old = lines(root)
    (root / MONTH).write_bytes(b"".join([old[0], b'{"event":"posted"}\n', *old[1:]]))
    commit_all(root, "insert", who="Mallory")
    inserted = stamp(root)
    (root / MONTH).unlink()
    commit_all(root, "start afresh", who="Mallory")
    code, out = verify(root)
    assert code == 1
    assert out.splitlines()[:2] == [
        rewrite(f"{MONTH}:2: {inserted}", "committed before it", 2).rstrip("\n"),
        f"{MONTH}:0: {stamp(root)} deleted this month file; the audit log may only grow at its end",
    ]


def test_outside_git_only_the_chain_is_checked(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "plain", {GOOD_PATH: GOOD_ANNOUNCEMENT})
    append(root, 2, Clock())
    assert local_head_file(root / "audit") is None
    assert verify(root) == (0, "")


# -- the pull-request check ----------------------------------------------------------------------------------


def unchanged(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), "audit", "unchanged", "--since", "main", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_pull_request_touching_the_audit_folder_fails_the_check(repo: tuple[Path, Clock]) -> None:
    root, clock = repo
    git(root, "switch", "-q", "-c", "change")
    (root / GOOD_PATH).write_text(GOOD_ANNOUNCEMENT.replace("Thursday", "Friday"), encoding="utf-8")
    commit_all(root, "a coordinator's change")
    git(root, "switch", "-q", "main")
    append(root, 2, clock)  # the publishing job goes on appending on main meanwhile
    commit_all(root, "pmcpost: run 3", who="PMC Bot")
    git(root, "switch", "-q", "change")
    assert unchanged(root) == (0, "", "audit log unchanged since main\n")
    (root / MONTH).write_bytes(b"".join(lines(root)[:-1]))
    commit_all(root, "and tidy the log")
    expected = (
        f"{MONTH}: error: changed by this branch: only the publishing job writes the audit log (audit/), and it "
        f"pushes to the main branch itself; take this change out of the pull request (git checkout main -- {MONTH})"
    )
    assert unchanged(root) == (1, expected + "\n", "1 audit file changed since main\n")
    code, out, _ = unchanged(root, "--format", "github")
    assert code == 1
    assert out.startswith(f"::error file={MONTH}::changed by this branch:")


def test_a_new_file_in_the_audit_folder_counts_too(repo: tuple[Path, Clock]) -> None:
    root, _ = repo
    git(root, "switch", "-q", "-c", "change")
    (root / "audit" / "notes.txt").write_text("forged\n", encoding="utf-8")
    commit_all(root, "notes")
    code, out, _ = unchanged(root)
    assert code == 1
    assert out.startswith("audit/notes.txt: error: changed by this branch")
