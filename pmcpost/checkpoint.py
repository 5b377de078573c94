"""The ledger's checkpoint: the folded state kept outside git, so a run folds only the entries written since.

It is an SQLite file in the git directory (``.git/pmcpost/ledger.sqlite3``, per worktree; outside a git
checkout, in the user's cache folder): the folded records, read on demand, plus the chain head and, per month
file, how far it was folded. It is derived data, rebuilt from the log when it is missing, unreadable, from
another version or trust policy, or does not match the log:

- every folded file must still be there, in order, with no new month file sorting before the newest folded;
- the newest folded file's folded bytes are hashed in full and must give the recorded sha256, so an edit, cut
  or insertion in the month being written is seen;
- each older folded file must keep its size and modification time, and its last folded line must hash to the
  recorded value.

Every line folded after the checkpoint is checked like any other. What it cannot see: an edit to an older
month file that keeps the file's size and whose modification time was set back. ``pmcpost audit verify``
never uses the checkpoint. Whoever can write the checkpoint can also write ``.git/hooks``: a cache, not
evidence. Updates run in one SQLite transaction, so a reader sees the old checkpoint or the new one, and a
state keeps reading the snapshot it was folded from.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator, MutableMapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from pmcpost import __version__
from pmcpost.audit import LedgerState, PlatformRecord, Retraction, line_hash
from pmcpost.fold import FOLD_VERSION, FileMark, Folder, Trust, fold_files

CHECKPOINT_NAME = "ledger.sqlite3"
_CHUNK = 1 << 20
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    announcement TEXT NOT NULL,
    platform TEXT NOT NULL,
    department TEXT NOT NULL,
    last_posted TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY (announcement, platform)
);
CREATE INDEX IF NOT EXISTS records_by_department ON records (department, last_posted);
"""


