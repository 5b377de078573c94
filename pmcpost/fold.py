"""Folding the audit log into a ``LedgerState``: every line checked before it is believed, and resumed from a
checkpoint so a run costs only the entries written since the last one.

The checkpoint is derived data kept outside git (``.git/pmcpost/ledger-checkpoint.json``): the folded state,
the chain head, and per month file the bytes it covers. It is rebuilt from the log when it is missing,
unreadable, from another version, or does not match the log:

- every covered file must still be there, in order, with no new month file sorting before the newest covered;
- the newest covered file's covered bytes are hashed in full and must give the recorded sha256, so any edit,
  cut or insertion in the month being written is seen;
- each older covered file must keep its size and modification time, and its covered last line must hash to
  the recorded value.

What it cannot see: an edit to an older month file that keeps the file's size and whose modification time was
set back by hand. ``pmcpost audit verify`` never uses the checkpoint, and the git history is the witness for
such edits. Whoever can write the checkpoint can also write ``.git/hooks``: it is a cache, not evidence.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from pmcpost import __version__
from pmcpost.audit import (
    EVENTS,
    LedgerState,
    PlatformRecord,
    Retraction,
    line_hash,
    log_files,
)
from pmcpost.errors import AuditError

Trust = Callable[[Mapping[str, Any]], bool]

# Bump when the fold's meaning changes: every checkpoint written before is then rebuilt.
FOLD_VERSION = 1
CHECKPOINT_NAME = "ledger-checkpoint.json"
KNOWN_EVENTS = frozenset((*EVENTS, "missed"))
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_SHOWN = 20
_CHUNK = 1 << 20


class AuditDamaged(AuditError):
    """The audit log has lines that cannot be trusted; ``problems`` are ``file:line: what is wrong``."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_SHOWN]
        more = len(problems) - len(shown)
        lines = "\n".join(shown) + (f"\n... and {more} more" if more else "")
        super().__init__(
            "the audit log cannot be trusted, so nothing was done:\n"
            f"{lines}\n"
            "run pmcpost audit verify for the whole picture, and restore the log from git"
        )
        self.problems = problems


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _optional(e: Mapping[str, Any], name: str, kind: type, what: str) -> str | None:
    if name in e and not isinstance(e[name], kind):
        return f"{name} is {_show(e[name])}, not {what}"
    return None


def _whole(e: Mapping[str, Any], name: str, least: int) -> str | None:
    if name in e:
        value = e[name]
        if type(value) is not int or value < least:
            return f"{name} is {_show(value)}, not a whole number ({least} or more)"
    return None


def shape_problem(e: Mapping[str, Any]) -> str | None:
    """What is wrong with the type of a field the fold reads, or None. (``audit verify`` checks the rest.)"""
    event = e.get("event")
    if event not in KNOWN_EVENTS:
        return "missing field event" if "event" not in e else f"unknown event {_show(event)}"
    moment = e.get("time")
    if not isinstance(moment, str) or not TIME_RE.match(moment):
        return f"time {_show(moment)} is not UTC ISO 8601 (such as 2026-11-03T09:30:00.000000Z)"
    if event == "freeze":
        return None
    announcement = e.get("announcement")
    if not isinstance(announcement, str) or not announcement:
        return f"announcement is {_show(announcement)}, not an announcement id"
    platform = e.get("platform")
    if platform is None and "platform" not in e:
        if event != "retracted":  # only a retraction may speak for every platform
            return f"a {event} entry without a platform"
    elif not isinstance(platform, str) or not platform:
        return f"platform is {_show(platform)}, not a platform name"
    remote = e.get("remote")
    if "remote" in e:
        if not isinstance(remote, dict):
            return f"remote is {_show(remote)}, not an object with id and url"
        for key in ("id", "url"):
            if remote.get(key) is not None and not isinstance(remote[key], str):
                return f"remote.{key} is {_show(remote[key])}, not a string"
    return (
        _whole(e, "part", 0)
        or _whole(e, "parts", 1)
        or _optional(e, "error", str, "a string")
        or _optional(e, "reason", str, "a string")
        or _optional(e, "run", str, "a string")
        or _optional(e, "content_sha256", str, "a string")
        or _optional(e, "expires_at", str, "a string")
        or _optional(e, "actor", dict, "an object")
        or _optional(e, "unresolved", bool, "true or false")
    )


