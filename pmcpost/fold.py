"""Folding the audit log into a ``LedgerState``: every line checked before it is believed.

``load_state`` checks each line's chain link and the type of every field the fold reads, and folds it; a
damaged line stops the fold with ``AuditDamaged`` (``file:line: what is wrong``). With a repository root it
resumes from the checkpoint (``pmcpost.checkpoint``) and folds only the lines written since.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmcpost.audit import (
    EVENTS,
    LedgerState,
    PlatformRecord,
    Retraction,
    format_time,
    line_hash,
    log_files,
    parse_time,
)
from pmcpost.errors import AuditError

if TYPE_CHECKING:
    from pmcpost.config import Config

Trust = Callable[[Mapping[str, Any]], bool]

# Post times older than this before the newest post are dropped: quotas look at the last 24 hours only.
POST_TIMES_KEPT = timedelta(days=8)

# Bump when the fold's meaning changes: every checkpoint written before is then rebuilt.
FOLD_VERSION = 4
KNOWN_EVENTS = frozenset((*EVENTS, "missed"))
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_SHOWN = 20


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


# Fields the fold (or a command reading its records) uses, when present: their type and how to say it.
_OPTIONAL: dict[str, tuple[type, str]] = {
    "error": (str, "a string"),
    "reason": (str, "a string"),
    "run": (str, "a string"),
    "content_sha256": (str, "a string"),
    "expires_at": (str, "a string"),
    "actor": (dict, "an object"),
    "unresolved": (bool, "true or false"),
    "retry_after": (str, "a string"),
    "approval_proof": (dict, "an object"),
    "by_hand": (bool, "true or false"),  # a post made by hand and recorded with `pmcpost record`
    "recorded_by": (dict, "an object"),  # who made it (or says it was not made): {"id", "name"}
    "handed_over": (str, "a string"),  # when publish handed it over (the intent's time)
}


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
        held = e.get("held")
        if "held" in e and (not isinstance(held, list) or not all(isinstance(h, str) for h in held)):
            return f"held is {_show(held)}, not a list of strings"
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
    wrong = [name for name in _OPTIONAL.keys() & e.keys() if not isinstance(e[name], _OPTIONAL[name][0])]
    if wrong:
        name = min(wrong)
        return f"{name} is {_show(e[name])}, not {_OPTIONAL[name][1]}"
    if "retry_after" in e and not TIME_RE.match(e["retry_after"]):
        return f"retry_after {_show(e['retry_after'])} is not UTC ISO 8601 (such as 2026-11-03T09:30:00.000000Z)"
    return _whole(e, "part", 0) or _whole(e, "parts", 1) or _whole(e, "backoff_step", 1)


@dataclass
class FileMark:
    """How much of one month file has been folded (kept in the checkpoint)."""

    name: str
    size: int  # bytes folded (whole lines)
    lines: int  # line numbers folded
    mtime_ns: int  # the file's modification time when it was folded
    last_hash: str  # sha256 of the last folded line's bytes, newline included
    last_len: int  # their length
    prefix_sha256: str = ""  # sha256 of all folded bytes (kept for the newest file only)


class Folder:
    """Checks and folds lines one at a time into ``state``; problems are collected, not raised."""

    def __init__(self, state: LedgerState, trust: Trust | None, last_where: str = "") -> None:
        self.state = state
        self.trust = trust
        self.problems: list[str] = []
        self.last_where = last_where  # "file:line" of the last line folded, for chain messages
        self.touched: set[tuple[str, str]] = set()  # the records this fold changed

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
        self.touched.add(key)
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
        state = self.state
        if event == "freeze":
            held = e.get("held")
            state.frozen = sorted(held) if isinstance(held, list) else None
            return
        announcement: str = e["announcement"]
        platform: str | None = e.get("platform")
        if platform is None:  # an announcement-level retraction: stops it on every platform
            if not self._trusted(e, where):
                return
            if announcement not in state.retractions:
                state.retractions[announcement] = Retraction(e.get("reason") or "", e["time"], e.get("actor"))
            for other in state.platforms_of(announcement):
                rec = self._record(announcement, other)
                if not rec.retracted:
                    rec.retracted, rec.retract_reason = True, e.get("reason")
            return
        state.active_since.setdefault(platform, e["time"])
        rec = self._record(announcement, platform)
        part: int = e.get("part", 0)
        if "parts" in e:
            rec.parts = max(rec.parts, e["parts"])
        if event == "intent":
            rec.pending[part] = e
            rec.held = None
            state.frozen = None
        elif event in ("posted", "reconciled"):
            if not self._trusted(e, where):
                # Not proof that it went out: leave it unresolved, so publish looks it up before posting.
                rec.pending.setdefault(part, e)
                return
            rec.pending.pop(part, None)
            if event == "posted":
                state.post_times.setdefault(platform, []).append(e["time"])
            # it works again: no more backing off, for this post or the platform
            rec.backoff_step, rec.retry_after = 0, None
            state.backoff.pop(platform, None)
            if isinstance(e.get("run"), str):
                state.ok_runs[platform] = e["run"]
            remote = e.get("remote")
            if remote:
                rec.posted[part] = remote
                rec.failed = None
                rec.failed_parts.pop(part, None)
                if rec.content_sha256 is None:
                    rec.content_sha256 = e.get("content_sha256")
                rec.last_posted = e["time"]
        elif event == "held":
            if "part" in e:  # an intent this run never acted on
                rec.pending.pop(part, None)
            else:  # held back before any intent (no approval proof): says why until an intent
                rec.held = e.get("reason") or "held"
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
            step = e.get("backoff_step")
            if step is not None and "retry_after" in e:
                rec.backoff_step, rec.retry_after = step, e["retry_after"]
                known = state.backoff.get(platform)
                # the platform backs off only when the run posted nothing there (one refused post is its own)
                works = "run" in e and state.ok_runs.get(platform) == e["run"]
                if not works and (known is None or step >= known["step"]):
                    state.backoff[platform] = {"step": step, "retry_after": e["retry_after"], "error": error}
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
            rec.missed_at = e["time"]


def prune_post_times(state: LedgerState) -> None:
    """Keep the post times quotas can still need (the same result however the fold was split)."""
    newest = max((times[-1] for times in state.post_times.values() if times), default="")
    if not newest:
        return
    cutoff = format_time(parse_time(newest) - POST_TIMES_KEPT)
    for platform, times in state.post_times.items():
        if times and times[0] < cutoff:
            state.post_times[platform] = times[bisect.bisect_left(times, cutoff) :]


def fold_file(path: Path, label: str, mark: FileMark, folder: Folder, hasher: Any) -> None:
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


def label_of(directory: Path, root: Path | None, path: Path) -> str:
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return f"{directory.name}/{path.name}"


def fold_files(
    directory: Path,
    root: Path | None,
    files: list[Path],
    folder: Folder,
    marks: list[FileMark],
    hasher: Any,
) -> None:
    """Fold every file from the marks on (the last mark's file resumes; later files start at 0); raises
    ``AuditDamaged`` when a line is wrong."""
    for index in range(len(marks) - 1 if marks else 0, len(files)):
        path = files[index]
        if index >= len(marks):
            marks.append(FileMark(path.name, 0, 0, 0, "", 0))
            hasher = hashlib.sha256()
        newest = index == len(files) - 1
        fold_file(path, label_of(directory, root, path), marks[index], folder, hasher if newest else None)
    if folder.problems:
        raise AuditDamaged(folder.problems)
    prune_post_times(folder.state)


def load_state(
    directory: Path,
    *,
    root: Path | None = None,
    trust: Trust | None = None,
    trust_key: str | None = None,
) -> LedgerState:
    """Check and fold the log (see ``audit.read_state``), from the checkpoint when one matches."""
    files = log_files(directory)
    if root is not None and files and (trust is None or trust_key is not None):
        from pmcpost.checkpoint import fold_with_checkpoint

        state = fold_with_checkpoint(directory, root, files, trust, trust_key or "")
        if state is not None:
            return state
    folder = Folder(LedgerState(), trust)
    fold_files(directory, root, files, folder, [], hashlib.sha256())
    return folder.state


def read_ledger(config: Config) -> LedgerState:
    """The ledger as ``config`` says to read it: checked, from the checkpoint, and with
    ``audit.require_signatures`` believing only signed claims of a post."""
    from pmcpost.audit_sign import trust_key, trust_predicate
    from pmcpost.audit_witness import local_head_problem

    state = load_state(
        config.audit_dir, root=config.root, trust=trust_predicate(config.audit), trust_key=trust_key(config.audit)
    )
    # A chain cannot see its own tail cut off: this machine's note of what it wrote last can.
    problem = local_head_problem(config.audit_dir, config.paths.audit.strip("/"), state.head)
    if problem:
        raise AuditDamaged([problem])
    return state
