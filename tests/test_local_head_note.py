"""This machine's note of the audit log's head (``.git/pmcpost/audit-head.json``), written after every fsync:
replaced in one step through a spare file, and still written after a run was killed half way through a swap."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pmcpost.audit_witness import LocalHeadNote, local_head_file, read_local_head


def make_git_folder(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "audit").mkdir()
    return tmp_path / "audit"


def test_every_write_leaves_the_last_head_and_the_note_replaced_not_rewritten(tmp_path: Path) -> None:
    audit = make_git_folder(tmp_path)
    note = LocalHeadNote(audit)
    note.write("a" * 64, "2026-12-01T04:30:00.000000Z")
    path = local_head_file(audit)
    assert path is not None
    first = os.stat(path).st_ino
    note.write("b" * 64, "2026-12-01T04:31:00.000000Z")
    assert os.stat(path).st_ino != first  # a new file renamed over the note: a reader never sees half of one
    note.write("c" * 64, "2026-12-01T04:32:00.000000Z")
    assert read_local_head(audit) == ("c" * 64, "2026-12-01T04:32:00.000000Z")
    assert json.loads(path.read_bytes()) == {
        "audit": str(audit.resolve()),
        "sha256": "c" * 64,
        "time": "2026-12-01T04:32:00.000000Z",
    }


def test_a_shorter_note_after_a_longer_one_still_reads(tmp_path: Path) -> None:
    audit = make_git_folder(tmp_path)
    note = LocalHeadNote(audit)
    note.write("a" * 64, "2026-12-01T04:30:00.000000Z" + " later" * 20)  # a longer note first
    note.write("b" * 64, "2026-12-01T04:31:00.000000Z")
    note.write("c" * 64, "2026-12-01T04:32:00.000000Z")  # written into the longer one's file
    assert read_local_head(audit) == ("c" * 64, "2026-12-01T04:32:00.000000Z")


def written_twice(tmp_path: Path) -> tuple[Path, LocalHeadNote, Path]:
    """A git folder whose note was written twice (so a spare file exists): the audit folder, the writer, the note."""
    audit = make_git_folder(tmp_path)
    note = LocalHeadNote(audit)
    note.write("a" * 64, "2026-12-01T04:30:00.000000Z")
    note.write("b" * 64, "2026-12-01T04:31:00.000000Z")
    path = local_head_file(audit)
    assert path is not None
    return audit, note, path


def test_a_swap_cut_short_by_a_kill_does_not_stop_the_next_note(tmp_path: Path) -> None:
    audit, _, path = written_twice(tmp_path)
    os.link(path, path.with_name(f".{path.name}.old"))  # killed just after linking the old note
    LocalHeadNote(audit).write("c" * 64, "2026-12-01T04:32:00.000000Z")
    assert read_local_head(audit) == ("c" * 64, "2026-12-01T04:32:00.000000Z")
    path.with_name(f".{path.name}.spare").unlink()  # killed just after renaming the spare over the note
    LocalHeadNote(audit).write("d" * 64, "2026-12-01T04:33:00.000000Z")
    assert read_local_head(audit) == ("d" * 64, "2026-12-01T04:33:00.000000Z")


def test_a_deleted_note_is_written_afresh(tmp_path: Path) -> None:
    audit, note, path = written_twice(tmp_path)
    path.unlink()  # entries thrown away on purpose, as the message of a cut says
    assert read_local_head(audit) is None
    note.write("c" * 64, "2026-12-01T04:32:00.000000Z")
    assert read_local_head(audit) == ("c" * 64, "2026-12-01T04:32:00.000000Z")


def test_a_sync_with_nothing_new_leaves_the_note_alone_and_a_failed_note_is_tried_again(tmp_path: Path) -> None:
    from pmcpost.audit import AuditLog

    audit = make_git_folder(tmp_path)
    log = AuditLog(audit)
    log.append({"event": "intent", "announcement": "roads/2026-12-01-a", "platform": "twitter"})
    path = local_head_file(audit)
    assert path is not None
    noted = os.stat(path).st_ino
    log.sync()  # the end of a run: nothing written since the last note
    assert os.stat(path).st_ino == noted
    path.unlink()
    path.mkdir()  # a folder where the note goes: it cannot be replaced now
    log.append({"event": "posted", "announcement": "roads/2026-12-01-a", "platform": "twitter"})
    assert read_local_head(audit) is None
    path.rmdir()
    log.sync()  # nothing new, but the head was never noted: noted now
    assert read_local_head(audit) == (log._prev, log._last_time)