class Folder:
    """Checks and folds lines one at a time into ``state``; problems are collected, not raised."""

    def __init__(self, state: LedgerState, trust: Trust | None, last_where: str = "") -> None:
        self.state = state
        self.trust = trust
        self.problems: list[str] = []
        self.last_where = last_where  # "file:line" of the last line folded, for chain messages

    def line(self, where: str, raw: bytes) -> None:
        """One line (without its newline) at ``where`` ("file:line")."""
        state = self.state
        state.entries += 1
        expected = state.head
        state.head = line_hash(raw)
        previous, self.last_where = self.last_where, where
        try:
            e = json.loads(raw)
        except ValueError:
            self.problems.append(f"{where}: not a JSON object")
            return
        if not isinstance(e, dict):
            self.problems.append(f"{where}: not a JSON object")
            return
        prev = e.get("prev")
        if prev != expected:
            if not isinstance(prev, str) or not HEX64_RE.match(prev):
                self.problems.append(f"{where}: prev is {_show(prev)}, not a sha256 (64 lower-case hex digits)")
            elif not previous:
                self.problems.append(
                    f"{where}: prev is not the genesis value (64 zeros) although this is the first entry: "
                    "earlier entries or month files were deleted"
                )
            else:
                self.problems.append(
                    f"{where}: prev does not match the entry before it ({previous}): an entry was edited, "
                    "deleted, inserted or reordered"
                )
            return
        problem = shape_problem(e)
        if problem:
            self.problems.append(f"{where}: {problem}")
            return
        self.apply(e, where)

    def _record(self, announcement: str, platform: str) -> PlatformRecord:
        key = (announcement, platform)
        rec = self.state.records.get(key)
        if rec is None:
            rec = self.state.records[key] = PlatformRecord()
            stop = self.state.retractions.get(announcement)
            if stop is not None:
                rec.retracted, rec.retract_reason = True, stop.reason
        return rec

    def _trusted(self, e: Mapping[str, Any], where: str) -> bool:
        if self.trust is None or self.trust(e):
            return True
        self.state.untrusted.append(where)
        return False

    def apply(self, e: dict[str, Any], where: str) -> None:
        event = e["event"]
        if event == "freeze":
            return
        state = self.state
        announcement: str = e["announcement"]
        platform: str | None = e.get("platform")
        if platform is None:  # an announcement-level retraction: stops it on every platform
            if not self._trusted(e, where):
                return
            if announcement not in state.retractions:
                state.retractions[announcement] = Retraction(e.get("reason") or "", e["time"], e.get("actor"))
            for (a, _), rec in state.records.items():
                if a == announcement and not rec.retracted:
                    rec.retracted, rec.retract_reason = True, e.get("reason")
            return
        rec = self._record(announcement, platform)
        part: int = e.get("part", 0)
        if "parts" in e:
            rec.parts = max(rec.parts, e["parts"])
        if event == "intent":
            rec.pending[part] = e
        elif event in ("posted", "reconciled"):
            if not self._trusted(e, where):
                # Not proof that it went out: leave it unresolved, so publish looks it up before posting.
                rec.pending.setdefault(part, e)
                return
            rec.pending.pop(part, None)
            if event == "posted":
                state.post_times.setdefault(platform, []).append(e["time"])
            remote = e.get("remote")
            if remote:
                rec.posted[part] = remote
                rec.failed = None
                rec.failed_parts.pop(part, None)
                if rec.content_sha256 is None:
                    rec.content_sha256 = e.get("content_sha256")
                rec.last_posted = e["time"]
        elif event == "held":  # an intent this run never acted on
            rec.pending.pop(part, None)
        elif event == "failed":
            error = e.get("error") or "failed"
            if "part" in e and part in rec.retracting:  # deleting this part failed: it is still live
                del rec.retracting[part]
                rec.retract_failed[part] = error
                return
            if not e.get("unresolved"):  # an unresolved failure leaves the intent open: look before posting
                rec.pending.pop(part, None)
            rec.failed = error
            if "part" in e:
                rec.failed_parts[part] = error
        elif event == "retract-intent":
            rec.retracting[part] = e
        elif event == "retracted":
            if not self._trusted(e, where):
                return
            if not rec.retracted:
                rec.retracted, rec.retract_reason = True, e.get("reason")
            if "part" in e:
                rec.retracting.pop(part, None)
                rec.retract_failed.pop(part, None)
                rec.retracted_parts[part] = e.get("remote") or rec.posted.get(part) or {}
        elif event == "missed":
            rec.missed = True
            rec.missed_time = e["time"]


