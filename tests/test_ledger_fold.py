"""The fold of the audit log: checked before it is trusted (chain and field types), per-part state, the trust
hook, and the checkpoint that makes a run cost only the new entries."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_audit import build_log
from world import CAMP, CAMP_TEXT, ROADS, World, audit_events, emulators, with_files, world

from pmcpost.audit import GENESIS, canonical, line_hash, log_files, read_state
from pmcpost.audit_verify import verify_chain
from pmcpost.checkpoint import checkpoint_path
from pmcpost.cli import cli
from pmcpost.fold import AuditDamaged

__all__ = ["emulators", "world"]  # fixtures, imported so pytest finds them

ROADS_ID = "roads/2026-11-27-road-closure-karve-road"
CAMP_ID = "health/2026-12-02-eye-camp"


# -- tampering helpers --------------------------------------------------------------------------------------


def all_lines(audit: Path) -> list[tuple[Path, bytes]]:
    return [(path, line) for path in log_files(audit) for line in path.read_bytes().splitlines()]


def write_all(audit: Path, rows: list[tuple[Path, bytes]]) -> None:
    for path in log_files(audit):
        path.write_bytes(b"".join(line + b"\n" for p, line in rows if p == path))


def rewrite(audit: Path, index: int, change: Callable[[dict[str, Any]], None], *, rechain: bool) -> str:
    """Change entry ``index``; with ``rechain``, recompute every later ``prev`` as a forger would. Returns the
    changed line's ``file:line`` label (relative to the repository)."""
    rows = all_lines(audit)
    path, line = rows[index]
    entry = json.loads(line)
    change(entry)
    rows[index] = (path, canonical(entry))
    if rechain:
        prev = GENESIS if index == 0 else line_hash(rows[index - 1][1])
        for i in range(index, len(rows)):
            p, raw = rows[i]
            e = json.loads(raw)
            e["prev"] = prev
            raw = canonical(e)
            rows[i] = (p, raw)
            prev = line_hash(raw)
    write_all(audit, rows)
    return label_at(audit, index)


def label_at(audit: Path, index: int) -> str:
    """``audit/FILE:LINE`` of entry ``index`` (0-based, across month files)."""
    rows = all_lines(audit)
    path = rows[index][0]
    return f"audit/{path.name}:{[p for p, _ in rows[: index + 1]].count(path)}"


def index_of(audit: Path, **match: object) -> int:
    for i, (_, raw) in enumerate(all_lines(audit)):
        e = json.loads(raw)
        if all(e.get(k) == v for k, v in match.items()):
            return i
    raise AssertionError(f"no entry {match}")


