"""The audit log: an append-only, hash-chained JSON Lines ledger, one file per month, kept in git.

Each line is one canonical JSON object whose ``prev`` is the sha256 of the previous line's bytes (across
month files, in order), so an edit, deletion, insertion or reordering breaks the chain and is found by
``pmcpost audit verify``. Writers append and fsync before the network call they announce.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pmcpost import __version__
from pmcpost.errors import AuditError

if TYPE_CHECKING:
    from pmcpost.audit_sign import Signer

GENESIS = "0" * 64
FILE_RE = re.compile(r"^(\d{4})-(\d{2})\.jsonl$")
EVENTS = ("intent", "posted", "failed", "reconciled", "retract-intent", "retracted", "freeze", "held")


def canonical(entry: Mapping[str, Any]) -> bytes:
    """The exact bytes of an entry's line (without the newline)."""
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def person_id(value: Any) -> str | None:
    """The id in an entry's ``coordinator`` or ``approver`` field (``{"id", "name"}``), if there is one."""
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def log_files(directory: Path) -> list[Path]:
    """The month files in chain order."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if FILE_RE.match(p.name) and p.is_file())


def _last_line(path: Path) -> bytes | None:
    """The last non-empty line of a file, read from its end (month files can be large)."""
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        end = fh.tell()
        block = 4096
        data = b""
        pos = end
        while pos > 0:
            step = min(block, pos)
            pos -= step
            fh.seek(pos)
            data = fh.read(step) + data
            stripped = data.rstrip(b"\n")
            if b"\n" in stripped:
                return stripped.rsplit(b"\n", 1)[1]
            block *= 2
        stripped = data.rstrip(b"\n")
        return stripped or None


class AuditLog:
    """Appends entries to the chain. One writer at a time: the publish lock guarantees it."""

    def __init__(self, directory: Path, *, clock: Any = utc_now, signer: Signer | None = None) -> None:
        self.directory = directory
        self.clock = clock
        self.signer = signer  # an audit_sign.Signer: entries get a ``sig`` (the publishing job's key)
        self._prev: str | None = None
        self._last_time = ""
        self._newest: Path | None = None
        self._unsynced: set[Path] = set()

    def _tail(self) -> tuple[str, str, Path | None]:
        """The hash and time of the last entry, and the newest month file (read once per writer)."""
        if self._prev is None:
            files = log_files(self.directory)
            last: bytes | None = None
            for path in reversed(files):
                if _ends_torn(path):
                    raise AuditError(
                        f"{path.name} ends in a partly written line (a crash while writing?); run "
                        "pmcpost audit verify, and remove that last line before publishing again"
                    )
                last = _last_line(path)
                if last is not None:
                    break
            self._prev = line_hash(last) if last is not None else GENESIS
            self._last_time = _time_of(last) if last is not None else ""
            self._newest = files[-1] if files else None
        return self._prev, self._last_time, self._newest

    def append(self, entry: Mapping[str, Any], *, durable: bool = True) -> dict[str, Any]:
        """Write one entry and return it as written; fsynced unless ``durable`` is False.

        Intents must be durable before the call they announce. An outcome may wait for the next fsync
        (the next intent's, or ``sync()`` at the end of a run): if it is lost in a crash, its intent is
        still there and the next run reconciles it by looking the post up, so nothing is posted twice.
        """
        event = entry.get("event")
        if event not in EVENTS:
            raise AuditError(f"unknown audit event {event!r}")
        prev, last_time, newest = self._tail()
        moment = self.clock()
        stamp = format_time(moment)
        if stamp < last_time:
            # The clock went back (NTP step, another machine): keep the chain's times in order.
            stamp, moment = last_time, parse_time(last_time)
        record = {k: v for k, v in entry.items() if v is not None}
        record["time"] = stamp
        record["version"] = __version__
        record["prev"] = prev
        if self.signer is not None:
            record["sig"] = self.signer.sign(record)
        line = canonical(record)
        path = self.directory / f"{moment.astimezone(timezone.utc):%Y-%m}.jsonl"
        if newest is not None and newest.name > path.name:
            path = newest
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            created = not path.exists()
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line + b"\n")
                if durable:
                    os.fsync(fd)
                else:
                    self._unsynced.add(path)
            finally:
                os.close(fd)
            if created:  # make the new file's directory entry durable too
                dfd = os.open(self.directory, os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)
        except OSError as exc:
            raise AuditError(f"cannot write the audit log {path.name}: {exc.strerror}") from None
        if durable:
            self._unsynced.discard(path)
        self._prev = line_hash(line)
        self._last_time = stamp
        self._newest = path
        if durable:
            self._witness()
        return record

    def sync(self) -> None:
        """Make every entry written so far durable."""
        for path in sorted(self._unsynced):
            try:
                _fsync_file(path)
            except OSError as exc:
                raise AuditError(f"cannot write the audit log {path.name}: {exc.strerror}") from None
        self._unsynced.clear()
        self._witness()

    def _witness(self) -> None:
        """Note the durable head outside git, so ``audit verify`` sees a later uncommitted cut."""
        if self._prev is not None and self._prev != GENESIS:
            from pmcpost.audit_witness import record_local_head

            record_local_head(self.directory, self._prev, self._last_time)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ends_torn(path: Path) -> bool:
    """Whether a non-empty file lacks its final newline."""
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() == 0:
            return False
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) != b"\n"


def _time_of(line: bytes) -> str:
    try:
        value = json.loads(line).get("time", "")
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def iter_entries(directory: Path) -> Iterator[tuple[Path, int, dict[str, Any]]]:
    """Every entry as (file, line number, entry), streaming; lines that are not JSON objects are skipped
    (``audit verify`` reports them)."""
    for path in log_files(directory):
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                raw = raw.rstrip(b"\n")
                if not raw:
                    continue
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(entry, dict):
                    yield path, number, entry


@dataclass
class PlatformRecord:
    """What the ledger says about one announcement on one platform."""

    posted: dict[int, dict[str, Any]] = field(default_factory=dict)  # part -> remote {id, url}
    pending: dict[int, dict[str, Any]] = field(default_factory=dict)  # part -> intent without outcome
    parts: int = 0
    failed: str | None = None  # the last error, when the last attempt failed
    retracted: bool = False  # once retracted, never posted again (the posted parts stay on record)
    retract_reason: str | None = None
    content_sha256: str | None = None  # the file's hash when first posted
    last_posted: str | None = None  # time of the latest post or reconciliation

    @property
    def complete(self) -> bool:
        return self.parts > 0 and all(i in self.posted for i in range(self.parts))

    @property
    def urls(self) -> list[str]:
        return [self.posted[i]["url"] for i in sorted(self.posted) if self.posted[i].get("url")]


@dataclass
class LedgerState:
    records: dict[tuple[str, str], PlatformRecord] = field(default_factory=dict)
    # platform -> times (ISO, UTC) of every post made, for daily quotas
    post_times: dict[str, list[str]] = field(default_factory=dict)

    def posts_since(self, platform: str, since: datetime) -> int:
        """Posts (thread parts count one each) made on ``platform`` at or after ``since``."""
        cutoff = format_time(since)
        return sum(1 for t in self.post_times.get(platform, ()) if t >= cutoff)

    def get(self, announcement: str, platform: str) -> PlatformRecord:
        return self.records.get((announcement, platform)) or PlatformRecord()


def read_state(directory: Path, trust: Callable[[Mapping[str, Any]], bool] | None = None) -> LedgerState:
    """Fold the ledger into what has been posted, is pending, failed or was retracted. With ``trust``, a
    ``posted``/``reconciled`` claim it rejects proves nothing: its intent stays open, to be looked up."""
    state = LedgerState()
    for _, _, e in iter_entries(directory):
        event = e.get("event")
        if event == "freeze":
            continue
        key = (e.get("announcement"), e.get("platform"))
        if not isinstance(key[0], str) or not isinstance(key[1], str):
            continue
        rec = state.records.setdefault((key[0], key[1]), PlatformRecord())
        part = e.get("part", 0)
        if isinstance(e.get("parts"), int):
            rec.parts = max(rec.parts, e["parts"])
        if event == "intent":
            rec.pending[part] = e
        elif event in ("posted", "reconciled"):
            if trust is not None and not trust(e):
                continue
            rec.pending.pop(part, None)
            if event == "posted" and isinstance(e.get("time"), str):
                state.post_times.setdefault(key[1], []).append(e["time"])
            if e.get("remote"):
                rec.posted[part] = e["remote"]
                rec.failed = None
                rec.retracted = False
                if rec.content_sha256 is None:
                    rec.content_sha256 = e.get("content_sha256")
                rec.last_posted = e.get("time")
        elif event == "held":  # an intent this run never acted on
            rec.pending.pop(part, None)
        elif event == "failed":
            if not e.get("unresolved"):  # an unresolved failure leaves the intent open: look before posting
                rec.pending.pop(part, None)
            rec.failed = e.get("error") or "failed"
        elif event == "retracted":
            rec.retracted = True
            rec.retract_reason = e.get("reason")
    return state
