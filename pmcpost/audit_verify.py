"""`pmcpost audit verify`: walk the hash chain of every month file, line by line, in constant memory.

A hash chain shows edits, deletions, insertions and reordering anywhere before the last entry. It cannot
show that the newest entries (or the newest month files) were cut off: git history is the anchor for that,
which is why the summary prints the head hash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pmcpost.audit import EVENTS, FILE_RE, GENESIS, canonical, line_hash, log_files, parse_time
from pmcpost.content import relative_label

REQUIRED_FIELDS = ("time", "event", "version", "prev")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


@dataclass(frozen=True)
class AuditProblem:
    """One problem at ``path:line`` (line 0: the whole file)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class VerifyResult:
    files: int = 0
    entries: int = 0
    head: str = GENESIS  # the sha256 of the last line: record it elsewhere to notice a cut-off tail
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _label(path: Path, root: Path | None) -> str:
    return relative_label(root, path) if root is not None else path.as_posix()


class ChainVerifier:
    """Yields problems as it finds them; ``files``, ``entries`` and ``head`` are filled in as it goes."""

    def __init__(self, directory: Path, *, root: Path | None = None) -> None:
        self.directory = directory
        self.root = root
        self.files = 0
        self.entries = 0
        self.head = GENESIS

    def problems(self) -> Iterator[AuditProblem]:
        expected = GENESIS
        # Where the expected hash came from, for messages: (label, line), or None before the first line.
        prev_where: tuple[str, int] | None = None
        # The hash before the previous line, to recognise an inserted line.
        before_prev: str | None = None
        before_where: tuple[str, int] | None = None
        last_time = ""  # format_time's fixed width makes string order time order
        days = _DayCheck()
        for path in log_files(self.directory):
            self.files += 1
            label = _label(path, self.root)
            month = FILE_RE.match(path.name)
            assert month is not None  # log_files only lists month files
            year, mon = int(month.group(1)), int(month.group(2))
            file_month = f"{month.group(1)}-{month.group(2)}"
            if not 1 <= mon <= 12 or year < 1970:
                yield AuditProblem(label, 0, f"{path.name} is not a month file name (YYYY-MM.jsonl)")
            number = 0
            with path.open("rb") as fh:
                for number, raw in enumerate(fh, start=1):
                    complete = raw.endswith(b"\n")
                    line = raw[:-1] if complete else raw
                    if complete and not line.strip():
                        # AuditLog never writes one; it takes no part in the chain, so say only this.
                        yield AuditProblem(label, number, "empty line")
                        continue
                    self.entries += 1
                    problems, moment, prev_bad = _check_line(label, number, file_month, expected, line, complete, days)
                    yield from problems
                    if prev_bad:  # rare: only now build the context the message needs
                        where = _Where(label, number, expected, prev_where, before_prev, before_where)
                        yield AuditProblem(label, number, _chain_message(prev_bad, where))
                    if moment:
                        if moment < last_time:
                            yield AuditProblem(
                                label,
                                number,
                                f"time {moment} is earlier than the previous entry's "
                                f"({last_time}): entries were reordered or the clock went back",
                            )
                        else:
                            last_time = moment
                    before_prev, before_where = expected, prev_where
                    expected = line_hash(line)
                    prev_where = (label, number)
            if number == 0:
                yield AuditProblem(label, 0, "empty month file: were its entries removed?")
        self.head = expected


@dataclass(frozen=True)
class _Where:
    label: str
    number: int
    expected: str  # the prev this line must carry
    prev_where: tuple[str, int] | None  # the line that hash is of (None: the genesis)
    before_prev: str | None  # the hash before that, to recognise an inserted line
    before_where: tuple[str, int] | None


class _DayCheck:
    """Whether a day exists; remembers the last one, as consecutive entries share their day."""

    def __init__(self) -> None:
        self.last = ""

    def ok(self, text: str) -> bool:
        if text[:10] == self.last:
            return True
        try:
            parse_time(text)
        except ValueError:
            return False
        self.last = text[:10]
        return True