def checkpoint_entries(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return int(json.loads(db.execute("SELECT value FROM meta WHERE key = 'entries'").fetchone()[0]))


def posted_count(world: World) -> tuple[int, int]:
    return len(world.x.posts), len(world.graph.posts)


# -- checked before it is trusted ---------------------------------------------------------------------------


def test_publish_refuses_a_log_with_an_edited_middle_line(world: World) -> None:
    world = with_files(world, ROADS)
    assert world.run() == 0
    (world.root / CAMP).parent.mkdir(parents=True)
    (world.root / CAMP).write_text(CAMP_TEXT, encoding="utf-8")
    audit = world.config().audit_dir
    middle = index_of(audit, event="posted", platform="facebook")
    where = rewrite(audit, middle, lambda e: e["remote"].update(id="999"), rechain=False)
    before = posted_count(world)

    with pytest.raises(AuditDamaged) as caught:
        world.run()
    assert posted_count(world) == before  # the camp, due now, was not posted anywhere
    following = label_at(audit, middle + 1)  # the line whose prev no longer matches
    assert caught.value.exit_code == 1
    assert str(caught.value) == (
        "the audit log cannot be trusted, so nothing was done:\n"
        f"{following}: prev does not match the entry before it ({where}): an entry was "
        "edited, deleted, inserted or reordered\n"
        "run pmcpost audit verify for the whole picture, and restore the log from git"
    )
    # Through the CLI: exit 1 and the message, no traceback (a dry run reads the same fold).
    result = CliRunner().invoke(
        cli, ["--root", str(world.root), "publish", "--dry-run", "--now", "2026-12-02 10:00"], env=world.env
    )
    assert result.exit_code == 1
    assert f"{following}: prev does not match" in result.stderr
    assert "Traceback" not in result.output


def test_a_chain_valid_line_with_part_a_list_is_a_clean_error(world: World) -> None:
    assert world.run() == 0
    audit = world.config().audit_dir
    where = rewrite(audit, index_of(audit, event="posted"), lambda e: e.update(part=[]), rechain=True)
    before = posted_count(world)

    result = CliRunner().invoke(cli, ["--root", str(world.root), "status", "--now", "2026-12-02 10:00"])
    assert result.exit_code == 1  # not 3: a damaged log is the user's problem to fix, with a place to look
    assert result.stderr == (
        "pmcpost: error: the audit log cannot be trusted, so nothing was done:\n"
        f"{where}: part is [], not a whole number (0 or more)\n"
        "run pmcpost audit verify for the whole picture, and restore the log from git\n"
    )
    with pytest.raises(AuditDamaged, match="part is \\[\\], not a whole number"):
        world.run()
    assert posted_count(world) == before


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda e: e.update(remote="https://x.com/PMCPune/status/1"), 'remote is "https://x.com/PMCPune/status/1"'),
        (lambda e: e.update(time=1764489600), "time 1764489600 is not UTC ISO 8601"),
        (lambda e: e["remote"].update(id=17), "remote.id is 17, not a string"),
        (lambda e: e.update(announcement=None), "announcement is null, not an announcement id"),
        (lambda e: e.update(parts=0), "parts is 0, not a whole number (1 or more)"),
        (lambda e: e.update(part=True), "part is true, not a whole number (0 or more)"),
        (lambda e: e.update(event="deleted"), 'unknown event "deleted"'),
    ],
)
def test_a_forged_posted_entry_with_a_recomputed_chain_is_shape_checked(
    world: World, change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    world = with_files(world, ROADS)
    assert world.run() == 0
    audit = world.config().audit_dir
    forged = dict(json.loads(all_lines(audit)[index_of(audit, event="posted", platform="facebook")][1]))
    forged["announcement"] = CAMP_ID
    change(forged)
    # Appended as a forger would: a new last line chained to the real head.
    path, last = all_lines(audit)[-1]
    forged["prev"] = line_hash(last)
    with path.open("ab") as fh:
        fh.write(canonical(forged) + b"\n")
    number = len(path.read_bytes().splitlines())
    with pytest.raises(AuditDamaged) as caught:
        read_state(audit, root=world.root)
    assert caught.value.problems[0].startswith(f"audit/{path.name}:{number}: {problem}")


def test_retract_refuses_a_damaged_log_and_deletes_nothing(world: World) -> None:
    world = with_files(world, ROADS)
    assert world.run() == 0
    audit = world.config().audit_dir
    where = rewrite(audit, 0, lambda e: e.update(platform=["twitter"]), rechain=True)
    result = CliRunner().invoke(
        cli, ["--root", str(world.root), "retract", ROADS_ID, "--reason", "wrong date", "--yes"], env=world.env
    )
    assert result.exit_code == 1
    assert f'{where}: platform is ["twitter"], not a platform name' in result.stderr
    assert world.x.requests_to("/2/tweets/*", "DELETE") == []
    assert world.graph.live_posts()


def test_an_untrusted_post_claim_is_not_proof(world: World) -> None:
    """The hook for signatures: a ``posted`` claim the policy refuses leaves the part unresolved (publish looks
    it up before posting again), and its place is noted."""
    world = with_files(world, ROADS)
    assert world.run() == 0
    audit = world.config().audit_dir
    facebook = index_of(audit, event="posted", platform="facebook")
    state = read_state(audit, trust=lambda e: e.get("platform") != "facebook")
    rec = state.get(ROADS_ID, "facebook")
    assert (rec.posted, rec.part_state(0)) == ({}, "unresolved")
    assert state.untrusted == [label_at(audit, facebook)]
    assert read_state(audit).get(ROADS_ID, "facebook").part_state(0) == "posted"


# -- the checkpoint -----------------------------------------------------------------------------------------


def test_checkpoint_lives_in_git_and_resumes_to_the_same_state(world: World) -> None:
    world = with_files(world, ROADS)
    assert world.run() == 0
    config = world.config()
    store = checkpoint_path(world.root, config.audit_dir)
    assert store == world.root / ".git" / "pmcpost" / "ledger.sqlite3"
    store.unlink()  # written during the run (the website reads the ledger too); a fresh clone has none
    first = read_state(config.audit_dir, root=world.root)
    assert store.exists()
    (world.root / CAMP).parent.mkdir(parents=True)
    (world.root / CAMP).write_text(CAMP_TEXT, encoding="utf-8")
    assert world.run() == 0  # plans from the checkpoint, then appends
    resumed = read_state(config.audit_dir, root=world.root)
    scratch = read_state(config.audit_dir)
    # The queries the checkpoint answers by look-up give what a scan of a fold from scratch gives.
    assert resumed.platforms_of(CAMP_ID) == scratch.platforms_of(CAMP_ID) == {"twitter", "facebook", "website"}
    for until in ("2026-01-01T00:00:00.000000Z", "2099-01-01T00:00:00.000000Z"):
        assert resumed.department_last_posts(until) == scratch.department_last_posts(until)
    assert set(scratch.department_last_posts("2099-01-01T00:00:00.000000Z")) == {"roads", "health"}
    assert resumed == scratch  # the same as a fold from scratch
    assert resumed.entries == len(audit_events(config)) > first.entries
    assert checkpoint_entries(store) == resumed.entries


def test_checkpoint_is_rebuilt_when_the_log_was_cut(world: World) -> None:
    world = with_files(world, ROADS)
    assert world.run() == 0
    audit = world.config().audit_dir
    read_state(audit, root=world.root)  # checkpoint covers everything
    rows = all_lines(audit)
    cut = index_of(audit, event="posted", platform="website")
    write_all(audit, rows[:cut])  # the website's outcome cut off: its intent is open again
    state = read_state(audit, root=world.root)
    assert state == read_state(audit)
    assert state.get(ROADS_ID, "website").part_state(0) == "unresolved"


def test_checkpoint_sees_an_edit_in_the_newest_month(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    audit = build_log(tmp_path)
    read_state(audit, root=tmp_path)
    # Same length, same modification time: only hashing the covered bytes can see it.
    november = audit / "2026-11.jsonl"
    info = november.stat()
    november.write_bytes(november.read_bytes().replace(b'"id":"1005"', b'"id":"1009"'))
    os.utime(november, ns=(info.st_atime_ns, info.st_mtime_ns))
    with pytest.raises(AuditDamaged) as caught:
        read_state(audit, root=tmp_path)
    assert caught.value.problems == [
        "audit/2026-11.jsonl:3: prev does not match the entry before it (audit/2026-11.jsonl:2): an entry was "
        "edited, deleted, inserted or reordered"
    ]


def test_an_unreadable_checkpoint_is_rebuilt(world: World) -> None:
    world = with_files(world, ROADS)
    assert world.run() == 0
    audit = world.config().audit_dir
    expected = read_state(audit)
    store = checkpoint_path(world.root, audit)
    assert store.exists()
    store.write_bytes(b"SQLite format 3\x00 torn")
    assert read_state(audit, root=world.root) == expected
    assert checkpoint_entries(store) == expected.entries


def test_without_git_the_checkpoint_goes_to_the_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "repo"
    store = checkpoint_path(root, root / "audit")
    assert store.parent.parent == tmp_path / "cache" / "pmcpost"
    assert store.name == "ledger.sqlite3"


def test_the_checkpoint_trusts_older_months_by_size_and_time(tmp_path: Path) -> None:
    """What it cannot see, written down in docs/architecture.md: an older month file edited in place with its
    size and modification time kept. ``audit verify`` (which never uses the checkpoint) still sees it."""
    (tmp_path / ".git").mkdir()
    audit = build_log(tmp_path)
    before = read_state(audit, root=tmp_path)
    october = audit / "2026-10.jsonl"
    info = october.stat()
    october.write_bytes(october.read_bytes().replace(b'"id":"1001"', b'"id":"1009"'))
    os.utime(october, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert read_state(audit, root=tmp_path) == before  # from the checkpoint
    with pytest.raises(AuditDamaged):
        read_state(audit)  # from scratch
    assert not verify_chain(audit).ok


def test_status_and_publish_use_the_same_checked_fold(world: World) -> None:
    """A line damaged after the checkpoint was written is still found: new lines are always checked."""
    world = with_files(world, ROADS)
    assert world.run() == 0
    audit = world.config().audit_dir
    read_state(audit, root=world.root)
    path, last = all_lines(audit)[-1]
    with path.open("ab") as fh:
        fh.write(canonical({**json.loads(last), "prev": line_hash(last), "part": -1}) + b"\n")
    result = CliRunner().invoke(cli, ["--root", str(world.root), "status", "--now", "2026-12-02 10:00"])
    assert result.exit_code == 1
    number = len(path.read_bytes().splitlines())
    assert f"audit/{path.name}:{number}: part is -1, not a whole number (0 or more)" in result.stderr


def test_checkpoint_sees_an_older_month_that_changed_size(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    audit = build_log(tmp_path)
    read_state(audit, root=tmp_path)
    october = audit / "2026-10.jsonl"
    october.write_bytes(october.read_bytes().replace(b'"id":"1001"', b'"id":"10019"'))
    with pytest.raises(AuditDamaged) as caught:
        read_state(audit, root=tmp_path)
    assert caught.value.problems == [
        "audit/2026-10.jsonl:3: prev does not match the entry before it (audit/2026-10.jsonl:2): an entry was "
        "edited, deleted, inserted or reordered"
    ]


def test_checkpoint_resumes_into_a_new_month_file(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from pmcpost.audit import AuditLog

    (tmp_path / ".git").mkdir()
    audit = build_log(tmp_path, months=1)
    read_state(audit, root=tmp_path)
    log = AuditLog(audit, clock=lambda: datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc))
    log.append({"event": "retracted", "announcement": "roads/2026-10-01-notice", "reason": "wrong", "actor": {}})
    resumed = read_state(audit, root=tmp_path)
    assert [p.name for p in log_files(audit)] == ["2026-10.jsonl", "2026-11.jsonl"]
    assert resumed == read_state(audit)
    rec = resumed.get("roads/2026-10-01-notice", "twitter")
    assert (rec.retracted, rec.retract_reason, rec.live) == (True, "wrong", rec.posted)
    assert resumed.get("roads/2026-10-01-notice", "facebook").retracted  # never posted there: stopped too


def test_publish_refuses_a_log_whose_last_run_was_cut_off_here(world: World) -> None:
    """Deleting the last run's lines leaves a valid chain; this machine's note of what it wrote last does not
    match any more, so the next publish stops instead of posting the same announcement a second time."""
    world = with_files(world, ROADS)
    assert world.run() == 0
    (world.root / CAMP).parent.mkdir(parents=True)
    (world.root / CAMP).write_text(CAMP_TEXT, encoding="utf-8")
    assert world.run() == 0
    audit = world.config().audit_dir
    camp_run = json.loads(all_lines(audit)[index_of(audit, announcement=CAMP_ID)][1])["run"]
    write_all(audit, [(p, raw) for p, raw in all_lines(audit) if json.loads(raw).get("run") != camp_run])
    assert verify_chain(audit).ok  # the chain alone cannot tell
    before = posted_count(world)

    with pytest.raises(AuditDamaged) as caught:
        world.run()
    assert posted_count(world) == before  # the camp was not posted a second time
    assert "the entry this machine wrote last" in str(caught.value)
    assert "is no longer in the log: it was cut or rewritten since" in str(caught.value)
    status = CliRunner().invoke(cli, ["--root", str(world.root), "status"], env=world.env)
    assert status.exit_code == 1
    assert "is no longer in the log" in status.stderr


def test_entries_appended_elsewhere_after_this_machine_wrote_are_fine(world: World) -> None:
    """The note is the last entry this machine wrote; entries others appended after it (a CI run, pulled) do
    not make it a cut."""
    world = with_files(world, ROADS)
    assert world.run() == 0
    audit = world.config().audit_dir
    from pmcpost.audit_witness import local_head_file

    note = local_head_file(audit)
    assert note is not None and note.exists()
    saved = note.read_bytes()
    (world.root / CAMP).parent.mkdir(parents=True)
    (world.root / CAMP).write_text(CAMP_TEXT, encoding="utf-8")
    assert world.run() == 0
    note.write_bytes(saved)  # as if the camp's run had happened on another machine
    assert world.run() == 0