def checkpoint_path(root: Path, directory: Path) -> Path:
    """Inside the git directory (never committed; per worktree), else in the user's cache folder."""
    from pmcpost.gitutil import find_git_dir

    git_dir = find_git_dir(root.resolve())
    if git_dir is not None:
        return git_dir / "pmcpost" / CHECKPOINT_NAME
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    key = hashlib.sha256(str(directory.resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(cache) / "pmcpost" / key / CHECKPOINT_NAME


# -- records in and out ---------------------------------------------------------------------------------

_INT_KEYED = frozenset(("posted", "pending", "failed_parts", "retracted_parts", "retracting", "retract_failed"))
_DEFAULTS = PlatformRecord()
_RECORD_FIELDS = tuple(f.name for f in fields(PlatformRecord))


def record_out(rec: PlatformRecord) -> str:
    out: dict[str, Any] = {}
    for name in _RECORD_FIELDS:
        value = getattr(rec, name)
        if value != getattr(_DEFAULTS, name):
            out[name] = [[k, v] for k, v in value.items()] if name in _INT_KEYED else value
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def record_in(text: str) -> PlatformRecord:
    data = json.loads(text)
    for name in _INT_KEYED.intersection(data):
        data[name] = {k: v for k, v in data[name]}
    return PlatformRecord(**data)


class RecordStore(MutableMapping[tuple[str, str], PlatformRecord]):
    """The checkpoint's records, read on demand and kept once read (callers may change them in memory)."""

    def __init__(self, db: sqlite3.Connection, *, empty: bool = False) -> None:
        self._db = db
        self._cache: dict[tuple[str, str], PlatformRecord] = {}
        self._all = empty  # an emptied store has nothing to look up

    def __getitem__(self, key: tuple[str, str]) -> PlatformRecord:
        found = self._cache.get(key)
        if found is None and not self._all:
            row = self._db.execute("SELECT data FROM records WHERE announcement = ? AND platform = ?", key).fetchone()
            if row is not None:
                found = self._cache[key] = record_in(row[0])
        if found is None:
            raise KeyError(key)
        return found

    def __setitem__(self, key: tuple[str, str], value: PlatformRecord) -> None:
        self._cache[key] = value

    def __delitem__(self, key: tuple[str, str]) -> None:
        self._load_all()
        del self._cache[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        self._load_all()
        return iter(self._cache)

    def __len__(self) -> int:
        self._load_all()
        return len(self._cache)

    def _load_all(self) -> None:
        if not self._all:
            for a, p, data in self._db.execute("SELECT announcement, platform, data FROM records"):
                self._cache.setdefault((a, p), record_in(data))
            self._all = True

    def platforms_of(self, announcement: str) -> set[str]:
        rows = self._db.execute("SELECT platform FROM records WHERE announcement = ?", (announcement,))
        return {p for (p,) in rows} | {p for (a, p) in self._cache if a == announcement}

    def department_last_posts(self, until: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for slug in self.departments():  # one index look-up each, not a scan of every record
            row = self._db.execute(
                "SELECT MAX(last_posted) FROM records WHERE department = ? AND last_posted < ?", (slug, until)
            ).fetchone()
            if row[0]:
                out[slug] = row[0]
        return out

    def departments(self) -> set[str]:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'departments'").fetchone()
        known = set(json.loads(row[0])) if row else set()
        return known | {a.split("/", 1)[0] for a, _ in self._cache}

    def save(self, keys: set[tuple[str, str]]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?)",
            (
                (a, p, a.split("/", 1)[0], self._cache[(a, p)].last_posted, record_out(self._cache[(a, p)]))
                for a, p in sorted(keys)
            ),
        )


# -- reading, checking and updating ---------------------------------------------------------------------


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Autocommit mode: transactions are begun and ended explicitly below.
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    try:
        # WAL: a state keeps reading its own snapshot while a later run updates the checkpoint.
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
    except sqlite3.Error:
        db.close()
        raise
    return db


def _meta(db: sqlite3.Connection) -> dict[str, Any]:
    return {key: json.loads(value) for key, value in db.execute("SELECT key, value FROM meta")}


def _matching_marks(
    meta: dict[str, Any], directory: Path, files: list[Path], trust_key: str
) -> tuple[list[FileMark], Any] | None:
    """The checkpoint's file marks and the newest file's running hash, when it matches the log; else None."""
    expected = {"format": FOLD_VERSION, "version": __version__, "trust": trust_key, "directory": str(directory)}
    if any(meta.get(k) != v for k, v in expected.items()):
        return None
    marks = [FileMark(**m) for m in meta["files"]]
    if not marks or [m.name for m in marks] != [p.name for p in files[: len(marks)]]:
        return None
    for mark in marks[:-1]:  # older months: unchanged since they were folded
        info = (directory / mark.name).stat()
        if info.st_size != mark.size or info.st_mtime_ns != mark.mtime_ns:
            return None
        with (directory / mark.name).open("rb") as fh:
            fh.seek(mark.size - mark.last_len)
            if line_hash(fh.read(mark.last_len)) != mark.last_hash:
                return None
    newest = marks[-1]
    hasher = hashlib.sha256()
    with (directory / newest.name).open("rb") as fh:
        left = newest.size
        while left:
            chunk = fh.read(min(_CHUNK, left))
            if not chunk:
                return None  # the file shrank
            hasher.update(chunk)
            left -= len(chunk)
    if hasher.hexdigest() != newest.prefix_sha256:
        return None
    return marks, hasher


def fold_with_checkpoint(
    directory: Path, root: Path, files: list[Path], trust: Trust | None, trust_key: str
) -> LedgerState | None:
    """Fold from the checkpoint (rebuilt when it does not match), or None when it cannot be used at all."""
    path = checkpoint_path(root, directory)
    for attempt in (1, 2):
        try:
            db = _open(path)
        except (sqlite3.OperationalError, OSError):
            return None  # busy, or a folder we cannot write: fold without it
        except sqlite3.Error:
            if attempt == 2:
                return None
            _remove(path)  # not a database (a torn or foreign file): start again
            continue
        try:
            return _fold(db, directory.resolve(), root, files, trust, trust_key)
        except sqlite3.OperationalError:
            db.close()  # busy (another run holds it past the timeout) or read-only: fold without it
            return None
        except (sqlite3.Error, OSError, ValueError, KeyError, TypeError):
            db.close()  # damaged: start again
            if attempt == 2:
                return None
            _remove(path)
    return None


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _fold(
    db: sqlite3.Connection, directory: Path, root: Path, files: list[Path], trust: Trust | None, trust_key: str
) -> LedgerState:
    db.execute("BEGIN IMMEDIATE")  # one updater at a time; readers see the last committed checkpoint
    try:
        meta = _meta(db)
        found = _matching_marks(meta, directory, files, trust_key)
        store = RecordStore(db, empty=found is None)
        if found is None:
            db.execute("DELETE FROM records")
            db.execute("DELETE FROM meta")
            state = LedgerState(records=store)
            marks: list[FileMark] = []
            hasher: Any = hashlib.sha256()
            last_where = ""
        else:
            marks, hasher = found
            state = LedgerState(
                records=store,
                post_times=meta["post_times"],
                active_since=meta["active_since"],
                retractions={a: Retraction(*r) for a, r in meta["retractions"].items()},
                untrusted=meta["untrusted"],
                backoff=meta.get("backoff", {}),
                frozen=meta.get("frozen"),
                ok_runs=meta.get("ok_runs", {}),
                entries=meta["entries"],
                head=meta["head"],
            )
            last_where = meta["last_where"]
        folder = Folder(state, trust, last_where)
        before = [FileMark(**m.__dict__) for m in marks]
        fold_files(directory, root, files, folder, marks, hasher)
        if marks != before:
            store.save(folder.touched)
            values = {
                "format": FOLD_VERSION,
                "version": __version__,
                "trust": trust_key,
                "directory": str(directory),
                "files": [m.__dict__ for m in marks],
                "last_where": folder.last_where,
                "post_times": state.post_times,
                "active_since": state.active_since,
                "retractions": {a: [r.reason, r.time, r.actor] for a, r in state.retractions.items()},
                "untrusted": state.untrusted,
                "backoff": state.backoff,
                "frozen": state.frozen,
                "ok_runs": state.ok_runs,
                "departments": sorted(store.departments()),
                "entries": state.entries,
                "head": state.head,
            }
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                ((k, json.dumps(v, ensure_ascii=False)) for k, v in values.items()),
            )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    # Records are read on demand: pin this snapshot, so they stay the ones this state was folded from.
    db.execute("BEGIN")
    db.execute("SELECT COUNT(*) FROM meta").fetchone()
    return state