# ---- the checkpoint -------------------------------------------------------------------------------------


@dataclass
class FileMark:
    """How much of one month file a checkpoint covers."""

    name: str
    size: int  # bytes covered (whole lines)
    lines: int  # line numbers covered
    mtime_ns: int  # when the file was last changed, as seen when it was covered
    last_hash: str  # sha256 of the last covered line
    last_len: int  # its length in bytes, newline included
    prefix_sha256: str = ""  # sha256 of all covered bytes (kept for the newest file only)


def _git_dir(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        marker = folder / ".git"
        if marker.is_dir():
            return marker
        if marker.is_file():  # a worktree: ".git" names its own git directory
            text = marker.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                target = Path(text.removeprefix("gitdir:").strip())
                return target if target.is_absolute() else (folder / target).resolve()
            return None
    return None


def checkpoint_path(root: Path, directory: Path) -> Path:
    """Inside the git directory (never committed; per worktree), else in the user's cache folder."""
    git_dir = _git_dir(root.resolve())
    if git_dir is not None:
        return git_dir / "pmcpost" / CHECKPOINT_NAME
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    key = hashlib.sha256(str(directory.resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(cache) / "pmcpost" / key / CHECKPOINT_NAME


_INT_KEYED = ("posted", "pending", "failed_parts", "retracted_parts", "retracting", "retract_failed")
_RECORD_FIELDS = tuple(f.name for f in fields(PlatformRecord))
_DEFAULTS = PlatformRecord()


def _record_out(rec: PlatformRecord) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _RECORD_FIELDS:
        value = getattr(rec, name)
        if value == getattr(_DEFAULTS, name):
            continue
        out[name] = [[k, v] for k, v in value.items()] if name in _INT_KEYED else value
    return out


def _record_in(data: dict[str, Any]) -> PlatformRecord:
    for name in _INT_KEYED:
        if name in data:
            data[name] = {k: v for k, v in data[name]}
    return PlatformRecord(**data)


def _state_out(state: LedgerState) -> dict[str, Any]:
    return {
        "records": [[a, p, _record_out(r)] for (a, p), r in state.records.items()],
        "post_times": state.post_times,
        "retractions": {a: [r.reason, r.time, r.actor] for a, r in state.retractions.items()},
        "untrusted": state.untrusted,
        "entries": state.entries,
        "head": state.head,
    }


def _state_in(data: dict[str, Any]) -> LedgerState:
    return LedgerState(
        records={(a, p): _record_in(r) for a, p, r in data["records"]},
        post_times=data["post_times"],
        retractions={a: Retraction(*r) for a, r in data["retractions"].items()},
        untrusted=data["untrusted"],
        entries=data["entries"],
        head=data["head"],
    )


@dataclass
class _Resume:
    state: LedgerState
    marks: list[FileMark]
    last_where: str
    hasher: Any  # sha256 of the newest covered file's covered bytes, ready to continue


def _read_checkpoint(path: Path, directory: Path, files: list[Path], trust_key: str) -> _Resume | None:
    """The checkpoint, if it is readable, of this version and policy, and matches the log; else None."""
    try:
        data = json.loads(path.read_bytes())
        if (data.get("format"), data.get("version"), data.get("trust")) != (FOLD_VERSION, __version__, trust_key):
            return None
        if data.get("directory") != str(directory.resolve()):
            return None
        marks = [FileMark(**m) for m in data["files"]]
        names = [p.name for p in files]
        if not marks or [m.name for m in marks] != names[: len(marks)]:
            return None
        for mark in marks[:-1]:  # older months: unchanged since they were covered
            info = (directory / mark.name).stat()
            if info.st_size != mark.size or info.st_mtime_ns != mark.mtime_ns:
                return None
            if _line_before(directory / mark.name, mark) != mark.last_hash:
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
        state = _state_in(data["state"])
        return _Resume(state, marks, data.get("last_where", ""), hasher)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _line_before(path: Path, mark: FileMark) -> str:
    with path.open("rb") as fh:
        fh.seek(mark.size - mark.last_len)
        return line_hash(fh.read(mark.last_len))


def _write_checkpoint(path: Path, directory: Path, trust_key: str, resume: _Resume) -> None:
    """Write atomically (a reader sees the old file or the new one); a cache, so failures are ignored."""
    data = {
        "format": FOLD_VERSION,
        "version": __version__,
        "trust": trust_key,
        "directory": str(directory.resolve()),
        "files": [m.__dict__ for m in resume.marks],
        "last_where": resume.last_where,
        "state": _state_out(resume.state),
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def _label(directory: Path, root: Path | None, path: Path) -> str:
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return f"{directory.name}/{path.name}"


def load_state(
    directory: Path,
    *,
    root: Path | None = None,
    trust: Trust | None = None,
    trust_key: str | None = None,
) -> LedgerState:
    """Check and fold the log (see ``audit.read_state``), from the checkpoint when one matches."""
    files = log_files(directory)
    use_checkpoint = root is not None and (trust is None or trust_key is not None)
    key = trust_key or ""
    store = checkpoint_path(root, directory) if use_checkpoint and root is not None else None
    resume = _read_checkpoint(store, directory, files, key) if store is not None and files else None
    if resume is None:
        resume = _Resume(LedgerState(), [], "", hashlib.sha256())
    folder = Folder(resume.state, trust, resume.last_where)
    marks = resume.marks
    before = (resume.state.entries, len(marks), marks[-1].size if marks else 0)
    for index in range(len(marks) - 1 if marks else 0, len(files)):
        path = files[index]
        mark = marks[index] if index < len(marks) else None
        if mark is None:
            mark = FileMark(path.name, 0, 0, 0, "", 0)
            marks.append(mark)
            resume.hasher = hashlib.sha256()
        newest = index == len(files) - 1
        _fold_file(path, _label(directory, root, path), mark, folder, resume.hasher if newest else None)
    if folder.problems:
        raise AuditDamaged(folder.problems)
    resume.last_where = folder.last_where
    if store is not None and marks and (resume.state.entries, len(marks), marks[-1].size) != before:
        _write_checkpoint(store, directory, key, resume)
    return resume.state


def _fold_file(path: Path, label: str, mark: FileMark, folder: Folder, hasher: Any) -> None:
    """Fold a file from ``mark`` on, moving the mark to the end of its last whole line (``hasher``, for the
    newest file only, takes every byte folded)."""
    last_raw = b""
    with path.open("rb") as fh:
        fh.seek(mark.size)
        number, size = mark.lines, mark.size
        for raw in fh:
            if not raw.endswith(b"\n"):
                folder.problems.append(
                    f"{label}:{number + 1}: the last line has no newline (an interrupted write?); remove it"
                )
                break
            number += 1
            size += len(raw)
            last_raw = raw
            if hasher is not None:
                hasher.update(raw)
            line = raw[:-1]
            if not line.strip():
                continue  # not an entry; audit verify reports it
            folder.line(f"{label}:{number}", line)
        mtime = os.fstat(fh.fileno()).st_mtime_ns
    if last_raw:
        mark.last_hash, mark.last_len = line_hash(last_raw), len(last_raw)
    mark.size, mark.lines, mark.mtime_ns = size, number, mtime
    mark.prefix_sha256 = hasher.hexdigest() if hasher is not None else ""