def _check_line(
    label: str, number: int, file_month: str, expected: str, line: bytes, complete: bool, days: _DayCheck
) -> tuple[list[AuditProblem], str, str]:
    """The problems of one line (but the chain's), its time when valid, and its prev when it is not the
    expected one. Written for speed: a million lines go through here."""
    out: list[AuditProblem] = []
    if not complete:
        out.append(AuditProblem(label, number, "truncated: the last line has no newline (an interrupted write?)"))
    try:
        entry = json.loads(line)
    except ValueError as exc:
        if complete:  # a torn line is almost never JSON: the truncation says it all
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
            out.append(AuditProblem(label, number, f"not a JSON object: {reason}"))
        return out, "", ""
    if not isinstance(entry, dict):
        out.append(AuditProblem(label, number, "not a JSON object"))
        return out, "", ""
    if canonical(entry) != line:
        out.append(
            AuditProblem(
                label, number, "not written canonically (re-serialising it gives other bytes): edited by hand?"
            )
        )
    if len(entry.keys() & REQUIRED_FIELDS) != len(REQUIRED_FIELDS):
        missing = [name for name in REQUIRED_FIELDS if name not in entry]
        out.append(
            AuditProblem(label, number, "missing field" + ("s " if len(missing) > 1 else " ") + ", ".join(missing))
        )
    if "event" in entry and entry["event"] not in EVENTS:
        out.append(AuditProblem(label, number, f"unknown event {entry['event']!r}"))
    if "version" in entry and not isinstance(entry["version"], str):
        out.append(AuditProblem(label, number, "version is not a string"))
    moment = ""
    if "time" in entry:
        text = entry["time"]
        if not isinstance(text, str) or not TIME_RE.match(text) or not days.ok(text):
            out.append(
                AuditProblem(label, number, f"time {text!r} is not UTC ISO 8601 (such as 2026-11-03T09:30:00.000000Z)")
            )
        elif text[:7] != file_month:
            out.append(AuditProblem(label, number, f"time {text} belongs in {text[:7]}.jsonl, not {file_month}.jsonl"))
        else:
            moment = text
    prev_bad = ""
    if "prev" in entry:
        prev = entry["prev"]
        if not isinstance(prev, str) or not HEX64_RE.match(prev):
            out.append(AuditProblem(label, number, "prev is not a sha256 (64 lower-case hex digits)"))
        elif prev != expected:
            prev_bad = prev
    return out, moment, prev_bad


def _line_ref(where: tuple[str, int], label: str) -> str:
    return f"line {where[1]}" if where[0] == label else f"line {where[1]} of {where[0]}"


def _chain_message(prev: str, w: _Where) -> str:
    if w.prev_where is None:
        return (
            "prev is not the genesis value (64 zeros) although this is the first entry: "
            "earlier entries or month files were deleted"
        )
    where_label, where_line = w.prev_where
    if prev == w.before_prev and w.before_where is not None:
        # Two lines claim the same predecessor: one of them does not belong here.
        before = _line_ref(w.before_where, w.label)
        return f"prev matches {before}, not {_line_ref(w.prev_where, w.label)}: a line was inserted or moved here"
    if w.number == 1:
        return (
            f"prev does not match the last entry of {where_label} (line {where_line}): an entry was edited, "
            "deleted or reordered there, or a month file between them is missing"
        )
    return f"prev does not match line {where_line}: it was edited, or lines were deleted or reordered here"


def iter_problems(directory: Path, *, root: Path | None = None) -> Iterator[AuditProblem]:
    """The problems of the chain, streamed."""
    yield from ChainVerifier(directory, root=root).problems()


def verify_chain(directory: Path, *, root: Path | None = None) -> VerifyResult:
    """Check the whole chain and collect every problem (labels are relative to ``root`` when given)."""
    verifier = ChainVerifier(directory, root=root)
    problems = list(verifier.problems())
    return VerifyResult(verifier.files, verifier.entries, verifier.head, problems)
